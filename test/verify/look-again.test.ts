// Automatic 核查 with a real camera: two loopback RTSP streams (the parked pick-up of dog.jpg, and
// the same street with the pick-up painted out), the default detector, and the API over HTTP.
// Handled cases are looked at again: the truck still there sends its case back to the unit with the
// new frame and a note; the empty street verifies its case as system:verifier.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadViolationLabels } from '../../models/violation-labels.ts';
import { createCameraDetector } from '../../pipeline/cameras/camera-detector.ts';
import { cameraSecretsFromEnv } from '../../pipeline/cameras/camera-secret-source.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { grabFrame } from '../../pipeline/verify/grab-frame.ts';
import { startVerifier, urlResolver } from '../../pipeline/verify/verifier.ts';
import type { Box } from '../../contracts/types.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { addUnits, fieldKey, handleWithPhoto } from '../support/field.ts';
import { freePort } from '../support/ports.ts';
import { startRtspServer, stillVideo, type TestRtspServer } from '../support/rtsp-server.ts';
import { caseFromSample } from '../support/sample-cases.ts';
import { samplePath } from '../support/samples.ts';

// The pick-up in dog.jpg (768x576), as the camera worker reports it at analysis width 768.
const TRUCK: Box = [466, 74, 683, 171];

describe('looking again at handled camera cases', () => {
  let dir: string;
  let server: TestRtspServer;
  let detector: Detector;
  let api: TestApi;
  let apiUrl: string;
  let unitKey: string;
  const results: Array<{ caseId: number; outcome: string; to: string }> = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'look-again-'));
    // The same street with the truck gone: its box painted the colour of the road beside it.
    const [x1, y1, x2, y2] = TRUCK;
    const road = await sharp(samplePath('darknet/dog.jpg')).extract({ left: 300, top: 60, width: 60, height: 40 }).resize(x2 - x1 + 20, y2 - y1 + 20).toBuffer();
    const empty = path.join(dir, 'empty.jpg');
    await sharp(samplePath('darknet/dog.jpg')).composite([{ input: road, left: x1 - 10, top: y1 - 10 }]).jpeg().toFile(empty);
    server = await startRtspServer();
    await server.publish('kerb', await stillVideo(samplePath('darknet/dog.jpg'), path.join(dir, 'dog.mp4')));
    await server.publish('kerb-empty', await stillVideo(empty, path.join(dir, 'empty.mp4')));
    detector = await createCameraDetector({ threads: 1 });
    // The API seals camera passwords with the key the verifier finds under its DATA_DIR.
    api = await startTestApi({ kind: 'pglite' }, { now: () => new Date(), cameraSecrets: { keyFile: path.join(dir, 'keys', 'camera-secret.key') } });
    await addUnits(api, 'east-1');
    unitKey = await fieldKey(api, 'east-1');
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    apiUrl = `http://127.0.0.1:${port}`;
    for (const [id, stream] of [['cam-kerb', 'kerb'], ['cam-kerb-empty', 'kerb-empty']]) {
      // One camera with a literal password: the API masks it, the verifier must open the sealed one.
      const url = id === 'cam-kerb' ? server.url(stream!).replace('rtsp://', 'rtsp://viewer:kerb-pass@') : server.url(stream!);
      const camera = { id, name: `东门路口 ${stream}`, url, analysis: { width: 768, rtspTransport: 'udp' }, zones: [{ id: 'far-kerb', kind: 'no_parking', polygon: [[0.55, 0.1], [0.95, 0.1], [0.95, 0.35], [0.55, 0.35]] }] };
      const res = await api.app.inject({ method: 'POST', url: '/v1/cameras', headers: api.headers('operator'), payload: camera });
      expect(res.statusCode, res.body).toBe(201);
    }
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await detector?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const handledCase = async (camera: string) => {
    const id = await caseFromSample(api, 'darknet/dog.jpg', TRUCK, { source: { kind: 'camera', id: camera, name: '东门路口' }, zoneId: 'far-kerb', label: 'truck' });
    const move = (m: string, body: object = {}) => api.app.inject({ method: 'POST', url: `/v1/cases/${id}/${m}`, headers: api.headers('reviewer'), payload: body });
    await move('confirm');
    await move('dispatch', { unit: 'east-1' });
    expect((await handleWithPhoto(api, id, unitKey, '已劝离')).statusCode).toBe(200);
    return id;
  };

  it('sees the parked truck at the case’s place in a frame grabbed from the stream', async () => {
    const frame = await grabFrame({ id: 'cam-kerb', url: server.url('kerb'), analysis: { width: 768, rtspTransport: 'udp' }, zones: [] } as never, server.url('kerb'));
    expect([frame.width, frame.height]).toEqual([768, 576]);
    const { detections } = await detector.detectFrame(frame);
    expect(detections.some((d) => ['car', 'truck'].includes(d.label) && d.box[0] > 400 && d.box[2] > 600 && d.box[1] < 120)).toBe(true);
  });

  it('verifies the case whose place is empty and sends back the one whose truck is still there', async () => {
    const stays = await handledCase('cam-kerb');
    const gone = await handledCase('cam-kerb-empty');
    const labels = await loadViolationLabels();
    const verifier = startVerifier(
      {
        apiUrl,
        key: api.keys.ingest,
        lookAfterSeconds: 0,
        detector,
        objects: api.objects,
        labelsOf: (type) => labels.types[type as keyof typeof labels.types]?.labels ?? [],
        grab: (camera) => grabFrame(camera, camera.url),
        resolveUrl: urlResolver(await cameraSecretsFromEnv({ DATA_DIR: dir })),
        onResult: (r) => results.push(r),
      },
      false,
    );
    expect(await verifier.runOnce()).toBe(2);
    await verifier.stop();
    expect(results).toEqual(expect.arrayContaining([
      { caseId: stays, outcome: 'still_there', to: 'dispatched' },
      { caseId: gone, outcome: 'gone', to: 'verified' },
    ]));

    const detail = async (id: number) => (await api.app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: api.headers('reviewer') })).json();
    const g = await detail(gone);
    expect(g.status).toBe('verified');
    expect(g.audit.at(-1)).toMatchObject({ action: 'verify', actor: 'system:verifier', from: 'handled', to: 'verified' });
    expect(g.audit.at(-1).details.seen).toEqual([]);
    const s = await detail(stays);
    expect(s.status).toBe('dispatched');
    expect(s.unit).toBe('east-1');
    expect(s.audit.at(-1)).toMatchObject({ action: 'still_there', actor: 'system:verifier', to: 'dispatched' });
    expect(s.audit.at(-1).details.seen[0].label).toMatch(/car|truck/);
    // The new frame is evidence, served checked against its hash, and an image of the camera's size.
    const frame = s.followUp.find((e: { kind: string }) => e.kind === 'verify_frame');
    const res = await fetch(`${apiUrl}${frame.url}`);
    expect(res.status).toBe(200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([768, 576]);
    // The field team sees it back on its list, with the verifier's note.
    const field = (await api.app.inject({ method: 'GET', url: '/v1/field/cases', headers: { authorization: `Bearer ${unitKey}` } })).json();
    expect(field.items.find((c: { id: number }) => c.id === stays).lastNote).toMatchObject({ action: 'still_there', actor: 'system:verifier' });
    // Nothing left to look at.
    const again = startVerifier({ apiUrl, key: api.keys.ingest, lookAfterSeconds: 0, detector, objects: api.objects, labelsOf: () => [], grab: () => Promise.reject(new Error('no')), resolveUrl: (c) => ({ url: c.url }) }, false);
    expect(await again.runOnce()).toBe(0);
    await again.stop();
  }, 120_000);
});
