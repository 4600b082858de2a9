-- The five violation types, their codes and handling limits as shipped. Operators change them
-- through PUT /v1/case-types/{type}. The codes come from a transcription of GB/T 47678.5-2026 and
-- CJ/T 214-2007 and must be checked against the official text before go-live (DESIGN.md).
-- The limits are starting points for a city to set, not figures from the standard.

INSERT INTO case_types (type, name_zh, handling_limit_minutes, working_time) VALUES
  ('street_vending', '占道经营', 120, true),
  ('illegal_parking', '违停', 60, false),
  ('exposed_garbage', '暴露垃圾', 240, true),
  ('illegal_construction', '违法建筑', 2400, true),
  ('uncovered_muck_truck', '渣土车未覆盖', 120, false);

INSERT INTO type_codes (type, standard, code, is_primary) VALUES
  ('street_vending', 'GB/T 47678.5-2026', '09006', true),
  ('street_vending', 'CJ/T 214-2007', '0501', false),
  ('street_vending', 'CJ/T 214-2007', '0504', false),
  ('illegal_parking', 'GB/T 47678.5-2026', '09009', true),
  ('illegal_parking', 'CJ/T 214-2007', '0505', false),
  ('exposed_garbage', 'GB/T 47678.5-2026', '06010', true),
  ('exposed_garbage', 'CJ/T 214-2007', '0102', false),
  ('illegal_construction', 'GB/T 47678.5-2026', '06001', true),
  ('illegal_construction', 'CJ/T 214-2007', '0101', false),
  ('uncovered_muck_truck', 'GB/T 47678.5-2026', '08011', true);

-- Working time for limits counted in working hours: Monday to Friday, 08:30-12:00 and 13:30-17:30
-- in the city's time zone. Holidays and make-up working days (调休) are listed by date.
INSERT INTO settings (name, value) VALUES
  ('working_calendar', '{"timezone": "Asia/Shanghai", "days": [1, 2, 3, 4, 5], "periods": [{"start": "08:30", "end": "12:00"}, {"start": "13:30", "end": "17:30"}], "holidays": [], "workdays": []}');
