// How the dataset export reaches the API: GET a path with a reviewer's or an admin's key. Reading
// through the API rather than the store keeps one access path: the same role check, the same
// sha256 check before any byte is served, and a trainer's machine needs a URL and a key, not
// database and bucket credentials.
import { createHash } from 'node:crypto';

export class DatasetExportError extends Error {
  override name = 'DatasetExportError';
}

/** How the exporter reaches the API: GET a path, get status and bytes. */
export type Transport = (urlPath: string) => Promise<{ status: number; body: Buffer }>;

/** Over HTTP with an API key (a reviewer's or an admin's). */
export function httpTransport(baseUrl: string, key: string): Transport {
  const base = baseUrl.replace(/\/+$/, '');
  return async (urlPath) => {
    let res: Response;
    try {
      res = await fetch(`${base}${urlPath}`, { headers: { authorization: `Bearer ${key}` } });
    } catch (err) {
      throw new DatasetExportError(`cannot reach the API at ${base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    }
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
  };
}

export async function getJson<T>(transport: Transport, urlPath: string): Promise<T> {
  const res = await transport(urlPath);
  const text = res.body.toString('utf8');
  if (res.status !== 200) {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the text
    }
    const hint = res.status === 401 ? ' (is the key right?)' : res.status === 403 ? ' (the export needs a reviewer or admin key)' : '';
    throw new DatasetExportError(`GET ${urlPath.split('?')[0]}: HTTP ${res.status}: ${message}${hint}`);
  }
  return JSON.parse(text) as T;
}

/**
 * The bytes of an image, checked against its sha256 here as well: the server checks before serving,
 * but a proxy or a broken transfer in between could still change them, and a training set must be
 * exactly what the reviewer saw. `what` names the image in errors ("evidence … of case 12").
 */
export async function getCheckedBytes(transport: Transport, urlPath: string, sha256: string, what: string): Promise<Buffer> {
  const res = await transport(urlPath);
  if (res.status !== 200) throw new DatasetExportError(`${what}: HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
  const actual = createHash('sha256').update(res.body).digest('hex');
  if (actual !== sha256) throw new DatasetExportError(`${what} arrived with sha256 ${actual}; not exported`);
  return res.body;
}
