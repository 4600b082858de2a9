-- Box corrections on drone survey images (issue 6): a missed garbage pile or a car seen from above
-- on an image that raised no case has no case to hang the correction on, so a correction now
-- belongs to either a case (its evidence image) or a survey (one of its uploaded images), never
-- both. evidence_sha256 is then the survey image's sha256, and the foreign key makes sure the
-- survey really has that image. Rows stay append-only (the trigger from 0005 still applies).
ALTER TABLE box_corrections ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE box_corrections ADD COLUMN survey_id bigint;
ALTER TABLE box_corrections ADD CONSTRAINT box_corrections_survey_image
  FOREIGN KEY (survey_id, evidence_sha256) REFERENCES survey_images (survey_id, sha256);
ALTER TABLE box_corrections ADD CONSTRAINT box_corrections_one_subject
  CHECK ((case_id IS NULL) <> (survey_id IS NULL));
CREATE INDEX box_corrections_survey ON box_corrections (survey_id, evidence_sha256, id) WHERE survey_id IS NOT NULL;
