// Issue 12: a failed database write logged the statement's parameters, and with them a camera's
// whole config, password included. Whatever fails, no log line carries statement parameters or a
// credential: one gate for every logger (infra/log-scrub.ts), proven on real database errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { openDb, type Db } from '../../api/store/db.ts';
import { migrate } from '../../api/store/migrate.ts';
import { createLogger } from '../../infra/logger.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { dbBackends } from '../support/db-backends.ts';

const PASSWORD = 'gate3-Pa55word';
const camera = {
  id: 'c1',
  name: 'East gate',
  url: `rtsp://user:${PASSWORD}@10.0.0.5/stream1`,
  zones: [{ id: 'z0', kind: 'no_parking', polygon: [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9]] }],
};
const zone = (name: string) => ({ id: 'z1', name, kind: 'no_parking', polygon: [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]] });

/** Lines of one logger, parsed. */
function logLines(): { lines: string[]; stream: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(line) } };
}

describe.each(dbBackends('errlog'))('a failing database write on %s', (_name, settings) => {
  let api: TestApi;
  const log = logLines();
  beforeAll(async () => {
    api = await startTestApi(await settings(), { logStream: log.stream, logLevel: 'info' });
    // The database refuses a zone by its name: a real constraint, so the write fails inside the
    // database with the statement's parameters (the camera's whole config) on the error.
    await api.app.db.query(`ALTER TABLE cameras ADD CONSTRAINT refuse_zone CHECK (config::text NOT LIKE '%refused by the database%')`);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers 500 and logs what failed, without the parameters or the camera password', async () => {
    const put = await api.app.inject({ method: 'PUT', url: '/v1/cameras/c1', headers: api.headers('operator'), payload: camera });
    expect(put.statusCode).toBe(201);
    const res = await api.app.inject({ method: 'PUT', url: '/v1/cameras/c1/zones/z1', headers: api.headers('operator'), payload: zone('refused by the database') });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain(PASSWORD);
    const failed = log.lines.map((l) => JSON.parse(l) as { msg: string; err?: Record<string, unknown> }).filter((l) => l.msg === 'request failed');
    expect(failed).toHaveLength(1);
    const err = failed[0]!.err!;
    // What an operator needs to find the fault stays: the database's message and code.
    expect(err.message).toMatch(/violates check constraint "refuse_zone"/);
    expect(err.code).toBe('23514');
    for (const key of ['params', 'parameters', 'query', 'detail', 'where']) expect(err).not.toHaveProperty(key);
    const all = log.lines.join('\n');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain('Failing row');
    expect(all).not.toContain('refused by the database');
  });

  it('does the same for a NUL in a zone name, whether it is refused as bad input or by the database', async () => {
    const before = log.lines.length;
    const res = await api.app.inject({ method: 'PUT', url: '/v1/cameras/c1/zones/z1', headers: api.headers('operator'), payload: zone('a\u0000b') });
    expect([400, 500]).toContain(res.statusCode);
    const lines = log.lines.slice(before).join('\n');
    expect(lines).not.toContain(PASSWORD);
    expect(lines).not.toMatch(/"params"|"parameters"|"detail"/);
  });
});

describe('the log gate on errors that carry credentials', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb({ kind: 'pglite' });
    await migrate(db);
    await db.query(`ALTER TABLE cameras ADD CONSTRAINT refuse_all CHECK (false)`);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('drops the parameters of a real failed statement that held a clear camera URL', async () => {
    const error = await db
      .query('INSERT INTO cameras (id, config, created_at, updated_at) VALUES ($1, $2, now(), now())', ['c9', JSON.stringify({ ...camera, id: 'c9' })])
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    // The driver does attach them: this is what used to reach the log.
    expect(JSON.stringify({ ...(error as object) })).toContain(PASSWORD);
    const lines: string[] = [];
    const logger = createLogger('test', {}, { write: (l: string) => void lines.push(l) } as pino.DestinationStream);
    logger.error({ err: error }, 'insert failed');
    logger.error({ err: { cause: error } }, 'wrapped');
    expect(lines).toHaveLength(2);
    expect(lines.join('')).not.toContain(PASSWORD);
    expect((JSON.parse(lines[0]!) as { err: { message: string } }).err.message).toMatch(/check constraint "refuse_all"/);
  });

  it('masks credential-bearing URLs in messages, fields, nested errors and the message text', () => {
    const lines: string[] = [];
    const logger = createLogger('test', {}, { write: (l: string) => void lines.push(l) } as pino.DestinationStream);
    const cause = new Error(`ffmpeg: rtsp://admin:${PASSWORD}@10.0.0.5/x: 401 Unauthorized`);
    logger.error({ err: new Error('stream failed', { cause }), source: { url: `rtsp://admin:${PASSWORD}@10.0.0.5/x` }, list: [`http://u:${PASSWORD}@h/`] }, `opening rtsp://admin:${PASSWORD}@10.0.0.5/x`);
    logger.warn(`retry %s`, `rtsp://admin:${PASSWORD}@10.0.0.5/x`);
    expect(lines).toHaveLength(2);
    expect(lines.join('')).not.toContain(PASSWORD);
    const first = JSON.parse(lines[0]!) as { msg: string; source: { url: string }; err: { message: string } };
    expect(first.msg).toBe('opening rtsp://***@10.0.0.5/x');
    expect(first.source.url).toBe('rtsp://***@10.0.0.5/x');
    // pino folds the cause into the message: it is still there, masked.
    expect(first.err.message).toContain('rtsp://***@10.0.0.5/x: 401 Unauthorized');
    expect((JSON.parse(lines[1]!) as { msg: string }).msg).toBe('retry rtsp://***@10.0.0.5/x');
  });
});
