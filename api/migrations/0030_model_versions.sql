-- Model versions (models/versions/): every model trained on this machine, with where it came from
-- and what it is worth, and the promotions that made one of them the one the workers run.
-- Metadata lives here, beside the reviews it was trained on, so one transaction records a promotion
-- and its audit; the weights stay files under DATA_DIR/models/versions/<id>/ (never in git).
CREATE TABLE model_versions (
  id text PRIMARY KEY,
  kind text NOT NULL,
  -- What it serves: the attribute it sets ("cover", "verdict_illegal_parking"); one live per target.
  target text NOT NULL,
  parent_id text REFERENCES model_versions (id),
  -- The version's folder, relative to DATA_DIR/models.
  dir text NOT NULL,
  -- Its manifest entry, files relative to dir.
  entry jsonb NOT NULL,
  training jsonb NOT NULL,
  metrics jsonb NOT NULL,
  -- New vs parent on the same held-out reviews, with the promotion rule and its decision.
  comparison jsonb,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  promoted_at timestamptz,
  promoted_by text
);
CREATE INDEX model_versions_target ON model_versions (target, created_at);

-- Who made which version live, when, and why; the newest row per target is the live one.
CREATE TABLE model_promotions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  target text NOT NULL,
  version_id text REFERENCES model_versions (id),
  previous_id text REFERENCES model_versions (id),
  action text NOT NULL CHECK (action IN ('promote', 'rollback')),
  at timestamptz NOT NULL,
  actor text NOT NULL,
  actor_role text NOT NULL,
  reason text
);
CREATE INDEX model_promotions_target ON model_promotions (target, id);
