// The parts of the API around cases: health, readiness, metrics, OpenAPI, the reviewer page's
// files, the first admin key, migrations on restart.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.ts';
import { observation, startTestApi, storedEvidence, type TestApi } from '../support/api.ts';
import { REPO_ROOT } from '../support/samples.ts';

describe('service routes', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers /healthz, /readyz and /metrics without a key, with case counts on its own registry', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
    expect((await api.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ ok: true, checks: { store: 'ok', objects: 'ok' } });
    await api.app.inject({ method: 'POST', url: '/v1/cases', headers: api.headers('ingest'), payload: observation({ evidence: [await storedEvidence(api.objects)] }) });
    const text = (await api.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/cases_ingested_total\{result="created",type="illegal_parking"\} 1/);
    expect(text).toMatch(/cases\{status="pending_review"\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/v1\/cases",status="201"\} 1/);
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('publishes OpenAPI at /docs with every case route and the bearer scheme', async () => {
    const spec = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(spec.openapi).toMatch(/^3\./);
    for (const p of ['/v1/cases', '/v1/cases/{id}', '/v1/cases/{id}/confirm', '/v1/cases/{id}/dispatch', '/v1/cameras/{id}/zones/{zoneId}', '/v1/export/cases.geojson']) {
      expect(Object.keys(spec.paths)).toContain(p);
    }
    expect(spec.components.securitySchemes.apiKey.scheme).toBe('bearer');
    expect((await api.app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
  });

  it('serves the reviewer page without a key and redirects / to it', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/' })).headers.location).toBe('/review/');
    const page = await api.app.inject({ method: 'GET', url: '/review/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('review.js');
    expect((await api.app.inject({ method: 'GET', url: '/review/review.js' })).statusCode).toBe(200);
  });

  it('reports the working calendar and refuses a bad one naming the field', async () => {
    const cal = (await api.app.inject({ method: 'GET', url: '/v1/settings/working-calendar', headers: api.headers('reviewer') })).json();
    expect(cal.timezone).toBe('Asia/Shanghai');
    const bad = await api.app.inject({ method: 'PUT', url: '/v1/settings/working-calendar', headers: api.headers('operator'), payload: { ...cal, timezone: 'Mars/Olympus' } });
    expect(bad.json().field).toBe('timezone');
    const overlap = await api.app.inject({ method: 'PUT', url: '/v1/settings/working-calendar', headers: api.headers('operator'), payload: { ...cal, periods: [{ start: '09:00', end: '12:00' }, { start: '11:00', end: '17:00' }] } });
    expect(overlap.json().field).toBe('periods.1');
  });
});

describe('embedded start', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'api-embedded-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates an admin key on the first start only, keeps data across restarts and applies migrations once', async () => {
    const config = { db: { kind: 'pglite' as const, dir: path.join(dir, 'pglite') }, objects: { kind: 'folder' as const, dir: path.join(dir, 'objects') }, bootstrapAdminKey: true, logLevel: 'warn' };
    const first = await buildApi(config);
    const key = first.firstAdminKey;
    expect(key).toMatch(/^cgk_[0-9a-f]{12}_/);
    const stored = await first.db.query<{ secret_sha256: string }>('SELECT secret_sha256 FROM api_keys');
    // The secret is base64url, which may itself contain "_": everything after the id is the secret.
    const secret = key!.slice('cgk_'.length + 12 + 1);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(stored)).not.toContain(secret);
    const migrations = await first.db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    // Every file in api/migrations, each once, in order (and at least the first three we know of).
    const files = (await readdir(path.join(REPO_ROOT, 'api/migrations'))).filter((f) => f.endsWith('.sql')).sort();
    expect(files.slice(0, 3)).toEqual(['0001_cases.sql', '0002_case_types.sql', '0003_surveys.sql']);
    expect(migrations.map((m) => m.name)).toEqual(files);
    await first.close();

    const second = await buildApi(config);
    expect(second.firstAdminKey).toBeUndefined();
    expect((await second.inject({ method: 'GET', url: '/v1/keys', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);
    expect(await second.db.query('SELECT name FROM schema_migrations')).toHaveLength(files.length);
    await second.close();
  });
});

describe('embedded API for one machine', () => {
  it('listens, keeps its pipeline and reviewer keys across restarts, and replaces a revoked one', async () => {
    const { startEmbeddedApi } = await import('../../api/embedded.ts');
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'api-embedded-keys-'));
    try {
      const first = await startEmbeddedApi({ dataDir, port: 0, config: { logLevel: 'warn' } });
      expect(first.firstAdminKey).toBeDefined();
      const health = await fetch(`${first.url}/healthz`);
      expect(health.status).toBe(200);
      const keys = first.keys;
      const list = await fetch(`${first.url}/v1/cases`, { headers: { authorization: `Bearer ${keys.reviewer}` } });
      expect(list.status).toBe(200);
      await first.app.db.query("UPDATE api_keys SET revoked_at = now() WHERE name = 'embedded reviewer'");
      await first.close();

      const second = await startEmbeddedApi({ dataDir, port: 0, config: { logLevel: 'warn' } });
      expect(second.firstAdminKey).toBeUndefined();
      expect(second.keys.ingest).toBe(keys.ingest);
      expect(second.keys.reviewer).not.toBe(keys.reviewer);
      expect((await fetch(`${second.url}/v1/cases`, { headers: { authorization: `Bearer ${second.keys.reviewer}` } })).status).toBe(200);
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
