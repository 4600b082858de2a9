// Camera passwords never travel or rest in clear. A camera URL holds its password in one of three ways:
// - it names a secret, as in Frigate: rtsp://admin:{CAMERA_PASSWORD_GATE3}@10.0.0.5/stream1, and
//   each camera worker resolves the name from its environment or its secrets file;
// - sealed: the API encrypts a literal password (AES-256-GCM, the camera id as associated data)
//   into {sealed:v1:<key id>:<iv|ciphertext|tag>}, which is what the database, the camera-streams
//   queue and the ingest role see; workers holding the same key open it just before ffmpeg runs;
// - in clear: only as an operator typed it, before the API sealed it (and in cameras stored before
//   sealing existed, which the API seals on start).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CameraSecretKey } from './camera-secret-key.ts';
import { PASSWORD_MASK } from './redact.ts';
import { joinCredentials, splitCredentials, type UrlCredentials } from './url-credentials.ts';

const SEALED = /^\{sealed:v1:([0-9a-f]{8}):([A-Za-z0-9_-]+)\}$/;
/** Anything in braces that looks like a name: a secret name, or a mistaken one worth a message. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const SECRET_NAME = /^CAMERA_[A-Z0-9_]+$/;
/** The product's own settings: a camera URL must not be able to send them to a host it names. */
const RESERVED = new Set(['CAMERA_SECRET_KEY', 'CAMERA_SECRET_KEY_FILE', 'CAMERA_SECRETS_FILE', 'CAMERA_WORKERS']);
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class CameraSecretError extends Error {}

/** 'masked': "***", what answers show; it stands for a password kept elsewhere. */
export type PasswordForm = 'none' | 'clear' | 'sealed' | 'names' | 'masked';

export function passwordForm(url: string): PasswordForm {
  const password = splitCredentials(url)?.password;
  if (password === undefined || password === '') return 'none';
  if (password === PASSWORD_MASK) return 'masked';
  if (SEALED.test(password)) return 'sealed';
  if (password.replace(PLACEHOLDER, '') === '') return 'names';
  return 'clear';
}

/** Why a name in braces cannot be a camera secret, or undefined when it can. */
export function secretNameProblem(name: string): string | undefined {
  if (!SECRET_NAME.test(name)) return `{${name}} is not a camera secret name: secrets are named CAMERA_ and capitals, digits or _ (e.g. {CAMERA_PASSWORD_GATE3})`;
  if (RESERVED.has(name)) return `{${name}} is a setting of the product, not a camera secret`;
  return undefined;
}

/** The secret names a URL refers to, in order, each once. */
export function secretNames(url: string): string[] {
  return [...new Set([...url.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

export function sealPassword(password: string, key: CameraSecretKey, cameraId: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(Buffer.from(`camera:${cameraId}`));
  const data = Buffer.concat([iv, cipher.update(password, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `{sealed:v1:${key.id}:${data.toString('base64url')}}`;
}

export function openSealedPassword(sealed: string, key: CameraSecretKey | undefined, cameraId: string): string {
  const m = SEALED.exec(sealed);
  if (!m) throw new CameraSecretError('the camera password is not in the sealed form');
  const [, keyId, body] = m as unknown as [string, string, string];
  if (!key) throw new CameraSecretError(`the camera password is encrypted (key ${keyId}) and this worker has no camera secret key (CAMERA_SECRET_KEY)`);
  if (key.id !== keyId) throw new CameraSecretError(`the camera password was encrypted with another key (${keyId}; this worker's is ${key.id}): give the camera's password again`);
  const data = Buffer.from(body, 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(`camera:${cameraId}`));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new CameraSecretError('the encrypted camera password does not open with this key (altered, or sealed for another camera): give the password again');
  }
}

/** The URL with a clear password sealed; any other URL as it is. */
export function sealUrl(url: string, key: CameraSecretKey, cameraId: string): string {
  if (passwordForm(url) !== 'clear') return url;
  const parts = splitCredentials(url)!;
  return joinCredentials({ ...parts, password: sealPassword(parts.password!, key, cameraId) });
}

/** Where a worker looks up secret names (environment, secrets file). */
export type SecretLookup = (name: string) => string | undefined;

export type ResolvedUrl = { url: string } | { error: string };

/**
 * The URL ffmpeg is given: secret names replaced by their values and a sealed password opened.
 * A problem is returned, not thrown, as the camera's error ("missing secret CAMERA_PASSWORD_GATE3"):
 * the camera waits for it, the worker goes on.
 */
export function resolveCameraUrl(url: string, cameraId: string, key: CameraSecretKey | undefined, lookup: SecretLookup): ResolvedUrl {
  const parts = splitCredentials(url);
  if (parts?.password === PASSWORD_MASK) {
    return { error: 'the camera password reached this worker masked (***): the API holds it without a camera secret key (set CAMERA_SECRET_KEY there)' };
  }
  const sealed = parts?.password !== undefined && SEALED.test(parts.password) ? parts.password : undefined;
  // Names are resolved everywhere but inside the sealed password, whose clear text is used as it is.
  const texts: string[] = parts ? [parts.scheme, parts.user, sealed ? '' : (parts.password ?? ''), parts.rest] : [url];
  const problems = texts.flatMap((t) => secretNames(t)).map((n) => secretNameProblem(n)).filter((p): p is string => !!p);
  if (problems.length) return { error: problems.join('; ') };
  const missing = texts.flatMap((t) => secretNames(t)).filter((n) => lookup(n) === undefined);
  if (missing.length) return { error: `missing secret${missing.length > 1 ? 's' : ''} ${[...new Set(missing)].join(', ')}` };
  const fill = (t: string) => t.replace(PLACEHOLDER, (_, name: string) => lookup(name)!);
  if (!parts) return { url: fill(url) };
  let password = parts.password === undefined ? undefined : fill(parts.password);
  if (sealed) {
    try {
      password = openSealedPassword(sealed, key, cameraId);
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
  const resolved: UrlCredentials = { scheme: parts.scheme, user: fill(parts.user), rest: fill(parts.rest), ...(password === undefined ? {} : { password }) };
  return { url: joinCredentials(resolved) };
}
