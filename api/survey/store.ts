// Surveys and their images in the case store. Plain SQL; the API is the single writer.
import type { SurveyImageResult, SurveyImageStatus, SurveyInput, SurveyZones } from '../../contracts/survey.ts';
import type { Db, Row } from '../store/db.ts';

export interface SurveyRecord extends Omit<SurveyInput, 'zones'> {
  id: string;
  zones: SurveyZones;
  timezone: string;
  createdBy: string;
  createdAt: string;
}

export interface SurveyImageRecord {
  sha256: string;
  key: string;
  fileName: string;
  contentType: string;
  bytes: number;
  width: number;
  height: number;
  status: SurveyImageStatus;
  error?: string;
  uploadWarnings: string[];
  result?: SurveyImageResult;
  reports: number;
  uploadedAt: string;
  finishedAt?: string;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));

function toSurvey(r: Row): SurveyRecord {
  return {
    id: String(r.id),
    name: r.name as string,
    ...(r.operator ? { operator: r.operator as string } : {}),
    ...(r.area ? { area: r.area as SurveyInput['area'] } : {}),
    flownAt: iso(r.flown_at),
    ...(r.flight_height_m !== null && r.flight_height_m !== undefined ? { flightHeightM: Number(r.flight_height_m) } : {}),
    timezone: r.timezone as string,
    zones: (r.zones ?? {}) as SurveyZones,
    createdBy: r.created_by as string,
    createdAt: iso(r.created_at),
  };
}

function toImage(r: Row): SurveyImageRecord {
  return {
    sha256: r.sha256 as string,
    key: r.object_key as string,
    fileName: r.file_name as string,
    contentType: r.content_type as string,
    bytes: Number(r.bytes),
    width: Number(r.width),
    height: Number(r.height),
    status: r.status as SurveyImageStatus,
    ...(r.error ? { error: r.error as string } : {}),
    uploadWarnings: (r.upload_warnings ?? []) as string[],
    ...(r.result ? { result: r.result as SurveyImageResult } : {}),
    reports: Number(r.reports),
    uploadedAt: iso(r.uploaded_at),
    ...(r.finished_at ? { finishedAt: iso(r.finished_at) } : {}),
  };
}

export async function createSurvey(db: Db, input: SurveyInput, by: string, now: Date): Promise<SurveyRecord> {
  const [row] = await db.query(
    `INSERT INTO surveys (name, operator, area, flown_at, flight_height_m, timezone, zones, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING *`,
    [
      input.name,
      input.operator ?? null,
      input.area ? JSON.stringify(input.area) : null,
      input.flownAt,
      input.flightHeightM ?? null,
      input.timezone ?? 'Asia/Shanghai',
      JSON.stringify(input.zones ?? {}),
      by,
      now,
    ],
  );
  return toSurvey(row!);
}

export async function getSurvey(db: Db, id: string): Promise<SurveyRecord | undefined> {
  if (!/^\d{1,15}$/.test(id)) return undefined;
  const [row] = await db.query('SELECT * FROM surveys WHERE id = $1', [Number(id)]);
  return row ? toSurvey(row) : undefined;
}

export async function listSurveys(db: Db, limit = 100): Promise<SurveyRecord[]> {
  return (await db.query('SELECT * FROM surveys ORDER BY id DESC LIMIT $1', [limit])).map(toSurvey);
}

export async function setSurveyZones(db: Db, id: string, zones: SurveyZones, now: Date): Promise<boolean> {
  const rows = await db.query('UPDATE surveys SET zones = $2, updated_at = $3 WHERE id = $1 RETURNING id', [Number(id), JSON.stringify(zones), now]);
  return rows.length > 0;
}

/** An accepted upload, before any worker has seen it. */
export type NewImage = Pick<SurveyImageRecord, 'sha256' | 'key' | 'fileName' | 'contentType' | 'bytes' | 'width' | 'height'> & { warnings: string[] };

/** Records an image; false when the survey already has these bytes (the first upload stands). */
export async function addImage(db: Db, surveyId: string, image: NewImage, by: string, now: Date): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO survey_images (survey_id, sha256, object_key, file_name, content_type, bytes, width, height, status, upload_warnings, uploaded_at, uploaded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $10, $11)
     ON CONFLICT (survey_id, sha256) DO NOTHING RETURNING sha256`,
    [Number(surveyId), image.sha256, image.key, image.fileName, image.contentType, image.bytes, image.width, image.height, JSON.stringify(image.warnings), now, by],
  );
  return rows.length > 0;
}

export async function getImage(db: Db, surveyId: string, sha256: string): Promise<SurveyImageRecord | undefined> {
  const [row] = await db.query('SELECT * FROM survey_images WHERE survey_id = $1 AND sha256 = $2', [Number(surveyId), sha256]);
  return row ? toImage(row) : undefined;
}

export async function listImages(db: Db, surveyId: string): Promise<SurveyImageRecord[]> {
  return (await db.query('SELECT * FROM survey_images WHERE survey_id = $1 ORDER BY uploaded_at, file_name', [Number(surveyId)])).map(toImage);
}

/** Images still waiting for a worker, to put on the queue again (their jobs may have been lost with Redis). */
export async function queuedImages(db: Db, surveyId?: string): Promise<Array<{ surveyId: string; sha256: string; key: string; fileName: string }>> {
  const rows = surveyId
    ? await db.query("SELECT survey_id, sha256, object_key, file_name FROM survey_images WHERE status = 'queued' AND survey_id = $1", [Number(surveyId)])
    : await db.query("SELECT survey_id, sha256, object_key, file_name FROM survey_images WHERE status = 'queued'");
  return rows.map((r) => ({ surveyId: String(r.survey_id), sha256: r.sha256 as string, key: r.object_key as string, fileName: r.file_name as string }));
}

/**
 * Failed images of a survey back to queued, for another try (the object store was down, the worker
 * gave up, a better model is installed now). Their last result stays until the new one replaces it.
 */
export async function requeueFailed(db: Db, surveyId: string): Promise<Array<{ surveyId: string; sha256: string; key: string; fileName: string }>> {
  const rows = await db.query(
    "UPDATE survey_images SET status = 'queued', error = NULL WHERE survey_id = $1 AND status = 'failed' RETURNING survey_id, sha256, object_key, file_name",
    [Number(surveyId)],
  );
  return rows.map((r) => ({ surveyId: String(r.survey_id), sha256: r.sha256 as string, key: r.object_key as string, fileName: r.file_name as string }));
}

/** The worker's result for one image. A repeated report (a retried job) replaces the earlier one. */
export async function saveResult(db: Db, surveyId: string, sha256: string, result: SurveyImageResult, now: Date): Promise<boolean> {
  const rows = await db.query(
    `UPDATE survey_images SET status = $3, error = $4, result = $5, reports = reports + 1, finished_at = $6
     WHERE survey_id = $1 AND sha256 = $2 RETURNING sha256`,
    [Number(surveyId), sha256, result.status, result.error ?? null, JSON.stringify(result), now],
  );
  return rows.length > 0;
}

/** Cases in the store holding any of these observations, by type: what the survey found, once delivered. */
export async function casesOfObservations(db: Db, observationIds: string[]): Promise<{ delivered: number; cases: Array<{ id: number; type: string; status: string }> }> {
  if (observationIds.length === 0) return { delivered: 0, cases: [] };
  const rows = await db.query(
    `SELECT o.id AS observation_id, c.id, c.type, c.status FROM observations o JOIN cases c ON c.id = o.case_id WHERE o.id = ANY($1)`,
    [observationIds],
  );
  const byId = new Map<number, { id: number; type: string; status: string }>();
  for (const r of rows) byId.set(Number(r.id), { id: Number(r.id), type: r.type as string, status: r.status as string });
  return { delivered: rows.length, cases: [...byId.values()].sort((a, b) => a.id - b.id) };
}
