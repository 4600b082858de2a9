// Patrol grab over a kept RTSP session (grab "session"), against the loopback RTSP camera: one
// ffmpeg holds the session across passes (its frames dropped undecoded between them) and each pass
// decodes the next key frame; the parked pick-up is raised once; a server that dies costs a miss
// with the reason, and the session is opened again when it is back; stopping ends the session.
import { readFile, readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCameraConfig } from '../../contracts/camera.ts';
import type { Violation } from '../../contracts/types.ts';
import { createCameraDetector } from '../../pipeline/cameras/camera-detector.ts';
import { queueDetector } from '../../pipeline/cameras/detector-queue.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { GrabError } from '../../pipeline/patrol/frame-grabber.ts';
import { sessionGrabber } from '../../pipeline/patrol/grab-session.ts';
import { KeyframeCollector } from '../../pipeline/patrol/h264-access-unit.ts';
import { patrolCamera } from '../../pipeline/patrol/patrol-camera.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { startRtspServer, stillVideo, type TestRtspServer } from '../support/rtsp-server.ts';
import { samplePath } from '../support/samples.ts';
import { until } from '../support/until.ts';
import { FAR_KERB, sceneClock } from './street-snapshots.ts';

let dir: string;
let server: TestRtspServer;
let detector: Detector;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'patrol-session-'));
  server = await startRtspServer();
  await server.publish('kerb', await stillVideo(samplePath('darknet/dog.jpg'), path.join(dir, 'dog.mp4')));
  detector = await createCameraDetector({ threads: 1 });
});

afterAll(async () => {
  await server?.stop();
  await detector?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Session ffmpeg processes (the copying ones) that are children of this test process. */
async function sessionProcesses(): Promise<number> {
  let n = 0;
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === process.pid && cmdline.includes('dump_extra')) n++;
  }
  return n;
}

describe('the key frame collector', () => {
  const nal = (type: number, body: number[] = [0xaa, 0xbb]) => [0, 0, 0, 1, type, ...body];
  it('returns SPS through the IDR slices, fed in chunks that split start codes, and nothing before an SPS', () => {
    const stream = Buffer.from([...nal(1), ...nal(7), ...nal(8), ...nal(6), ...nal(5), ...nal(5), ...nal(1), ...nal(1)]);
    const c = new KeyframeCollector();
    let unit: Buffer | undefined;
    for (let i = 0; i < stream.length && !unit; i += 5) unit = c.push(stream.subarray(i, i + 5));
    expect(unit).toEqual(Buffer.from([...nal(7), ...nal(8), ...nal(6), ...nal(5), ...nal(5)]));
    expect(new KeyframeCollector().push(Buffer.from([...nal(5), ...nal(1), ...nal(1)]))).toBeUndefined();
  });
});

describe('grab "session"', () => {
  it('keeps one session across grabs, decodes a key frame per grab, and ends it on close', async () => {
    const grabber = sessionGrabber({ cameraId: 'kept', url: server.url('kerb'), width: 768, rtspTransport: 'udp', timeoutMs: 8000, clock: () => new Date() });
    try {
      for (let pass = 0; pass < 3; pass++) {
        const frame = await grabber.grab();
        expect([frame.width, frame.height]).toEqual([768, 576]);
        expect(await sessionProcesses()).toBe(1);
      }
    } finally {
      await grabber.close();
    }
    expect(await sessionProcesses()).toBe(0);
  }, 60_000);

  it('misses with the reason while the server is down, and opens the session again when it is back', async () => {
    const grabber = sessionGrabber({ cameraId: 'kept', url: server.url('kerb', 'admin:s3cret'), width: 640, rtspTransport: 'udp', timeoutMs: 4000, clock: () => new Date() });
    try {
      await grabber.grab();
      await server.kill();
      const error = await grabber.grab().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GrabError);
      expect((error as GrabError).reason).toMatch(/RTSP session ended|no key frame within 4 s/);
      expect((error as GrabError).reason).not.toContain('s3cret');
      await server.restart();
      await until(async () => (await grabber.grab().then(() => true, () => false)), 30_000, 'a frame after the restart');
    } finally {
      await grabber.close();
    }
  }, 90_000);

  it('raises the parked pick-up once across passes of a patrol', async () => {
    const violations: Violation[] = [];
    const config = parseCameraConfig(
      {
        id: 'session-parked',
        url: server.url('kerb'),
        analysis: { mode: 'patrol', everySeconds: 3, grab: 'session', width: 768, rtspTransport: 'udp' },
        rules: { illegal_parking: { dwellSeconds: 10, warnAfterSeconds: 5 } },
        zones: [FAR_KERB],
      },
      'test',
    );
    const patrol = patrolCamera({ config, detector: queueDetector(detector), clock: sceneClock(2), phaseMs: 0, logger: captureLogger().logger, sink: async (v) => void violations.push(v) });
    try {
      await until(() => violations.length > 0, 90_000, 'the violation');
      const passes = patrol.health().patrol.passes;
      await until(() => patrol.health().patrol.passes >= passes + 2, 30_000, 'two more passes');
    } finally {
      await patrol.stop();
    }
    expect(violations).toHaveLength(1);
    expect(['truck', 'car']).toContain(violations[0]!.label);
    expect(patrol.health().patrol).toMatchObject({ method: 'session', misses: 0 });
    expect(await sessionProcesses()).toBe(0);
  }, 150_000);
});
