// The key camera passwords are sealed with (AES-256-GCM): 32 bytes, from CAMERA_SECRET_KEY (64 hex
// digits or base64), or else from a key file. The API creates that file once (mode 0600) so the
// embedded default (npm start, npm run api) needs no configuration; workers only read it.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface CameraSecretKey {
  key: Buffer;
  /** First 8 hex digits of the key's sha256: says which key sealed a password, never the key. */
  id: string;
  /** Where it came from ("CAMERA_SECRET_KEY" or the file), for messages. */
  source: string;
}

export interface CameraSecretKeySettings {
  /** The key itself (CAMERA_SECRET_KEY); wins over the file. */
  key?: string;
  /** Key file, e.g. $DATA_DIR/keys/camera-secret.key. */
  keyFile?: string;
}

export class CameraSecretKeyError extends Error {}

/** $DATA_DIR/keys/camera-secret.key: where the embedded default keeps its key. */
export function defaultKeyFile(dataDir: string): string {
  return path.join(dataDir, 'keys', 'camera-secret.key');
}

export function parseCameraSecretKey(text: string, source: string): CameraSecretKey {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? Buffer.from(t, 'base64') : undefined;
  if (!key || key.length !== 32) {
    throw new CameraSecretKeyError(`${source}: a camera secret key is 32 bytes written as 64 hex digits or base64 (e.g. openssl rand -hex 32)`);
  }
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 8), source };
}

/**
 * The key from the settings; with `create`, a key file that does not exist yet is made. undefined
 * when there is neither a key nor a file (a worker then cannot open sealed passwords, and says so).
 */
export async function loadCameraSecretKey(settings: CameraSecretKeySettings, options: { create?: boolean } = {}): Promise<CameraSecretKey | undefined> {
  if (settings.key?.trim()) return parseCameraSecretKey(settings.key, 'CAMERA_SECRET_KEY');
  const file = settings.keyFile;
  if (!file) return undefined;
  const saved = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new CameraSecretKeyError(`camera secret key file ${file}: ${err.message}`);
  });
  if (saved !== undefined) return parseCameraSecretKey(saved, `camera secret key file ${file}`);
  if (!options.create) return undefined;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const text = `${randomBytes(32).toString('hex')}\n`;
  // "wx": two processes starting at once must not each write a different key.
  await writeFile(file, text, { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw new CameraSecretKeyError(`camera secret key file ${file}: ${err.message}`);
  });
  await chmod(file, 0o600);
  return parseCameraSecretKey(await readFile(file, 'utf8'), `camera secret key file ${file}`);
}

/** What a process's environment says: CAMERA_SECRET_KEY, else CAMERA_SECRET_KEY_FILE, else the embedded default file. */
export function cameraSecretKeySettingsFromEnv(env: NodeJS.ProcessEnv, dataDir: string): CameraSecretKeySettings {
  return { ...(env.CAMERA_SECRET_KEY ? { key: env.CAMERA_SECRET_KEY } : {}), keyFile: env.CAMERA_SECRET_KEY_FILE || defaultKeyFile(dataDir) };
}
