-- The loop after review (issue 16): field units, keys bound to a unit, after-photos, evidence that
-- belongs to a lifecycle step rather than a sighting, and who made each audited move by key.

-- The units cases are dispatched to. A dispatch to a unit not listed here is refused.
CREATE TABLE units (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- dispatcher (board, dispatch) and field (one unit's cases) join the roles; a field key names its unit.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('ingest', 'operator', 'reviewer', 'dispatcher', 'field', 'admin'));
ALTER TABLE api_keys ADD COLUMN unit text REFERENCES units (id);
ALTER TABLE api_keys ADD CONSTRAINT api_keys_field_unit CHECK ((role = 'field') = (unit IS NOT NULL));

-- Evidence of a lifecycle step (after-photos of handling, the verifier's new frame) has no sighting:
-- it points at the audit entry of the step instead.
ALTER TABLE evidence ALTER COLUMN observation_id DROP NOT NULL;
ALTER TABLE evidence ADD COLUMN audit_id bigint REFERENCES audit (id);
ALTER TABLE evidence ADD CONSTRAINT evidence_has_origin CHECK (observation_id IS NOT NULL OR audit_id IS NOT NULL);
CREATE INDEX evidence_audit ON evidence (audit_id) WHERE audit_id IS NOT NULL;

-- After-photos uploaded for a case, waiting to be named by the handle move that makes them evidence.
-- Keyed by (case, sha256): the same photo sent twice is one row.
CREATE TABLE after_photos (
  case_id bigint NOT NULL REFERENCES cases (id),
  sha256 text NOT NULL,
  content_type text NOT NULL,
  bytes integer NOT NULL,
  width integer NOT NULL,
  height integer NOT NULL,
  uploaded_at timestamptz NOT NULL,
  uploaded_by text NOT NULL,
  PRIMARY KEY (case_id, sha256)
);

-- The key behind an audited move, so "your own decision" (undo) is a fact, not a name match.
ALTER TABLE audit ADD COLUMN actor_key text;
CREATE INDEX cases_unit_status ON cases (unit, status) WHERE unit IS NOT NULL;
