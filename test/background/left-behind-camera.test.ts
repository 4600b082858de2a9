// Left-behind objects through the whole camera path: the footage of samples/scenarios/left-behind
// (a real bag dropped on the vtest plaza's tarmac, the plaza at dusk, darknet's walker standing
// still) served on a loopback RTSP server, watched by watchCamera with the real detector and
// tracker; and the same scenarios as `npm run eval -- rules` reports them.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCameraConfig } from '../../pipeline/cameras/camera-config-file.ts';
import { createCameraDetector } from '../../pipeline/cameras/camera-detector.ts';
import { watchCamera, type CameraWatch } from '../../pipeline/cameras/camera-watch.ts';
import { queueDetector } from '../../pipeline/cameras/detector-queue.ts';
import type { Violation } from '../../contracts/types.ts';
import { LEFT_BEHIND_LABEL } from '../../pipeline/background/left-behind.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { cachedFootage } from '../../models/evaluate/footage-cache.ts';
import { checkPlan } from '../../models/evaluate/street-footage.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { startRtspServer, type TestRtspServer } from '../support/rtsp-server.ts';
import { REPO_ROOT, samplePath } from '../support/samples.ts';
import { runScript } from '../support/run-script.ts';
import { until } from '../support/until.ts';

const SCENARIOS = path.join(REPO_ROOT, 'samples/scenarios');
/**
 * The footage runs at this share of its scenario length (75 s → 30 s); the scene clock runs 4x.
 * The bag's footage keeps its 15 s of empty scene: the camera must know the scene before it comes;
 * unsqueezed, it is the very footage `eval -- rules` replays below, which finds it rendered.
 */
const SQUEEZE: Record<string, number> = { 'bag-dropped': 1, 'dusk-only': 0.4, 'person-standing': 0.4 };
const SCENE_SPEED = 4;
const NAMES = ['bag-dropped', 'dusk-only', 'person-standing'] as const;

let dir: string;
let server: TestRtspServer;
let detector: Detector;
let videos: string[];
const watches: CameraWatch[] = [];
/** Renders shared with the eval command this file runs (EVAL_FOOTAGE_CACHE). */
const footageCache = () => path.join(dir, 'footage');

/** A scenario's composition with every time squeezed, rendered to a file the RTSP server can loop. */
async function squeezed(name: string): Promise<string> {
  const file = path.join(SCENARIOS, 'left-behind', `${name}.json`);
  const raw = JSON.parse(await readFile(file, 'utf8')) as { seconds: number; actors: Array<{ path: number[][] }>; lighting?: number[][] };
  const k = SQUEEZE[name]!;
  raw.seconds = Math.round(raw.seconds * k);
  for (const a of raw.actors) for (const p of a.path) p[0] = Math.round(p[0]! * k * 10) / 10;
  for (const p of raw.lighting ?? []) p[0] = Math.round(p[0]! * k * 10) / 10;
  // Each render works in a folder of its own: the three run at once, and sharing one folder they
  // overwrote each other's median background while ffmpeg read it (a render that never ended).
  return cachedFootage(checkPlan(raw, file), footageCache());
}

beforeAll(async () => {
  samplePath('opencv/vtest.avi');
  dir = await mkdtemp(path.join(os.tmpdir(), 'left-behind-'));
  // The footage renders while the server and the model start: none needs the others. All settle
  // before a failure is thrown, so afterAll stops whatever did start.
  const started = await Promise.allSettled([
    startRtspServer().then((s) => void (server = s)),
    createCameraDetector({ threads: 1 }).then((d) => void (detector = d)),
    Promise.all(NAMES.map(squeezed)).then((v) => void (videos = v)),
  ]);
  for (const r of started) if (r.status === 'rejected') throw r.reason;
}, 120_000);

afterAll(async () => {
  for (const w of watches) await w.stop();
  await server?.stop();
  await detector?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('left-behind watch on a live camera', () => {
  it('raises the dropped bag once, with the frame before it as evidence, and nothing for dusk or a person standing still', async () => {
    const base = await loadCameraConfig(path.join(SCENARIOS, 'cameras/left-behind-road.json'));
    const queued = queueDetector(detector);
    const found: Record<string, Violation[]> = {};
    const sceneStart = Date.parse('2026-05-04T10:00:00+08:00');
    const { logger, lines } = captureLogger();
    const firstFrameAt: Record<string, number> = {};
    const publishedAt: Record<string, number> = {};
    for (const [i, name] of NAMES.entries()) {
      await server.publish(name, videos[i]!);
      publishedAt[name] = Date.now();
      found[name] = [];
      const wallStart = Date.now();
      watches.push(
        watchCamera({
          config: { ...base, id: `left-behind-${name}`, url: server.url(name), analysis: { ...base.analysis, fps: 2, fullPassSeconds: 2, rtspTransport: 'udp' } },
          detector: queued,
          clock: () => new Date(sceneStart + (Date.now() - wallStart) * SCENE_SPEED),
          logger,
          sink: async (v) => void found[name]!.push(v),
          onFrame: () => void (firstFrameAt[name] ??= Date.now() - publishedAt[name]!),
        }),
      );
    }
    // The bag is down 15 s into its footage; 30 s of scene time later (7.5 s) it is a case.
    await until(() => found['bag-dropped']!.length > 0, 60_000, 'the left-behind bag').catch((error: Error) => {
      throw new Error(`${error.message}; first frames ${JSON.stringify(firstFrameAt)} ms after publishing; health ${JSON.stringify(watches[0]!.health())}; ${lines.slice(-5).join(' ')}`);
    });
    // The other two go on to the end of their footage (dusk falls until 24 s; the walker stands from 6 s).
    await new Promise((r) => setTimeout(r, 12_000));
    for (const w of watches) await w.stop();

    const bag = found['bag-dropped']!.filter((v) => v.type === 'exposed_garbage');
    expect(bag).toHaveLength(1);
    const v = bag[0]!;
    expect(v).toMatchObject({ zoneId: 'road', label: LEFT_BEHIND_LABEL, modelId: 'scene-background' });
    // The bag's bottom centre stands at (520, 400) of the 768x576 picture, 56x58 px.
    expect((v.box[0] + v.box[2]) / 2).toBeGreaterThan(490);
    expect((v.box[0] + v.box[2]) / 2).toBeLessThan(550);
    expect(v.box[3]).toBeGreaterThan(380);
    expect(v.box[3]).toBeLessThan(425);
    expect((v.observedAt.getTime() - v.startedAt!.getTime()) / 1000).toBeGreaterThanOrEqual(30);
    expect(v.evidenceFrames).toHaveLength(2);
    // First evidence: the frame before the bag appeared, so before its clock started.
    expect(v.evidenceFrames[0]!.capturedAt.getTime()).toBeLessThan(v.startedAt!.getTime());
    expect(v.evidenceFrames[1]!.capturedAt).toEqual(v.observedAt);
    expect(String(v.attributes?.reason)).toMatch(/^unidentified object left behind: differs from the empty scene since/);

    expect(found['dusk-only']!.filter((x) => x.type === 'exposed_garbage')).toEqual([]);
    expect(found['person-standing']!.filter((x) => x.type === 'exposed_garbage')).toEqual([]);
    // The walker was there to be seen: watched frames passed through the detector the whole time.
    for (const w of watches) expect(w.health().framesDetected).toBeGreaterThan(5);
  }, 240_000);
});

describe('npm run eval -- rules --scenarios samples/scenarios/left-behind.json', () => {
  it('reports the bag found on time and nothing from dusk, the standing walker or vtest.avi\'s walkers', async () => {
    const { code, stdout, stderr } = await runScript('scripts/eval.ts', ['rules', '--scenarios', 'samples/scenarios/left-behind.json', '--json'], { env: { EVAL_FOOTAGE_CACHE: footageCache() } });
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as { perType: Array<{ type: string; expected: number; raised: number; falsePositives: number; recall: number | null }>; scenarios: Array<{ scenario: string; raised: Array<{ type: string; zone: string; at: number; label: string }> }> };
    const garbage = report.perType.find((t) => t.type === 'exposed_garbage')!;
    expect(garbage).toMatchObject({ expected: 1, raised: 1, falsePositives: 0, recall: 1 });
    const by = Object.fromEntries(report.scenarios.map((s) => [s.scenario, s.raised]));
    expect(by['bag-left-on-road']).toEqual([expect.objectContaining({ type: 'exposed_garbage', zone: 'road', label: LEFT_BEHIND_LABEL })]);
    expect(by['bag-left-on-road']![0]!.at).toBeGreaterThanOrEqual(45);
    expect(by['dusk-falls']).toEqual([]);
    expect(by['person-standing-still']).toEqual([]);
    // Real footage: the walkers of vtest.avi across a watched walkway.
    expect(by['walkers-pass-by']).toEqual([]);
  }, 180_000);
});
