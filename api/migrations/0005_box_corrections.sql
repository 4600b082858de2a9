-- Reviewers' box corrections on evidence images (issue 6, "Learning from reviews"). One row per save:
-- the complete set of boxes the reviewer says are on that image (the model's box, moved or
-- relabelled or removed, and boxes they drew), in the image's pixels. Rows are never changed or
-- deleted; the latest row for a (case, image) is the one that counts. The evidence row and the
-- evidence bytes are never touched: a correction points at the image by its sha256.
CREATE TABLE box_corrections (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id bigint NOT NULL REFERENCES cases (id),
  evidence_sha256 text NOT NULL,
  image_width integer NOT NULL,
  image_height integer NOT NULL,
  -- [{ "box": [x1, y1, x2, y2], "label": "garbage", "origin": "model" | "drawn" }]
  boxes jsonb NOT NULL,
  note text,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  actor_role text NOT NULL
);
CREATE INDEX box_corrections_case ON box_corrections (case_id, evidence_sha256, id);
CREATE INDEX box_corrections_at ON box_corrections (at);

CREATE FUNCTION box_corrections_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'box corrections are append-only (% refused)', TG_OP;
END
$$;
CREATE TRIGGER box_corrections_append_only BEFORE UPDATE OR DELETE ON box_corrections
  FOR EACH ROW EXECUTE FUNCTION box_corrections_append_only();
