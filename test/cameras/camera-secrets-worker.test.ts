// Issue 12, end to end: cameras registered through the API with a literal password and with a
// secret name ({CAMERA_PASSWORD_…}) reach a real camera worker process through the camera-streams
// queue; the worker resolves both from its key and its environment, and ffmpeg (wrapped here to
// record its arguments) receives the resolved URL. Redis (its AOF too) and the worker's log never
// hold a password in clear. A camera whose secret is missing shows it in GET /v1/status, the worker
// goes on, and once the secret is in the secrets file the camera is watched.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';
import { startRtspServer, stillVideo, type TestRtspServer } from '../support/rtsp-server.ts';
import { REPO_ROOT, samplePath } from '../support/samples.ts';
import { until } from '../support/until.ts';

const LITERAL = 'lit-Pa55';
const NAMED = 'named-Pa55';
const LATE = 'late-Pa55';

let dir: string;
let redis: TestRedis;
let rtsp: TestRtspServer;
let api: TestApi;
let worker: ChildProcess | undefined;
const events: Array<Record<string, unknown>> = [];
const stderr: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'camera-secrets-worker-'));
  redis = await startRedis();
  rtsp = await startRtspServer();
  const video = await stillVideo(samplePath('darknet/dog.jpg'), path.join(dir, 'dog.mp4'));
  for (const name of ['gate3', 'gate4', 'gate5']) await rtsp.publish(name, video);
  api = await startTestApi({ kind: 'pglite' }, { surveys: { redisUrl: redis.url }, cameraSecrets: { keyFile: path.join(dir, 'camera-secret.key') } });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) {
    await new Promise<void>((resolve) => {
      worker!.once('exit', () => resolve());
      process.kill(-worker!.pid!, 'SIGKILL');
    });
  }
  await api?.close();
  await rtsp?.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const withCredentials = (url: string, credentials: string) => url.replace('rtsp://', `rtsp://${credentials}@`);
const camera = (id: string, url: string) => ({
  id,
  name: id,
  url,
  analysis: { fps: 1, width: 640, rtspTransport: 'udp' },
  zones: [{ id: 'kerb', kind: 'no_parking', polygon: [[0.65, 0.15], [0.95, 0.15], [0.95, 0.4], [0.65, 0.4]] }],
});

async function cameraStatus(id: string): Promise<Record<string, unknown> | undefined> {
  const res = await api.app.inject({ method: 'GET', url: '/v1/status', headers: api.headers('operator') });
  return (res.json().cameras as Array<Record<string, unknown>>).find((c) => c.id === id);
}

/** Every file redis-server persists into (AOF base, increments, manifest). */
async function redisFiles(): Promise<string> {
  const conn = new Redis(redis.url);
  const [, redisDir] = (await conn.config('GET', 'dir')) as [string, string];
  conn.disconnect();
  const files = (await readdir(redisDir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
  return (await Promise.all(files.map((f) => readFile(path.join(f.parentPath, f.name), 'latin1')))).join('\n');
}

it('gives ffmpeg the resolved URL of sealed and named passwords, and never lets one out in clear', async () => {
  const put = async (body: ReturnType<typeof camera>) => {
    const res = await api.app.inject({ method: 'PUT', url: `/v1/cameras/${body.id}`, headers: api.headers('operator'), payload: body });
    expect(res.statusCode).toBe(201);
  };
  await put(camera('gate3', withCredentials(rtsp.url('gate3'), `admin:${LITERAL}`)));
  await put(camera('gate4', withCredentials(rtsp.url('gate4'), 'admin:{CAMERA_PASSWORD_GATE4}')));
  await put(camera('gate5', withCredentials(rtsp.url('gate5'), 'admin:{CAMERA_PASSWORD_GATE5}')));

  // ffmpeg as the worker runs it, recording the arguments it is given.
  const argsLog = path.join(dir, 'ffmpeg-args.log');
  const wrapper = path.join(dir, 'ffmpeg');
  await writeFile(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argsLog}'\nexec /usr/bin/ffmpeg "$@"\n`);
  await chmod(wrapper, 0o755);
  const secretsFile = path.join(dir, 'camera-secrets.env');
  await writeFile(secretsFile, '# no gate5 yet\nCAMERA_PASSWORD_OTHER=x\n');
  const key = (await readFile(path.join(dir, 'camera-secret.key'), 'utf8')).trim();
  const address = api.app.server.address() as { port: number };

  worker = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/camera-worker.ts'), '--redis', redis.url, '--api', `http://127.0.0.1:${address.port}`, '--key', api.keys.ingest, '--lock-seconds', '6'],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        DATA_DIR: dir,
        FFMPEG_PATH: wrapper,
        CAMERA_SECRET_KEY: key,
        CAMERA_PASSWORD_GATE4: NAMED,
        CAMERA_SECRETS_FILE: secretsFile,
      },
    },
  );
  readline.createInterface({ input: worker.stdout! }).on('line', (line) => events.push(JSON.parse(line) as Record<string, unknown>));
  readline.createInterface({ input: worker.stderr! }).on('line', (line) => stderr.push(line));
  const watching = () => new Set(events.filter((e) => e.event === 'watching').map((e) => e.camera));

  await until(() => watching().has('gate3') && watching().has('gate4'), 90_000, 'the worker watching gate3 and gate4');
  const ffmpegArgs = async () => readFile(argsLog, 'utf8').catch(() => '');
  // The stream opens just after the watch starts (fluent-ffmpeg first asks ffmpeg for its -formats).
  await until(async () => (await ffmpegArgs()).split('\n').filter((l) => l.includes('rtsp://')).length >= 2, 30_000, 'ffmpeg started for both cameras');
  expect(await ffmpegArgs()).toContain(withCredentials(rtsp.url('gate3'), `admin:${LITERAL}`));
  expect(await ffmpegArgs()).toContain(withCredentials(rtsp.url('gate4'), `admin:${NAMED}`));
  expect(await ffmpegArgs()).not.toMatch(/\{sealed:|\{CAMERA_/);

  // Watched for real: frames arrive, as the status page shows.
  for (const id of ['gate3', 'gate4']) {
    await until(async () => (await cameraStatus(id))?.state === 'streaming' && (await cameraStatus(id))?.lastFrameAt != null, 30_000, `${id} streaming`);
  }
  // The camera without its secret: a clear error in status, held by the worker, not watched.
  await until(async () => (await cameraStatus('gate5'))?.lastError === 'missing secret CAMERA_PASSWORD_GATE5', 30_000, 'gate5 reported as missing its secret');
  expect(await cameraStatus('gate5')).toMatchObject({ state: 'failed', lastError: 'missing secret CAMERA_PASSWORD_GATE5' });
  expect(watching().has('gate5')).toBe(false);

  // The secret arrives in the secrets file: the camera is watched with it, without a restart.
  await writeFile(`${secretsFile}.new`, `CAMERA_PASSWORD_OTHER=x\nCAMERA_PASSWORD_GATE5=${LATE}\n`);
  await rename(`${secretsFile}.new`, secretsFile); // as an operator's tool would: never half a file

  await until(() => watching().has('gate5'), 40_000, 'gate5 watched once its secret is there');
  await until(async () => (await ffmpegArgs()).includes(withCredentials(rtsp.url('gate5'), `admin:${LATE}`)), 30_000, 'ffmpeg given gate5 with its secret');
  await until(async () => (await cameraStatus('gate5'))?.state === 'streaming', 30_000, 'gate5 streaming');

  // Neither crashed nor spun: the one process is alive, and said that gate5 waited once each time
  // it took the camera: once, unless a loaded machine cost it the camera's lease, which a retry loop
  // would not need to log again and again.
  expect(worker.exitCode).toBeNull();
  const waits = stderr.filter((l) => l.includes('camera waits for its secret'));
  const leaseLosses = stderr.filter((l) => l.includes('lost the camera lease')).length;
  expect(waits.length).toBeGreaterThanOrEqual(1);
  expect(waits.length, stderr.filter((l) => l.includes('gate5')).join('\n')).toBeLessThanOrEqual(1 + leaseLosses);
  expect(JSON.parse(waits[0]!)).toMatchObject({ camera: 'gate5', err: 'missing secret CAMERA_PASSWORD_GATE5' });

  // Nothing in clear where it rests or is logged: Redis and its AOF hold the sealed form.
  await new Promise((r) => setTimeout(r, 1500)); // the AOF is flushed every second
  const persisted = await redisFiles();
  expect(persisted).toContain('{sealed:v1:');
  expect(persisted).toContain('{CAMERA_PASSWORD_GATE4}');
  const everywhere = [persisted, stderr.join('\n'), JSON.stringify(events), JSON.stringify(await api.app.inject({ method: 'GET', url: '/v1/status', headers: api.headers('operator') }).then((r) => r.json()))].join('\n');
  for (const secret of [LITERAL, NAMED, LATE]) expect(everywhere).not.toContain(secret);
}, 240_000);
