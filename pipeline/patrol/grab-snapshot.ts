// Patrol grab from the camera's HTTP snapshot URL: one JPEG per pass, decoded and scaled to the
// analysis width by sharp. The cheapest grab when a camera has one (most IP cameras do): no
// video decoder, no session kept open. Credentials in the URL (fetch refuses them inside the URL)
// go the way the camera asks on its first 401: HTTP Digest when it offers it (the password never
// travels), Basic otherwise; the scheme and Digest nonce are kept, so later passes take one
// request. They never appear in a reason.
import sharp from 'sharp';
import type { Frame } from '../../contracts/types.ts';
import { redactText } from '../../infra/redact.ts';
import { splitCredentials } from '../../infra/url-credentials.ts';
import { GrabError, type FrameGrabber } from './frame-grabber.ts';
import { digestAuthorization, parseDigestChallenge, type DigestChallenge } from './http-digest.ts';

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
  const { target, auth } = requestOf(o.url);
  return {
    method: 'snapshot',
    async grab(signal) {
      const timeout = AbortSignal.timeout(o.timeoutMs);
      const body = await fetchJpeg(target, auth, signal ? AbortSignal.any([signal, timeout]) : timeout, o.timeoutMs);
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

async function fetchJpeg(target: string, auth: SnapshotAuth | undefined, signal: AbortSignal, timeoutMs: number): Promise<Buffer> {
  let body: Buffer;
  let contentType: string;
  try {
    let res = await fetch(target, { headers: authHeaders(auth, target), signal, redirect: 'error' });
    // A 401 that teaches the scheme (or a fresh nonce) is answered once; a second 401 is the answer.
    if (res.status === 401 && auth && learnScheme(auth, res.headers.get('www-authenticate'))) {
      await res.body?.cancel().catch(() => undefined);
      res = await fetch(target, { headers: authHeaders(auth, target), signal, redirect: 'error' });
    }
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

interface SnapshotAuth {
  user: string;
  password: string;
  /** Unknown until the camera's first 401 says. */
  scheme?: 'basic' | 'digest';
  challenge?: DigestChallenge;
  /** Requests made with the current Digest nonce. */
  nc: number;
}

/** The URL fetch may take (no user-info) and the credentials it carried. */
function requestOf(url: string): { target: string; auth?: SnapshotAuth } {
  const parts = splitCredentials(url);
  if (!parts) return { target: url };
  const user = decodeURIComponent(parts.user);
  const password = decodeURIComponent(parts.password ?? '');
  return { target: `${parts.scheme}${parts.rest}`, auth: { user, password, nc: 0 } };
}

function authHeaders(auth: SnapshotAuth | undefined, target: string): Record<string, string> {
  if (!auth?.scheme) return {};
  if (auth.scheme === 'basic') return { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` };
  const { pathname, search } = new URL(target);
  auth.nc++;
  return { authorization: digestAuthorization(auth.challenge!, { user: auth.user, password: auth.password, method: 'GET', uri: `${pathname}${search}`, nc: auth.nc }) };
}

/** Takes what a 401 says; true when there is something new to try (a scheme or a nonce). */
function learnScheme(auth: SnapshotAuth, header: string | null): boolean {
  const challenge = parseDigestChallenge(header);
  if (challenge) {
    // The same nonce refused again without "stale" means the password is wrong: do not loop.
    const fresh = auth.scheme !== 'digest' || challenge.stale || challenge.nonce !== auth.challenge?.nonce;
    auth.scheme = 'digest';
    auth.challenge = challenge;
    auth.nc = 0;
    return fresh;
  }
  if (auth.scheme === 'basic') return false;
  auth.scheme = 'basic';
  return true;
}
