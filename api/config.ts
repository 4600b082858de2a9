// What buildApi needs, and how the environment maps onto it. Embedded defaults put everything
// under data/ at the repo root: PGlite in data/pglite, evidence in data/objects.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cameraSecretKeySettingsFromEnv, type CameraSecretKeySettings } from '../infra/camera-secret-key.ts';
import { objectStoreSettingsFromEnv, type ObjectStore, type ObjectStoreSettings } from '../infra/object-store.ts';
import type { TileEnv } from './map/tiles.ts';
import type { DbSettings } from './store/db.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ApiConfig {
  db: DbSettings;
  /** Settings to open a store with, or an open store (tests, or one shared with a worker). */
  objects: ObjectStoreSettings | ObjectStore;
  /** When the store has no API key yet, create an admin key and expose it once as app.firstAdminKey. */
  bootstrapAdminKey?: boolean;
  /** Lifetime of evidence links handed to browsers (default 900 s). */
  evidenceUrlTtlSeconds?: number;
  /** Refuse an ingest whose evidence objects are not in the object store (default true). */
  verifyEvidenceOnIngest?: boolean;
  /** How long a checked API key is trusted before it is looked up again (default 30 s). */
  keyCacheMs?: number;
  /** The clock; tests pass their own. */
  now?: () => Date;
  logLevel?: string;
  /** Where the JSON log lines go (default stderr); the demo writes them to data/logs/. */
  logStream?: { write(line: string): unknown };
  /**
   * Trust X-Forwarded-* from a proxy in front (fastify's trustProxy: true, or the proxies'
   * addresses/CIDRs, comma-separated); then X-Forwarded-Proto: https marks the dashboard cookie
   * Secure. Default false.
   */
  trustProxy?: boolean | string;
  /** Serve HTTPS with this PEM key and certificate instead of plain HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * The key camera passwords are sealed with at rest (CAMERA_SECRET_KEY, else a key file the API
   * creates once, mode 0600). Absent: the API refuses passwords in camera URLs (names of secrets still work).
   */
  cameraSecrets?: CameraSecretKeySettings;
  /** Serve OpenAPI and Swagger UI at /docs (default true). */
  docs?: boolean;
  /** Drone surveys: the survey-images queue (without redisUrl images are stored but wait) and upload limits. */
  surveys?: SurveySettings;
  /** Base tiles for /review/map.html (MAP_TILE_URL …); none: the map draws its vector layers only. */
  map?: TileEnv;
  /** DATA_DIR/models: trained model versions and the manifest workers read once one is promoted (models/versions/). */
  modelsDir?: string;
}

export interface SurveySettings {
  redisUrl?: string;
  /** BullMQ key prefix. */
  prefix?: string;
  /** Per uploaded file (default 200 MB). */
  maxFileBytes?: number;
  /** Per image, from its header (default 100 megapixels). */
  maxPixels?: number;
  /** Tries per image before the worker leaves it failed (default 5). */
  attempts?: number;
  /** How often images still queued are put on the queue again (default 60 s). */
  sweepMs?: number;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const dataDir = path.resolve(env.DATA_DIR ?? path.join(REPO_ROOT, 'data'));
  const db: DbSettings = env.DATABASE_URL
    ? { kind: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL ? Number(env.DATABASE_POOL) : undefined }
    : { kind: 'pglite', dir: env.PGLITE_DIR ?? path.join(dataDir, 'pglite') };
  return {
    db,
    objects: objectStoreSettingsFromEnv(env, path.join(dataDir, 'objects')),
    bootstrapAdminKey: env.API_BOOTSTRAP_ADMIN_KEY !== 'false',
    evidenceUrlTtlSeconds: env.EVIDENCE_URL_TTL ? Number(env.EVIDENCE_URL_TTL) : undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    cameraSecrets: cameraSecretKeySettingsFromEnv(env, dataDir),
    modelsDir: path.join(dataDir, 'models'),
    trustProxy: trustProxyFromEnv(env.TRUST_PROXY),
    tls: env.TLS_KEY_FILE && env.TLS_CERT_FILE ? { key: readFileSync(env.TLS_KEY_FILE), cert: readFileSync(env.TLS_CERT_FILE) } : undefined,
    map: {
      tileUrl: env.MAP_TILE_URL,
      tileAttribution: env.MAP_TILE_ATTRIBUTION,
      tileSubdomains: env.MAP_TILE_SUBDOMAINS,
      tileMaxZoom: env.MAP_TILE_MAX_ZOOM ? Number(env.MAP_TILE_MAX_ZOOM) : undefined,
    },
    surveys: {
      // Without REDIS_URL surveys still accept uploads; images wait until an API with a queue starts.
      redisUrl: env.REDIS_URL,
      maxFileBytes: env.SURVEY_MAX_FILE_MB ? Number(env.SURVEY_MAX_FILE_MB) * 1024 * 1024 : undefined,
      maxPixels: env.SURVEY_MAX_MEGAPIXELS ? Number(env.SURVEY_MAX_MEGAPIXELS) * 1e6 : undefined,
    },
  };
}

/** TRUST_PROXY: unset/false, true, or comma-separated addresses/CIDRs of the proxies. */
export function trustProxyFromEnv(value: string | undefined): boolean | string {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  return value;
}
