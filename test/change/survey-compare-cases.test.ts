// `npm run survey:compare -- --cases` as a user runs it (a real node process) against a real
// redis-server, with a dispatch worker delivering to the API on PGlite: the new structures are
// printed as a ranked list and arrive as illegal_construction cases; bad settings are refused by
// name before anything is compared.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatchWorker, type DispatchWorker } from '../../pipeline/dispatch/worker.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { freePort } from '../support/ports.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { REPO_ROOT } from '../support/samples.ts';
import { until } from '../support/until.ts';
import { afterOrtho, beforeOrtho, GEOREF, writeOrtho } from './ortho-pairs.ts';

describe('survey:compare --cases', () => {
  let dir: string;
  let api: TestApi;
  let redis: TestRedis;
  let dispatch: DispatchWorker;
  const file = (name: string) => path.join(dir, name);

  const compare = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/survey-compare.ts', '--before', file('march.tif'), '--after', file('june.tif'), ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, OBJECTS_DIR: file('objects'), REDIS_URL: redis.url, LOG_LEVEL: 'warn' },
      });
      let stdout = '', stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'compare-cases-'));
    await writeOrtho(file('march.tif'), await beforeOrtho(), GEOREF);
    await writeOrtho(file('june.tif'), await afterOrtho(), GEOREF);
    await writeFile(file('not-geojson.json'), '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[116.3, 39.9], [116.4, 39.9]]]}}]}');
    api = await startTestApi({ kind: 'pglite' }, { objects: { kind: 'folder', dir: file('objects') } });
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    redis = await startRedis();
    dispatch = startDispatchWorker({ redisUrl: redis.url, api: { url: `http://127.0.0.1:${port}`, key: api.keys.ingest }, baseDelayMs: 100, maxDelayMs: 500 });
  }, 60_000);

  afterAll(async () => {
    await dispatch?.close();
    await redis?.stop();
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the ranked list and the cases arrive in the API', async () => {
    const run = await compare(['--cases', '--before-date', '2026-03-01', '--after-date', '2026-06-01', '--after-name', '海淀 六月', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.candidates).toHaveLength(1);
    expect(out.cases.cases).toHaveLength(1);
    expect(out.cases.cases[0]).toMatchObject({ rank: 1, kind: 'appearance' });
    await until(async () => (await api.app.db.query("SELECT id FROM cases WHERE type = 'illegal_construction'")).length === 1, 30_000, 'the case delivered');
    const [row] = await api.app.db.query<{ dedupe_key: string }>("SELECT dedupe_key FROM cases WHERE type = 'illegal_construction'");
    expect(row!.dedupe_key).toBe(out.cases.cases[0].dedupeKey);

    const text = await compare(['--cases', '--before-date', '2026-03-01', '--after-date', '2026-06-01', '--after-name', '海淀 六月']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/1 illegal_construction case\(s\) raised, 0 candidate\(s\) not/);
    expect(text.stdout).toContain(`case ${out.cases.cases[0].dedupeKey}`);
  });

  it('refuses a broken permitted-building layer, naming the file, and case settings without --cases', async () => {
    const broken = await compare(['--cases', '--before-date', '2026-03-01', '--after-date', '2026-06-01', '--permitted', file('not-geojson.json')]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`${file('not-geojson.json')}: `);
    expect(broken.stderr).toMatch(/permittedBuildings/);
    const noDate = await compare(['--cases', '--after-date', '2026-06-01']);
    expect(noDate.code).toBe(2);
    expect(noDate.stderr).toMatch(/--before-date must be the survey's date/);
    const stray = await compare(['--permitted', file('not-geojson.json')]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--permitted is for --cases');
  });
});
