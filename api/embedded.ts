// The API inside another program on one machine (the demo, a single-box install): started on the
// embedded defaults, with an ingest key for the in-process pipeline and a reviewer key for the
// page kept in data/keys/ (mode 0600) so restarts reuse them instead of piling up new keys.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi } from './app.ts';
import { createKey, KeyVerifier } from './auth/keys.ts';
import type { Role } from './case/actor.ts';
import { configFromEnv, REPO_ROOT, type ApiConfig } from './config.ts';
import type { Db } from './store/db.ts';

export interface EmbeddedApi {
  app: FastifyInstance;
  url: string;
  /** Keys this machine's own pipeline and reviewer use. */
  keys: { ingest: string; reviewer: string };
  /** Set on the very first start only. */
  firstAdminKey?: string;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Default: DATA_DIR or data/ at the repo root. */
  dataDir?: string;
  host?: string;
  /** 0 picks a free port. Default: PORT or 8080. */
  port?: number;
  config?: Partial<ApiConfig>;
}

export async function startEmbeddedApi(options: EmbeddedOptions = {}): Promise<EmbeddedApi> {
  const dataDir = path.resolve(options.dataDir ?? process.env.DATA_DIR ?? path.join(REPO_ROOT, 'data'));
  const config = { ...configFromEnv({ ...process.env, DATA_DIR: dataDir }), ...options.config };
  const app = await buildApi(config);
  try {
    const host = options.host ?? '127.0.0.1';
    await app.listen({ host, port: options.port ?? Number(process.env.PORT ?? 8080) });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const keysDir = path.join(dataDir, 'keys');
    const keys = {
      ingest: await localKey(app.db, keysDir, 'ingest', 'embedded pipeline'),
      reviewer: await localKey(app.db, keysDir, 'reviewer', 'embedded reviewer'),
    };
    return { app, url: `http://${host}:${port}`, keys, firstAdminKey: app.firstAdminKey, close: () => app.close() };
  } catch (err) {
    await app.close();
    throw err;
  }
}

/** The key saved in keysDir for this role if the store still accepts it, else a new one saved there. */
export async function localKey(db: Db, keysDir: string, role: Role, name: string): Promise<string> {
  const file = path.join(keysDir, `${role}.key`);
  const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (saved && (await new KeyVerifier(db, 0).verify(saved))?.role === role) return saved;
  const created = await createKey(db, role, name);
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${created.key}\n`, { mode: 0o600 });
  return created.key;
}
