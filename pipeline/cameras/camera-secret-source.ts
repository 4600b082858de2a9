// Where a camera worker finds the secrets camera URLs name ({CAMERA_PASSWORD_GATE3}): its
// environment first, then the secrets file CAMERA_SECRETS_FILE (JSON {"NAME": "value"} or NAME=value
// lines, # comments), read again whenever it changes, so a secret added there reaches a waiting
// camera without a restart. Values go into the URL as they are (percent-encode @ : / in them).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { cameraSecretKeySettingsFromEnv, loadCameraSecretKey, type CameraSecretKey } from '../../infra/camera-secret-key.ts';
import { CameraSecretError, type SecretLookup } from '../../infra/camera-secrets.ts';
import { REPO_ROOT } from '../../infra/samples.ts';

export interface CameraSecretSource {
  /** A lookup for one resolution; it throws CameraSecretError when it needs the secrets file and cannot use it (naming file and line). */
  lookup(): SecretLookup;
}

export function cameraSecretSource(env: NodeJS.ProcessEnv = process.env): CameraSecretSource {
  const file = env.CAMERA_SECRETS_FILE || undefined;
  let cached: { mtimeMs: number; size: number; values: Map<string, string> } | undefined;
  const fileValues = (): Map<string, string> => {
    if (!file) return new Map();
    let stat;
    try {
      stat = statSync(file);
    } catch (err) {
      throw new CameraSecretError(`secrets file ${file} (CAMERA_SECRETS_FILE): ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (err as Error).message}`);
    }
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.values;
    const values = parseSecretsFile(readFileSync(file, 'utf8'), file);
    cached = { mtimeMs: stat.mtimeMs, size: stat.size, values };
    return values;
  };
  return {
    // The file is read only for a name the environment lacks: a camera that names no secret never
    // fails for a broken secrets file.
    lookup() {
      let values: Map<string, string> | undefined;
      return (name) => env[name] ?? (values ??= fileValues()).get(name);
    },
  };
}

export function parseSecretsFile(text: string, file: string): Map<string, string> {
  if (text.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new CameraSecretError(`secrets file ${file}: not valid JSON (${(err as Error).message})`);
    }
    const values = new Map<string, string>();
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof value !== 'string') throw new CameraSecretError(`secrets file ${file}: ${name} must be a string`);
      values.set(name, value);
    }
    return values;
  }
  const values = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (!m) throw new CameraSecretError(`secrets file ${file}: line ${i + 1} is not NAME=value`);
    const value = m[2]!.trim();
    const quoted = /^(["'])(.*)\1$/.exec(value);
    values.set(m[1]!, quoted ? quoted[2]! : value);
  });
  return values;
}

export interface CameraSecrets {
  /** Opens sealed passwords; absent when this process has none (such cameras then say so). */
  key?: CameraSecretKey;
  source: CameraSecretSource;
}

/**
 * A worker's secrets from its environment: the key from CAMERA_SECRET_KEY, else
 * CAMERA_SECRET_KEY_FILE, else the embedded default $DATA_DIR/keys/camera-secret.key if the API on
 * this machine made one; names from the environment and CAMERA_SECRETS_FILE.
 */
export async function cameraSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<CameraSecrets> {
  const dataDir = path.resolve(env.DATA_DIR ?? path.join(REPO_ROOT, 'data'));
  const key = await loadCameraSecretKey(cameraSecretKeySettingsFromEnv(env, dataDir));
  return { ...(key ? { key } : {}), source: cameraSecretSource(env) };
}
