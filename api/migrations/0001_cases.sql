-- Cases, their sightings, evidence and the append-only audit trail (DESIGN.md, "Lifecycle").

CREATE TABLE settings (
  name text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per violation type: its Chinese name and how long a unit has to handle it.
CREATE TABLE case_types (
  type text PRIMARY KEY,
  name_zh text NOT NULL,
  handling_limit_minutes integer NOT NULL CHECK (handling_limit_minutes > 0),
  -- true: the limit counts working time (the working_calendar setting); false: clock time.
  working_time boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- (standard, code) pairs per type; exactly one primary, which is copied onto each case.
CREATE TABLE type_codes (
  type text NOT NULL REFERENCES case_types (type) ON DELETE CASCADE,
  standard text NOT NULL,
  code text NOT NULL,
  is_primary boolean NOT NULL DEFAULT false,
  PRIMARY KEY (type, standard, code)
);
CREATE UNIQUE INDEX type_codes_one_primary ON type_codes (type) WHERE is_primary;

CREATE TABLE cases (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dedupe_key text NOT NULL UNIQUE,
  type text NOT NULL REFERENCES case_types (type),
  standard text NOT NULL,
  code text NOT NULL,
  status text NOT NULL,
  source_kind text NOT NULL,
  source_id text NOT NULL,
  source_name text,
  zone_id text,
  lat double precision,
  lon double precision,
  accuracy_m double precision,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  score double precision NOT NULL,
  label text,
  plate text,
  observation_count integer NOT NULL DEFAULT 1,
  model_id text,
  model_sha256 text,
  unit text,
  due_at timestamptz,
  reject_reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- The review queue and the list: newest first or highest score first within a status.
CREATE INDEX cases_status_last_seen ON cases (status, last_seen DESC, id DESC);
CREATE INDEX cases_status_score ON cases (status, score DESC, id DESC);
CREATE INDEX cases_last_seen ON cases (last_seen DESC, id DESC);
CREATE INDEX cases_source ON cases (source_id, last_seen DESC);
CREATE INDEX cases_lat_lon ON cases (lat, lon) WHERE lat IS NOT NULL;
CREATE INDEX cases_due ON cases (due_at) WHERE status = 'dispatched';

-- One row per sighting; the id comes from the pipeline and makes a retried post a no-op.
CREATE TABLE observations (
  id text PRIMARY KEY,
  case_id bigint NOT NULL REFERENCES cases (id),
  observed_at timestamptz NOT NULL,
  started_at timestamptz,
  score double precision NOT NULL,
  box jsonb NOT NULL,
  zone_id text,
  lat double precision,
  lon double precision,
  accuracy_m double precision,
  label text,
  plate text,
  attributes jsonb,
  model_id text NOT NULL,
  model_sha256 text,
  received_at timestamptz NOT NULL,
  received_by text NOT NULL
);
CREATE INDEX observations_case ON observations (case_id, observed_at);

CREATE TABLE evidence (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id bigint NOT NULL REFERENCES cases (id),
  observation_id text NOT NULL REFERENCES observations (id),
  kind text NOT NULL,
  object_key text NOT NULL,
  sha256 text NOT NULL,
  content_type text NOT NULL,
  captured_at timestamptz NOT NULL,
  bytes integer NOT NULL,
  width integer,
  height integer,
  box jsonb
);
CREATE INDEX evidence_case ON evidence (case_id);
CREATE INDEX evidence_sha256 ON evidence (sha256);

-- Who moved which case from what to what, when and why. Never updated, never deleted.
CREATE TABLE audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id bigint NOT NULL REFERENCES cases (id),
  at timestamptz NOT NULL,
  actor text NOT NULL,
  actor_role text NOT NULL,
  action text NOT NULL,
  from_status text,
  to_status text NOT NULL,
  note text,
  details jsonb
);
CREATE INDEX audit_case ON audit (case_id, id);

CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP;
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  secret_sha256 text NOT NULL,
  role text NOT NULL CHECK (role IN ('ingest', 'operator', 'reviewer', 'admin')),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE cameras (
  id text PRIMARY KEY,
  config jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
