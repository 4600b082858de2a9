// Uploading a folder of drone photos to a survey through the API, resumably: the survey is asked
// which images (by sha256) it already has and only the others are sent, so an interrupted upload is
// simply run again. Used by `npm run survey:upload` and by the demo.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

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

export async function uploadSurveyImages(options: UploadFolderOptions): Promise<UploadResult> {
  const { call, root, headers } = surveyApiClient(options.api, options.key);
  const images = typeof options.images === 'string' ? (await listImages(path.resolve(options.images))).images : options.images;
  if (images.length === 0) throw new SurveyUploadError('no JPEG, PNG or TIFF files to upload');
  let surveyId: string;
  if ('create' in options.survey) {
    const c = options.survey.create;
    const created = await call<{ id: string }>('POST', '/v1/surveys', {
      name: c.name,
      flownAt: c.flownAt ?? new Date().toISOString(),
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
      const body = (await res.json().catch(() => ({}))) as { message?: string };
      if (res.ok) sent++;
      else {
        refused.push(`${name}: ${body.message ?? res.status}`);
        options.onRefused?.(body.message ?? `${name}: HTTP ${res.status}`);
      }
    }
    bytesDone += sizes[i]!;
  }
  options.onProgress?.(images.length, images.length, bytesDone, totalBytes, 'done');
  return { surveyId, sent, already, refused };
}
