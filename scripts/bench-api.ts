// `npm run bench:api`: the API under autocannon on loopback, with 100 000 cases in the store.
// Measures case ingest (a new case, a sighting merged into a known case) and the review-queue
// list query. The API runs in its own process (as in production) so autocannon does not share its
// event loop. Figures are from one run on this machine: compare them with each other, not across
// machines. Set DATABASE_URL to measure PostgreSQL instead of PGlite.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createKey } from '../api/auth/keys.ts';
import { openDb } from '../api/store/db.ts';
import { migrate } from '../api/store/migrate.ts';
import { FolderObjectStore } from '../infra/object-store-folder.ts';
import { freePort } from '../infra/ports.ts';
import sharp from 'sharp';
import { parseCli } from './cli/args.ts';

// Settings come from the environment (BENCH_CASES, BENCH_SECONDS, BENCH_CONNECTIONS, DATABASE_URL).
parseCli({ command: 'npm run bench:api', usage: 'usage: npm run bench:api   (BENCH_CASES=100000 BENCH_SECONDS=10 BENCH_CONNECTIONS=10 [DATABASE_URL=postgres://…])', options: {} });

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;


async function waitForApi(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fetch(`${url}/healthz`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`the API did not start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const CASES = Number(process.env.BENCH_CASES ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const root = path.resolve(import.meta.dirname, '..');

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-api-'));
const pgliteDir = path.join(dir, 'pglite');
const objectsDir = path.join(dir, 'objects');
let child: ReturnType<typeof spawn> | undefined;

try {
  console.log(`seeding ${CASES.toLocaleString()} cases (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})…`);
  const t0 = Date.now();
  const db = await openDb(process.env.DATABASE_URL ? { kind: 'postgres', url: process.env.DATABASE_URL } : { kind: 'pglite', dir: pgliteDir });
  await migrate(db);
  const ingestKey = (await createKey(db, 'ingest', 'bench')).key;
  const reviewerKey = (await createKey(db, 'reviewer', 'bench')).key;
  const objects = new FolderObjectStore(objectsDir);
  // A real JPEG: ingest checks evidence by its bytes.
  const evidence = await objects.put(await sharp({ create: { width: 64, height: 48, channels: 3, background: '#789' } }).jpeg().toBuffer(), 'image/jpeg');
  const types = ['street_vending', 'illegal_parking', 'exposed_garbage', 'illegal_construction', 'uncovered_muck_truck'];
  // Most cases have moved on through the loop; a tenth wait for review, as in a running city.
  await db.exec(`
    INSERT INTO cases (dedupe_key, type, standard, code, status, source_kind, source_id, source_name, lat, lon, accuracy_m,
      first_seen, last_seen, score, observation_count, model_id, created_at, updated_at)
    SELECT 'bench:' || i, (ARRAY['${types.join("','")}'])[1 + i % 5], 'GB/T 47678.5-2026', '09009',
      CASE WHEN i % 10 = 0 THEN 'pending_review' WHEN i % 10 < 4 THEN 'closed' WHEN i % 10 < 6 THEN 'rejected' ELSE 'dispatched' END,
      'camera', 'cam-' || (i % 200), '摄像头 ' || (i % 200), 31.2 + (i % 1000) * 0.0001, 121.4 + (i % 997) * 0.0001, 5,
      now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval + interval '5 minutes', (i % 100) / 100.0, 1,
      'nanodet-coco-416', now(), now()
    FROM generate_series(1, ${CASES}) AS i;
    INSERT INTO observations (id, case_id, observed_at, score, box, model_id, received_at, received_by)
    SELECT 'bench-obs-' || id, id, last_seen, score, '[1,2,3,4]', 'nanodet-coco-416', now(), 'bench' FROM cases;
    INSERT INTO evidence (case_id, observation_id, kind, object_key, sha256, content_type, captured_at, bytes)
    SELECT id, 'bench-obs-' || id, k, '${evidence.key}', '${evidence.key}', 'image/jpeg', last_seen, ${evidence.bytes}
    FROM cases, (VALUES ('frame'), ('crop')) AS kinds(k);
    ANALYZE;`);
  await db.close();
  console.log(`  seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/api.ts')], {
    cwd: root,
    env: { ...process.env, PORT: String(port), PGLITE_DIR: pgliteDir, OBJECTS_DIR: objectsDir, LOG_LEVEL: 'warn', API_BOOTSTRAP_ADMIN_KEY: 'false' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForApi(url, 60_000);

  const body = (dedupeKey: string) =>
    JSON.stringify({
      dedupeKey,
      observationId: randomUUID(),
      type: 'illegal_parking',
      source: { kind: 'camera', id: 'cam-bench', name: '压测' },
      observedAt: new Date().toISOString(),
      score: 0.8,
      box: [100, 100, 300, 260],
      zoneId: 'z1',
      model: { id: 'nanodet-coco-416' },
      evidence: [{ kind: 'frame', key: evidence.key, sha256: evidence.sha256, contentType: 'image/jpeg', capturedAt: new Date().toISOString(), bytes: evidence.bytes }],
    });
  const ingest = (dedupeKey: () => string) => ({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/v1/cases',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body(dedupeKey()) }),
      },
    ],
  });
  const list = (query: string) => ({
    url: `${url}/v1/cases?${query}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${reviewerKey}` },
  });

  const runs: Array<[string, Record<string, unknown>]> = [
    ['review queue: pending, newest first, 50 + thumbnails', list('status=pending_review&sort=newest&limit=50&thumbs=true')],
    ['review queue: pending, highest score first, 50', list('status=pending_review&sort=score&limit=50')],
    ['list: all cases in a bounding box, 50', list('bbox=121.40,31.20,121.43,31.23&limit=50')],
    ['ingest: new case', ingest(() => `bench-new:${randomUUID()}`)],
    ['ingest: sighting merged into a known case', ingest(() => `bench:${1 + Math.floor(Math.random() * CASES)}`)],
  ];
  console.log(`\nautocannon: ${CONNECTIONS} connections, ${SECONDS} s per run, API in its own process\n`);
  console.log('| run | requests/s | p50 ms | p99 ms | non-2xx | errors |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, opts] of runs) {
    const r = await autocannon(opts);
    console.log(`| ${name} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx} | ${r.errors + r.timeouts} |`);
  }
} finally {
  if (child && child.exitCode === null) {
    const c = child;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  }
  await rm(dir, { recursive: true, force: true });
}
