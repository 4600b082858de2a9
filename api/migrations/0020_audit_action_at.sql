-- Reports read the audit trail by action and time (dispatches in a week, reviews in a month).
CREATE INDEX audit_action_at ON audit (action, at);
CREATE INDEX cases_first_seen ON cases (first_seen);
