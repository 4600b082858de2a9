// bench:streams --modes patrol: how many patrol cameras one machine serves at one pass per 30 s.
//
// N cameras are patrolled by one process (one shared detector, as a worker does), each from a
// loopback source: an HTTP snapshot server answering real JPEGs (dog.jpg and the vtest plaza by
// turns), or the loopback RTSP server (a 1280x720 H.264 stream, 2 s GOP, no B-frames). A trial
// passes when, after a first pass, every camera is analysed again within its interval + 2 s (the
// snapshot slack scaled as the interval is; the keyframe slack kept whole, see below) for a few passes, without a miss. N is searched by doubling,
// then bisection.
//
// Scaling: the load is passes per second, so N cameras every E s stand for N × 30 / E cameras every
// 30 s. Snapshot trials run E = 3 s (×10); keyframe and session trials E = 4 s (×7.5): a grab waits up
// to one GOP for its key frame, which does not shrink with the interval. Session cameras each keep one
// RTSP session (and a copying ffmpeg) open to the loopback server for the whole trial. The sources' CPU (RTSP server and
// publisher; the snapshot server runs in this process and only writes a cached buffer) is reported apart.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { parseCameraConfig, PATROL_GRABS, type PatrolGrab } from '../contracts/camera.ts';
import type { QueuedDetector } from '../pipeline/cameras/detector-queue.ts';
import { createLogger } from '../infra/logger.ts';
import type { LoopbackRtspServer } from '../pipeline/ingest/loopback-rtsp-server.ts';
import { startLoopbackSnapshotServer } from '../pipeline/patrol/loopback-snapshot-server.ts';
import { PATROL_SLACK_SECONDS } from '../pipeline/patrol/pass-stats.ts';
import { patrolCamera, type CameraPatrol } from '../pipeline/patrol/patrol-camera.ts';
import { samplePath } from '../infra/samples.ts';

const TARGET_EVERY_S = 30;
const PASSES = 3;

export interface PatrolBenchInput {
  /** The shared queue: its counts give the frames per detector call. */
  detector: QueuedDetector;
  rtsp: LoopbackRtspServer;
  /** Publishes the bench's RTSP stream under a name and returns the name. */
  publish: () => Promise<string>;
  maxN: number;
  /** Grab methods to measure (default all). */
  grabs?: readonly PatrolGrab[];
}

interface Trial {
  n: number;
  ok: boolean;
  worstIntervalS: number;
  misses: number;
  cpuShare: number;
  sourceCpuShare: number;
  /** Frames per detector call (frames of several cameras batched). */
  meanBatch: number;
}

export async function benchPatrol(input: PatrolBenchInput): Promise<void> {
  const log = createLogger('bench-patrol');
  // Misses are counted and printed; one log line per miss would drown the figures.
  log.level = 'fatal';
  const snapshots = await startLoopbackSnapshotServer();
  const plaza = await sharpJpeg(samplePath('opencv/vtest.avi'));
  snapshots.serve('/cam.jpg', [{ jpeg: await readFile(samplePath('darknet/dog.jpg')) }, ...(plaza ? [{ jpeg: plaza }] : [])]);
  const stream = await input.publish();
  const best: Partial<Record<PatrolGrab, number>> = {};
  try {
    for (const method of input.grabs ?? PATROL_GRABS) {
      const everyS = method === 'snapshot' ? 3 : 4;
      const scale = TARGET_EVERY_S / everyS;
      // The key frame wait (up to one GOP) is latency, not load: it does not shrink with the interval, so keyframe trials keep the 2 s slack whole.
      const limitS = everyS + (method !== 'snapshot' ? PATROL_SLACK_SECONDS : (PATROL_SLACK_SECONDS * everyS) / TARGET_EVERY_S);
      const run = async (n: number): Promise<Trial> => {
        const t = await trial(n, method, everyS, limitS, method === 'snapshot' ? snapshots.url('/cam.jpg') : input.rtsp.url(stream), input, log);
        process.stdout.write(
          `patrol (${method}) N=${n} every ${everyS} s (= ${Math.floor(n * scale)} cameras every ${TARGET_EVERY_S} s): worst interval ${t.worstIntervalS.toFixed(2)} s ` +
            `(limit ${limitS.toFixed(2)}), misses ${t.misses}, CPU ${(t.cpuShare * 100).toFixed(0)}% of the machine, sources ${(t.sourceCpuShare * 100).toFixed(0)}%, ${t.meanBatch.toFixed(1)} frames a detector call  ${t.ok ? 'OK' : 'NOT SUSTAINED'}\n`,
        );
        return t;
      };
      let good = 0;
      let bad: number | undefined;
      for (let n = 1; n <= input.maxN; n *= 2) {
        if ((await run(n)).ok) good = n;
        else {
          bad = n;
          break;
        }
      }
      for (let step = 0; bad !== undefined && bad - good > Math.max(1, good / 8) && step < 2; step++) {
        const mid = Math.floor((good + bad) / 2);
        if ((await run(mid)).ok) good = mid;
        else bad = mid;
      }
      best[method] = Math.floor(good * scale);
      process.stdout.write(`patrol (${method}): cameras per machine = ${bad === undefined ? '≥' : ''}${Math.floor(good * scale)}\n`);
    }
  } finally {
    await snapshots.stop();
  }
  const overall = Math.max(...Object.values(best));
  process.stdout.write(`patrol: cameras per machine = ${overall} (one pass per ${TARGET_EVERY_S} s, the cheapest grab: ${Object.entries(best).map(([m, n]) => `${m} ${n}`).join(', ')})\n`);
}

async function trial(n: number, method: PatrolGrab, everyS: number, limitS: number, url: string, input: PatrolBenchInput, log: ReturnType<typeof createLogger>): Promise<Trial> {
  const patrols: CameraPatrol[] = [];
  const cpu0 = cpuSeconds();
  const src0 = sourceCpuSeconds(input.rtsp.pids());
  const t0 = Date.now();
  const runs0 = input.detector.runs;
  const batches0 = input.detector.batches;
  for (let i = 0; i < n; i++) {
    const config = parseCameraConfig(
      {
        id: `p${i}`,
        url: method !== 'snapshot' ? url : 'rtsp://192.0.2.1/unused',
        analysis: { mode: 'patrol', everySeconds: everyS, grab: method, width: 1280, rtspTransport: 'udp', ...(method === 'snapshot' ? { snapshotUrl: url } : {}) },
        zones: [{ id: 'kerb', kind: 'no_parking', polygon: [[0.65, 0.15], [0.95, 0.15], [0.95, 0.4], [0.65, 0.4]] }],
      },
      'bench',
    );
    // Phases spread evenly over the interval, as the camera-id hash does on average.
    patrols.push(patrolCamera({ config, detector: input.detector, sink: async () => undefined, logger: log, embedder: null, phaseMs: (i * everyS * 1000) / n }));
  }
  const until = t0 + (PASSES + 1) * everyS * 1000 + 1000;
  while (Date.now() < until) await new Promise((r) => setTimeout(r, 250));
  const health = patrols.map((p) => p.health().patrol);
  await Promise.all(patrols.map((p) => p.stop()));
  const wallS = (Date.now() - t0) / 1000;
  const cores = os.cpus().length;
  const worst = Math.max(...health.map((h) => h.worstIntervalSeconds ?? Infinity));
  const misses = health.reduce((s, h) => s + h.misses, 0);
  const enough = health.every((h) => h.passes >= PASSES);
  return {
    n,
    ok: enough && misses === 0 && worst <= limitS,
    worstIntervalS: worst,
    misses,
    cpuShare: (cpuSeconds() - cpu0) / wallS / cores,
    sourceCpuShare: (sourceCpuSeconds(input.rtsp.pids()) - src0) / wallS / cores,
    meanBatch: input.detector.batches > batches0 ? (input.detector.runs - runs0) / (input.detector.batches - batches0) : 0,
  };
}

/** This process and its finished children (the keyframe grabs' and kept sessions' ffmpeg), seconds of CPU. */
function cpuSeconds(): number {
  return statCpu('self', true);
}

function sourceCpuSeconds(pids: number[]): number {
  return pids.reduce((s, pid) => s + statCpu(String(pid), true), 0);
}

function statCpu(pid: string, children: boolean): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
    // utime stime cutime cstime are fields 14-17 (1-based); f starts at field 3.
    return (f[11]! + f[12]! + (children ? f[13]! + f[14]! : 0)) / 100;
  } catch {
    return 0;
  }
}

/** A frame of the vtest plaza as JPEG, so snapshot passes alternate a still street and a busy plaza. */
async function sharpJpeg(video: string): Promise<Buffer | undefined> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('ffmpeg', ['-nostdin', '-v', 'error', '-ss', '5', '-i', video, '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 24 }, (err, out) =>
      resolve(err ? undefined : out),
    );
  });
}
