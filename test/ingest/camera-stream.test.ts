// A camera stream on real sources: a replay gives exact scene times and scaled frames; keyframe-
// only decoding gives only key frames; an unreachable camera and a server that never answers are
// failed/stalled and restarted with backoff, and the password never shows. (The RTSP server kill
// and restart is in test/cameras/parked-car-stream.test.ts.)
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { openCameraStream, type CameraStream, type StreamFrame } from '../../pipeline/ingest/camera-stream.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { freePort } from '../support/ports.ts';
import { samplePath } from '../support/samples.ts';
import { until } from '../support/until.ts';

const start = new Date('2026-05-04T01:00:00Z');
const opened: CameraStream[] = [];
const servers: net.Server[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.stop()));
  servers.forEach((s) => s.close());
});

async function collect(stream: CameraStream): Promise<StreamFrame[]> {
  const out: StreamFrame[] = [];
  for await (const f of stream) out.push(f);
  return out;
}

describe('camera stream', () => {
  it('replays a file at the analysis rate and size, with scene time from its timestamps', async () => {
    const stream = openCameraStream({ cameraId: 'replay', url: samplePath('opencv/vtest.avi'), fps: 2, width: 384, clock: () => start, logger: captureLogger().logger });
    const frames = await collect(stream);
    // 79.5 s at 2 fps.
    expect(frames.length).toBeGreaterThanOrEqual(158);
    expect(frames.length).toBeLessThanOrEqual(160);
    expect(frames[0]!.frame.width).toBe(384);
    expect(frames[0]!.frame.height).toBe(288);
    expect(frames[0]!.frame.pixels.length).toBe(384 * 288 * 3);
    expect(frames[0]!.frame.capturedAt).toEqual(start);
    expect(frames[10]!.frame.capturedAt.getTime() - start.getTime()).toBe(5000);
    expect(frames.every((f) => f.frame.sourceId === 'replay')).toBe(true);
    const h = stream.health();
    expect(h.state).toBe('stopped');
    expect(h.frames).toBe(frames.length);
    expect(h.restarts).toBe(0);
    expect(h.dropped).toBe(0);
  });

  it('keeps the source size when it is smaller than the analysis width', async () => {
    const frames = await collect(openCameraStream({ cameraId: 'small', url: samplePath('opencv/vtest.avi'), fps: 0.1, width: 1280, logger: captureLogger().logger }));
    expect(frames[0]!.frame.width).toBe(768);
    expect(frames[0]!.frame.height).toBe(576);
  });

  it('decodes key frames only when asked', async () => {
    // vtest.avi has a key frame every 25 s: 0, 25, 50, 75.
    const frames = await collect(openCameraStream({ cameraId: 'key', url: samplePath('opencv/vtest.avi'), fps: 1, width: 384, keyframesOnly: true, clock: () => start, logger: captureLogger().logger }));
    expect(frames.map((f) => f.streamSeconds)).toEqual([0, 25, 50, 75]);
    expect(frames.every((f) => f.keyframe)).toBe(true);
  });

  it('fails a replay that cannot be read, and says why', async () => {
    const stream = openCameraStream({ cameraId: 'missing', url: '/nonexistent/replay.mp4', logger: captureLogger().logger });
    expect(await collect(stream)).toEqual([]);
    expect(stream.health().state).toBe('failed');
    expect(stream.health().lastError).toMatch(/No such file/);
  });

  it('retries an unreachable camera with backoff and never shows its password', async () => {
    const port = await freePort(); // nothing listens there
    const { logger, lines } = captureLogger();
    const stream = openCameraStream({ cameraId: 'down', url: `rtsp://admin:s3cret@127.0.0.1:${port}/ch1`, logger, backoff: { initialMs: 100, maxMs: 400 } });
    opened.push(stream);
    await until(() => stream.health().restarts >= 3, 30_000, 'three restarts');
    const h = stream.health();
    expect(h.state === 'failed' || h.state === 'connecting').toBe(true);
    expect(h.lastError).toMatch(/refused/i);
    expect(h.url).toBe(`rtsp://***@127.0.0.1:${port}/ch1`);
    expect(JSON.stringify(h) + lines.join('')).not.toContain('s3cret');
    expect(lines.join('')).toContain('***@127.0.0.1');
    await stream.stop();
    expect(stream.health().state).toBe('stopped');
  });

  it('declares a camera that accepts but never sends stalled, and restarts it', async () => {
    const server = net.createServer(() => undefined); // accepts, never answers
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const stream = openCameraStream({ cameraId: 'mute', url: `rtsp://u:pw@127.0.0.1:${port}/x`, stallSeconds: 2, logger: captureLogger().logger, backoff: { initialMs: 100, maxMs: 200 } });
    opened.push(stream);
    const seen = new Set<string>();
    await until(() => {
      seen.add(stream.health().state);
      return stream.health().restarts >= 1 && seen.has('stalled');
    }, 30_000, 'stalled and restarted');
    expect(stream.health().lastError).toMatch(/no frame for \d+ s/);
    await stream.stop();
  });
});
