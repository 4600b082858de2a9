-- Drone surveys and their images. The API is the only writer: operators create surveys and upload
-- images; the survey worker reports each image's result through PUT …/images/{sha256}/result.
CREATE TABLE surveys (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  operator text,
  area jsonb,
  flown_at timestamptz NOT NULL,
  flight_height_m double precision,
  timezone text NOT NULL DEFAULT 'Asia/Shanghai',
  -- GeoJSON layers: noParking, sidewalks, permittedBuildings.
  zones jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- One row per distinct image (by sha256) of a survey: the same photo uploaded twice is one row,
-- one object and one job.
CREATE TABLE survey_images (
  survey_id bigint NOT NULL REFERENCES surveys (id),
  sha256 text NOT NULL,
  object_key text NOT NULL,
  file_name text NOT NULL,
  content_type text NOT NULL,
  bytes bigint NOT NULL,
  width integer NOT NULL,
  height integer NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'done', 'failed')),
  error text,
  -- Found at upload (e.g. the file ends early); the worker's own warnings are in result.
  upload_warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
  result jsonb,
  -- How many results the worker reported (a retried job reports again; the last one stands).
  reports integer NOT NULL DEFAULT 0,
  uploaded_at timestamptz NOT NULL,
  uploaded_by text NOT NULL,
  finished_at timestamptz,
  PRIMARY KEY (survey_id, sha256)
);
CREATE INDEX survey_images_status ON survey_images (survey_id, status);
