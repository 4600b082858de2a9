// Patrol grab from the camera's HTTP snapshot URL: one JPEG per pass, decoded and scaled to the
// analysis width by sharp. The cheapest grab when a camera has one (most IP cameras do): no
// video decoder, no session kept open. Credentials in the URL travel as HTTP Basic auth (fetch
// refuses them inside the URL) and never appear in a reason.
import sharp from 'sharp';
import type { Frame } from '../../contracts/types.ts';
import { redactText } from '../../infra/redact.ts';
import { splitCredentials } from '../../infra/url-credentials.ts';
import { GrabError, type FrameGrabber } from './frame-grabber.ts';

export interface SnapshotGrabOptions {
  cameraId: string;
  url: string;
  /** Largest width delivered; smaller pictures keep their size. */
  width: number;
  timeoutMs: number;
  clock: () => Date;
}

const JPEG_MAGIC = [0xff, 0xd8, 0xff];

export function snapshotGrabber(o: SnapshotGrabOptions): FrameGrabber {
  const { target, headers } = requestOf(o.url);
  return {
    method: 'snapshot',
    async grab(signal) {
      const timeout = AbortSignal.timeout(o.timeoutMs);
      const body = await fetchJpeg(target, headers, signal ? AbortSignal.any([signal, timeout]) : timeout, o.timeoutMs);
      // Taken when the camera answered: the picture is at most the transfer time old.
      const capturedAt = o.clock();
      try {
        const { data, info } = await sharp(body).resize({ width: o.width, withoutEnlargement: true }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        return { sourceId: o.cameraId, capturedAt, width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) } satisfies Frame;
      } catch (error) {
        throw new GrabError(`snapshot JPEG could not be decoded: ${redactText((error as Error).message)}`);
      }
    },
  };
}

async function fetchJpeg(target: string, headers: Record<string, string>, signal: AbortSignal, timeoutMs: number): Promise<Buffer> {
  let body: Buffer;
  let contentType: string;
  try {
    const res = await fetch(target, { headers, signal, redirect: 'error' });
    contentType = res.headers.get('content-type') ?? 'none';
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new GrabError(`snapshot answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    }
    body = Buffer.from(await res.arrayBuffer());
  } catch (error) {
    if (error instanceof GrabError) throw error;
    const e = error as Error & { cause?: Error };
    if (e.name === 'TimeoutError') throw new GrabError(`snapshot timed out after ${timeoutMs / 1000} s`);
    if (e.name === 'AbortError') throw new GrabError('snapshot aborted (patrol stopped)');
    throw new GrabError(`snapshot request failed: ${redactText(e.cause?.message ?? e.message)}`);
  }
  if (!JPEG_MAGIC.every((b, i) => body[i] === b)) {
    throw new GrabError(`snapshot is not a JPEG (content-type ${contentType}, ${body.length} bytes)`);
  }
  return body;
}

/** The URL fetch may take (no user-info) and the Basic auth header its credentials become. */
function requestOf(url: string): { target: string; headers: Record<string, string> } {
  const parts = splitCredentials(url);
  if (!parts) return { target: url, headers: {} };
  const user = decodeURIComponent(parts.user);
  const password = decodeURIComponent(parts.password ?? '');
  return { target: `${parts.scheme}${parts.rest}`, headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } };
}
