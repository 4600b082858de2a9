// npm run bench:streams [-- --seconds 10 --warmup 3 --max 32 --modes full,keyframes --identity on|off --batch on|off|N]
//
// How many cameras one machine watches: N concurrent loopback RTSP streams (1280x720 H.264,
// 25 fps, 2 s GOP; half a busy plaza from OpenCV's vtest.avi, half a still street from darknet's
// dog.jpg), each analysed at 1 fps with motion gating by one worker process (one shared detector,
// as in production). For full decoding and for keyframe-only decoding it finds the largest N whose
// analysis lag stays under 2 s while every stream keeps its analysis rate, and prints the ratio,
// detector runs per second and the share of frames motion gating skipped. It asserts nothing.
// `--identity off` runs without the appearance embedder (vehicles told apart by position alone),
// which is how the cost of identity in cameras per machine is measured: one run each way.
// `--batch off` (the default, as camera workers run) runs the shared detector one frame per
// session.run; `on` takes up to the model's input.maxBatch waiting frames, `--batch 2` at most two.
//
// Lag of a frame = when its analysis ended − when it was due, the due time being its stream
// timestamp placed on the wall clock by the least-delayed frame of that stream. A decoder that
// falls behind shows as growing lag; an analysis that falls behind drops live frames (the newest
// wins), which shows as a lower analysed rate.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseCameraConfig } from '../contracts/camera.ts';
import { createCameraDetector } from '../pipeline/cameras/camera-detector.ts';
import { watchCamera, type AnalysedFrame, type CameraWatch } from '../pipeline/cameras/camera-watch.ts';
import { queueDetector } from '../pipeline/cameras/detector-queue.ts';
import { createLogger } from '../infra/logger.ts';
import { h264Video, startLoopbackRtspServer as startRtspServer, stillVideo } from '../pipeline/ingest/loopback-rtsp-server.ts';
import { samplePath } from '../infra/samples.ts';
import { parseCli, usageError } from './cli/args.ts';
import { PATROL_GRABS, type PatrolGrab } from '../contracts/camera.ts';

const cli = { command: 'npm run bench:streams', usage: 'usage: npm run bench:streams [-- --seconds 10 --warmup 3 --max 32 --modes full,keyframes,patrol --grabs snapshot,keyframe,session --identity on|off --batch on|off|N]' };
const { values } = parseCli({
  ...cli,
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    max: { type: 'string', default: '32' },
    modes: { type: 'string', default: 'full,keyframes' },
    identity: { type: 'string', default: 'on' },
    batch: { type: 'string', default: 'off' },
    grabs: { type: 'string' },
  },
});
if (values.identity !== 'on' && values.identity !== 'off') usageError(cli, `--identity must be on or off (got "${values.identity}")`);
const batchCap = values.batch === 'on' ? Infinity : values.batch === 'off' ? 1 : Number(values.batch);
if (!Number.isInteger(batchCap) && batchCap !== Infinity) usageError(cli, `--batch must be on, off or a whole number of frames (got "${values.batch}")`);
if (batchCap < 1) usageError(cli, `--batch must be at least 1 frame (got "${values.batch}")`);
/** undefined: the manifest's embedder, as a worker runs; null: none. */
const embedder = values.identity === 'off' ? null : undefined;
const MODES = values.modes!.split(',');
const MEASURE_S = Number(values.seconds);
const WARMUP_S = Number(values.warmup);
const MAX_N = Number(values.max);
const LAG_LIMIT_S = 2;
const GOP_S = 2;

interface Trial {
  n: number;
  mode: 'full' | 'keyframes';
  p95LagS: number;
  maxLagS: number;
  /** Analysed frames per second per stream, the slowest stream. */
  minRate: number;
  expectedRate: number;
  detectorRunsPerS: number;
  /** Frames per detector call, mean over the measured window. */
  meanBatch: number;
  skippedShare: number;
  dropped: number;
  stalls: number;
  sustained: boolean;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-streams-'));
const log = createLogger('bench-streams');
process.stderr.write('[bench] making 1280x720 H.264 test streams (25 fps, 2 s GOP)…\n');
// No B-frames, as IP cameras send: with B-frames the decoder holds each key frame back until two
// more have been decoded, which in keyframe-only mode is two GOPs (4 s) of extra lag.
const to720 = ['-vf', 'scale=1280:720,fps=25', '-r', '25', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-bf', '0', '-t', '20'];
const busy = await h264Video(samplePath('opencv/vtest.avi'), path.join(dir, 'busy.mp4'), to720);
const still = await stillVideo(samplePath('darknet/dog.jpg'), path.join(dir, 'still-src.mp4'), 20);
const still720 = await h264Video(still, path.join(dir, 'still.mp4'), to720);

const server = await startRtspServer();
const cameraDetector = await createCameraDetector({ threads: 1 });
const detector = queueDetector(cameraDetector, { maxBatch: batchCap });
let published = 0;

async function ensurePublished(n: number): Promise<void> {
  // Publishers are cheap (-c copy); the stream files alternate busy and still.
  const jobs: Promise<void>[] = [];
  for (; published < n; published++) jobs.push(server.publish(`s${published}`, published % 2 === 0 ? busy : still720));
  await Promise.all(jobs);
}

async function trial(n: number, mode: 'full' | 'keyframes'): Promise<Trial> {
  await ensurePublished(n);
  const frames: Array<{ cam: number; a: AnalysedFrame }> = [];
  const watches: CameraWatch[] = [];
  for (let i = 0; i < n; i++) {
    const config = parseCameraConfig(
      {
        id: `bench-${i}`,
        url: server.url(`s${i}`),
        analysis: { fps: 1, width: 1280, keyframesOnly: mode === 'keyframes', rtspTransport: 'udp', fullPassSeconds: 10, stallSeconds: 10 },
        zones: [{ id: 'kerb', kind: 'no_parking', polygon: [[0.5, 0], [1, 0], [1, 0.5], [0.5, 0.5]] }],
      },
      'bench',
    );
    watches.push(watchCamera({ config, detector, ...(embedder === null ? { embedder } : {}), logger: log, sink: async () => undefined, onFrame: (a) => frames.push({ cam: i, a }) }));
  }
  // Opening a stream takes seconds (RTSP set-up, ffmpeg probing, the first key frame), and the
  // first frames then come out in a burst: measure only once every stream runs.
  const started = Date.now();
  while (Date.now() - started < 60_000 && watches.some((w) => w.health().frames < 3)) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  const runs0 = detector.runs;
  const batches0 = detector.batches;
  const restarts0 = watches.map((w) => w.health().restarts);
  const from = Date.now();
  await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
  const to = Date.now();
  const runs1 = detector.runs;
  const batches1 = detector.batches;
  const health = watches.map((w) => w.health());
  await Promise.all(watches.map((w) => w.stop()));

  // Per stream and ffmpeg run, the least-delayed frame after the start-up burst fixes where
  // stream time sits on the wall clock.
  // A looping publisher can make stream time jump; each jump starts a new segment.
  const base = new Map<string, number>();
  const segmentOf = new Map<(typeof frames)[number], string>();
  const last = new Map<number, { t: number; seg: number }>();
  for (const f of frames) {
    const prev = last.get(f.cam);
    const seg = prev && Math.abs(f.a.stream.streamSeconds - prev.t) <= 10 ? prev.seg : (prev?.seg ?? 0) + 1;
    last.set(f.cam, { t: f.a.stream.streamSeconds, seg });
    segmentOf.set(f, `${f.cam}/${f.a.stream.run}/${seg}`);
  }
  for (const f of frames.filter((x) => x.a.doneAtMs >= from - WARMUP_S * 1000)) {
    const key = segmentOf.get(f)!;
    const b = f.a.stream.receivedAtMs - f.a.stream.streamSeconds * 1000;
    if (!base.has(key) || b < base.get(key)!) base.set(key, b);
  }
  const measured = frames.filter(({ a }) => a.doneAtMs >= from && a.doneAtMs <= to);
  const lags = measured.map((f) => (f.a.doneAtMs - (f.a.stream.streamSeconds * 1000 + base.get(segmentOf.get(f)!)!)) / 1000).sort((x, y) => x - y);
  const perCam = Array.from({ length: n }, (_, i) => measured.filter((f) => f.cam === i).length / ((to - from) / 1000));
  const expectedRate = mode === 'full' ? 1 : Math.min(1, 1 / GOP_S);
  const p95LagS = lags.length ? lags[Math.min(lags.length - 1, Math.floor(lags.length * 0.95))]! : Infinity;
  const skipped = measured.filter((f) => !f.a.decision.detect).length;
  const minRate = Math.min(...perCam);
  // Restarts while measuring (a stream refused at start-up because its publisher was still
  // announcing it is not the machine's fault).
  const stalls = health.reduce((s, h, i) => s + h.restarts - restarts0[i]!, 0);
  return {
    n,
    mode,
    p95LagS,
    maxLagS: lags.at(-1) ?? Infinity,
    minRate,
    expectedRate,
    detectorRunsPerS: (runs1 - runs0) / ((to - from) / 1000),
    meanBatch: batches1 > batches0 ? (runs1 - runs0) / (batches1 - batches0) : 0,
    skippedShare: measured.length ? skipped / measured.length : 0,
    dropped: health.reduce((s, h) => s + h.dropped, 0),
    stalls,
    sustained: p95LagS < LAG_LIMIT_S && minRate >= 0.85 * expectedRate && stalls === 0,
  };
}

const fmt = (t: Trial) =>
  `${t.mode.padEnd(9)} N=${String(t.n).padStart(2)}  lag p95 ${t.p95LagS.toFixed(2)} s (max ${t.maxLagS.toFixed(2)})  ` +
  `slowest stream ${t.minRate.toFixed(2)}/${t.expectedRate} fps  detector ${t.detectorRunsPerS.toFixed(1)} runs/s (${t.meanBatch.toFixed(1)} frames a call)  ` +
  `skipped ${(t.skippedShare * 100).toFixed(0)}%  dropped ${t.dropped}  restarts ${t.stalls}  ${t.sustained ? 'OK' : 'NOT SUSTAINED'}`;

const results: Record<string, { best?: Trial; firstFail?: Trial }> = {};
try {
  if (MODES.includes('patrol')) {
    // Patrol mode (scripts/bench-patrol.ts): one stream, read by every keyframe-grabbing camera.
    const { benchPatrol } = await import('./bench-patrol.ts');
    // --grabs snapshot,session measures only those patrol grab methods.
    const grabs = values.grabs?.split(',').map((g) => g.trim()) as PatrolGrab[] | undefined;
    const unknown = grabs?.filter((g) => !PATROL_GRABS.includes(g));
    if (unknown?.length) usageError(cli, `--grabs takes ${PATROL_GRABS.join(', ')} (got "${unknown.join(', ')}")`);
    await benchPatrol({ detector, rtsp: server, publish: async () => (await server.publish('patrol', still720), 'patrol'), maxN: 256, ...(grabs ? { grabs } : {}) });
  }
  for (const mode of MODES.filter((m) => m !== 'patrol') as Array<'full' | 'keyframes'>) {
    const r: { best?: Trial; firstFail?: Trial } = {};
    results[mode] = r;
    // Keyframe-only decoding is never slower than full decoding: its ladder starts where full
    // decoding's ended, which keeps the whole run to a few minutes.
    const floor = mode === 'keyframes' ? (results.full?.best?.n ?? 1) : 1;
    const ladder = [...new Set([floor, ...[2, 4, 8, 12, 16, 24, 32, 48, 64].filter((n) => n > floor)])].filter((n) => n <= MAX_N);
    for (const n of ladder) {
      const t = await trial(n, mode);
      process.stdout.write(`${fmt(t)}\n`);
      if (!t.sustained) {
        r.firstFail = t;
        break;
      }
      r.best = t;
    }
    // One step between the last good and the first bad N, when there is room.
    if (r.best && r.firstFail && r.firstFail.n - r.best.n > 1) {
      const mid = Math.floor((r.best.n + r.firstFail.n) / 2);
      const t = await trial(mid, mode);
      process.stdout.write(`${fmt(t)}\n`);
      if (t.sustained) r.best = t;
      else r.firstFail = t;
    }
  }
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}

process.stdout.write(`\nidentity (appearance embedder): ${values.identity}; frames of several cameras batched: at most ${Math.min(batchCap, cameraDetector.maxBatch)} a call (--batch ${values.batch})\n`);
const line = (mode: string) => {
  const r = results[mode];
  if (!r) return undefined;
  const capped = r.best && !r.firstFail ? '≥' : '';
  process.stdout.write(
    `${mode}: largest N with lag < ${LAG_LIMIT_S} s = ${capped}${r.best?.n ?? 0}` +
      (r.best ? ` (detector ${r.best.detectorRunsPerS.toFixed(1)} runs/s, ${(r.best.skippedShare * 100).toFixed(0)}% of frames skipped by motion gating)` : '') +
      (r.firstFail ? `; N=${r.firstFail.n} was not sustained` : '; the ladder ended first') +
      '\n',
  );
  return r.best?.n ?? 0;
};
const full = line('full');
const key = line('keyframes');
if (full && key) process.stdout.write(`keyframe-only / full decoding: ${(key / full).toFixed(1)}x the cameras per machine (keyframe-only analyses one frame per ${GOP_S} s GOP)\n`);
process.exit(0);
