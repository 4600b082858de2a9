// Uploading a folder of drone photos to a survey through the API, resumably: the survey is asked
// which images (by sha256) it already has and only the others are sent, so an interrupted upload is
// simply run again. Used by `npm run survey:upload` and by the demo.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import exifr from 'exifr';

export const IMAGE_NAME = /\.(jpe?g|png|tiff?)$/i;

export class SurveyUploadError extends Error {
  override name = 'SurveyUploadError';
}

export interface SurveyCreate {
  name: string;
  flownAt?: string;
  flightHeightM?: number;
  operator?: string;
  zones?: unknown;
}

export interface UploadFolderOptions {
  /** API base URL. */
  api: string;
  /** An operator (or admin) key. */
  key: string;
  /** A folder, or a list of image files. */
  images: string | string[];
  /** An existing survey, or one to create. */
  survey: { id: string } | { create: SurveyCreate };
  onCreated?: (surveyId: string) => void;
  onProgress?: (done: number, total: number, bytes: number, totalBytes: number, name: string) => void;
  onRefused?: (message: string) => void;
  /** A created survey without flownAt: when it was taken to be flown, and from what. */
  onFlownAt?: (flownAt: string, source: 'photos' | 'upload time', detail: string) => void;
}

export interface UploadResult {
  surveyId: string;
  sent: number;
  already: number;
  refused: string[];
}

export function surveyApiClient(base: string, key: string) {
  const root = base.replace(/\/$/, '');
  const headers = { authorization: `Bearer ${key}` };
  const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${root}${route}`, {
        method,
        headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new SurveyUploadError(`API unreachable at ${root}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new SurveyUploadError(`${method} ${route}: ${res.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };
  return { root, headers, call };
}

export async function listImages(root: string): Promise<{ images: string[]; skipped: string[] }> {
  const images: string[] = [];
  const skipped: string[] = [];
  const walk = async (d: string) => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) (IMAGE_NAME.test(e.name) ? images : skipped).push(p);
    }
  };
  await walk(root);
  return { images, skipped };
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (c) => h.update(c)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

/** Surveys are flown in the city's time; EXIF times carry no zone (pipeline/survey/capture-time.ts reads them the same way). */
const DEFAULT_ZONE_OFFSET_MS = 8 * 3600_000;

/**
 * When the photos say they were taken: the earliest EXIF DateTimeOriginal (or CreateDate) that is a
 * plausible clock (2000 or later, not in the future). A camera clock never set says 2000-01-01 or
 * 1970; those are not believed. Undefined when no photo says.
 */
export async function flownAtFromPhotos(images: string[], now: Date = new Date()): Promise<{ at: Date; file: string } | undefined> {
  let best: { at: Date; file: string } | undefined;
  for (const file of images) {
    let tags: Record<string, unknown> | undefined;
    try {
      tags = (await exifr.parse(file, { pick: ['DateTimeOriginal', 'CreateDate'], reviveValues: false })) as Record<string, unknown> | undefined;
    } catch {
      continue; // PNG/TIFF exports often have no EXIF at all
    }
    const text = typeof tags?.DateTimeOriginal === 'string' ? tags.DateTimeOriginal : typeof tags?.CreateDate === 'string' ? tags.CreateDate : undefined;
    const m = text ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text) : null;
    if (!m) continue;
    const [y, mo, d, h, mi, sec] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    const at = new Date(Date.UTC(y, mo - 1, d, h, mi, sec) - DEFAULT_ZONE_OFFSET_MS);
    if (Number.isNaN(at.getTime()) || y < 2000 || (y === 2000 && mo === 1 && d === 1) || at.getTime() > now.getTime() + 86_400_000) continue;
    if (!best || at < best.at) best = { at, file };
  }
  return best;
}

export async function uploadSurveyImages(options: UploadFolderOptions): Promise<UploadResult> {
  const { call, root, headers } = surveyApiClient(options.api, options.key);
  const images = typeof options.images === 'string' ? (await listImages(path.resolve(options.images))).images : options.images;
  if (images.length === 0) throw new SurveyUploadError('no JPEG, PNG or TIFF files to upload');
  let surveyId: string;
  if ('create' in options.survey) {
    const c = options.survey.create;
    let flownAt = c.flownAt;
    if (!flownAt) {
      // Without --flown-at the photos' own clocks say when; only when none does is it the upload time.
      const fromPhotos = await flownAtFromPhotos(images);
      flownAt = (fromPhotos?.at ?? new Date()).toISOString();
      options.onFlownAt?.(
        flownAt,
        fromPhotos ? 'photos' : 'upload time',
        fromPhotos ? `the earliest photo clock (${path.basename(fromPhotos.file)})` : 'no photo says when it was taken (no EXIF DateTimeOriginal); pass --flown-at to set it',
      );
    }
    const created = await call<{ id: string }>('POST', '/v1/surveys', {
      name: c.name,
      flownAt,
      ...(c.flightHeightM !== undefined ? { flightHeightM: c.flightHeightM } : {}),
      ...(c.operator ? { operator: c.operator } : {}),
      ...(c.zones ? { zones: c.zones } : {}),
    });
    surveyId = String(created.id);
    options.onCreated?.(surveyId);
  } else {
    surveyId = options.survey.id;
  }
  const have = new Set((await call<{ items: Array<{ sha256: string }> }>('GET', `/v1/surveys/${surveyId}/images`)).items.map((i) => i.sha256));
  const sizes = await Promise.all(images.map(async (f) => (await stat(f)).size));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  let sent = 0;
  let bytesDone = 0;
  let already = 0;
  const refused: string[] = [];
  for (const [i, file] of images.entries()) {
    const name = path.basename(file);
    options.onProgress?.(i, images.length, bytesDone, totalBytes, name);
    const sha = await sha256File(file);
    if (have.has(sha)) {
      already++;
    } else {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(await readFile(file))]), name);
      const res = await fetch(`${root}/v1/surveys/${surveyId}/images`, { method: 'POST', headers, body: form }).catch((err: Error) => {
        throw new SurveyUploadError(`upload of ${name} failed: ${err.message}`);
      });
      const body = (await res.json().catch(() => ({}))) as { message?: string; refused?: Array<{ problem?: string }> };
      if (res.ok) sent++;
      else {
        // The API's message already starts with the file name; its per-file problem does not.
        const problem = body.refused?.length === 1 ? body.refused[0]!.problem : body.message;
        const line = `${name}: ${problem ?? `HTTP ${res.status}`}`;
        refused.push(line);
        options.onRefused?.(line);
      }
    }
    bytesDone += sizes[i]!;
  }
  options.onProgress?.(images.length, images.length, bytesDone, totalBytes, 'done');
  return { surveyId, sent, already, refused };
}
