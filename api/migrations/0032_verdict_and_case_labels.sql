-- Verdict scores (issue 14): the probability, from a verdict classifier, that a reviewer confirms
-- the case, kept from its latest sighting that had one; with per-type hold thresholds (the
-- 'verdict_hold' setting) the review queue keeps likely false alarms apart.
ALTER TABLE cases ADD COLUMN verdict_score double precision;
ALTER TABLE cases ADD COLUMN verdict_model_id text;
CREATE INDEX cases_status_verdict ON cases (status, verdict_score DESC NULLS LAST, id DESC);

-- Attribute labels reviewers give a case's object (a truck's cover: covered / uncovered / empty_bed):
-- one current value per case and attribute; the audit trail keeps who changed it.
CREATE TABLE case_labels (
  case_id bigint NOT NULL REFERENCES cases (id),
  attribute text NOT NULL,
  value text NOT NULL,
  actor text NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (case_id, attribute)
);

INSERT INTO settings (name, value) VALUES ('verdict_hold', '{"thresholds": {}, "autoReject": false}')
  ON CONFLICT (name) DO NOTHING;
