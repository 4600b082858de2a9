// Evidence and uploads live in an object store behind this one interface: MinIO / any S3 in
// production, a local folder on one machine. Keys are content-addressed (the sha256 of the bytes),
// so a retried upload is a no-op, two workers storing the same picture store it once, and whoever
// reads an object can check it is still what was captured.
import { createHash } from 'node:crypto';

export interface StoredObject {
  key: string;
  sha256: string;
  bytes: number;
}

export interface ObjectStore {
  /** Stores the bytes under their sha256 and returns the key; storing the same bytes again changes nothing. */
  put(bytes: Buffer, contentType: string): Promise<StoredObject>;
  /** The bytes, or null when there is no such object. */
  get(key: string): Promise<Buffer | null>;
  has(key: string): Promise<boolean>;
  /** Throws when the store cannot be used (folder not writable, bucket unreachable). */
  ready(): Promise<void>;
  /** Where the objects go, for logs; never includes credentials. */
  describe(): string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const KEY = /^[0-9a-f]{64}$/;

/** Keys are sha256 hex; anything else is refused before it reaches a path or a bucket. */
export function assertKey(key: string): void {
  if (!KEY.test(key)) throw new Error(`object key ${JSON.stringify(key.slice(0, 80))} is not a sha256 hex digest`);
}

export interface S3Settings {
  /** http(s)://host:port of MinIO or another S3 service. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region?: string;
}

export type ObjectStoreSettings = { kind: 'folder'; dir: string } | ({ kind: 's3' } & S3Settings);

export async function openObjectStore(settings: ObjectStoreSettings): Promise<ObjectStore> {
  if (settings.kind === 'folder') {
    const { FolderObjectStore } = await import('./object-store-folder.ts');
    return new FolderObjectStore(settings.dir);
  }
  const { S3ObjectStore } = await import('./object-store-s3.ts');
  return new S3ObjectStore(settings);
}

/** S3 when S3_ENDPOINT is set, else a folder (OBJECTS_DIR, default data/objects under `root`). */
export function objectStoreSettingsFromEnv(env: NodeJS.ProcessEnv, defaultDir: string): ObjectStoreSettings {
  if (env.S3_ENDPOINT) {
    const missing = ['S3_ACCESS_KEY', 'S3_SECRET_KEY'].filter((k) => !env[k]);
    if (missing.length) throw new Error(`S3_ENDPOINT is set but ${missing.join(' and ')} is not`);
    return {
      kind: 's3',
      endpoint: env.S3_ENDPOINT,
      accessKey: env.S3_ACCESS_KEY!,
      secretKey: env.S3_SECRET_KEY!,
      bucket: env.S3_BUCKET ?? 'evidence',
      region: env.S3_REGION,
    };
  }
  return { kind: 'folder', dir: env.OBJECTS_DIR ?? defaultDir };
}
