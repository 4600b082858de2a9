// The whole product on one machine, on embedded defaults (`npm start` after set-up):
//
//   redis-server (child process, AOF on, data/redis)      queues, dedupe index, worker heartbeats
//   the API (PGlite data/pglite, evidence data/objects)    cases, reviewer page, cameras, surveys
//   a loopback RTSP server + ffmpeg publishers             three sample cameras from real footage:
//       demo-dog-street  darknet's dog.jpg looped: a pick-up parked at a no-parking kerb
//       demo-vtest-plaza OpenCV's vtest.avi looped: a pedestrian plaza with a service lane
//       demo-bus-stop    real vehicle photos composed on the plaza: cars park at a kerb, buses wait
//                        at its stop (the false alarms reviewers reject and a verdict model learns)
//   camera sync: cameras registered through the API (PUT /v1/cameras) → the camera-streams queue
//   a camera worker (model registry, plates on parking cases), the dispatch worker, the survey worker
//   a sample drone survey uploaded (OpenCV's aero1.jpg and aero3.jpg)
//   two sample orthomosaics compared (change-demo.ts): a new block raised as illegal_construction
//
// Why the camera worker takes cameras from the queue fed from the API, rather than from the API
// directly: the queue is what gives each camera exactly one watching worker and hands it to another
// when a worker dies (camera-worker.ts); the sync loop (pipeline/cameras/camera-sync.ts) keeps it in
// step with what operators configure through the API, and workers keep watching while the API restarts.
//
// Everything logs JSON lines to data/logs/demo.log (redis to data/logs/redis.log); the terminal gets
// progress lines only. stop() ends everything this started, children included; a second start on
// the same data folder keeps the cases, keys, queues and dedupe index.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Registry } from 'prom-client';
import { localKey, startEmbeddedApi, type EmbeddedApi } from '../../api/embedded.ts';
import { REPO_ROOT } from '../../api/config.ts';
import { parseCameraConfig, type CameraConfig } from '../../contracts/camera.ts';
import { createLogger, type Logger } from '../../infra/logger.ts';
import { samplePath } from '../../infra/samples.ts';
import { describeAnalysis } from '../../models/analysable.ts';
import { cachedFootage } from '../../models/evaluate/footage-cache.ts';
import { loadFootagePlan } from '../../models/evaluate/street-footage.ts';
import { createModelRegistry, type ModelRegistry } from '../../models/registry.ts';
import { liveManifestPath } from '../../models/versions/live-manifest.ts';
import { CAMERA_MIN_SCORE } from '../../pipeline/cameras/camera-detector.ts';
import { startCameraSync, type CameraSync } from '../../pipeline/cameras/camera-sync.ts';
import { startCameraWorker, type CameraWorker } from '../../pipeline/cameras/camera-worker.ts';
import { createCaseReporter, type CaseReporter } from '../../pipeline/cases/reporter.ts';
import { startDispatchWorker, type DispatchWorker } from '../../pipeline/dispatch/worker.ts';
import { h264Video, startLoopbackRtspServer, stillVideo, type LoopbackRtspServer } from '../../pipeline/ingest/loopback-rtsp-server.ts';
import { freePort, waitForPort } from '../../infra/ports.ts';
import { startMetricsServer, type MetricsServer } from '../../pipeline/status/metrics-server.ts';
import { queueDepthGauge } from '../../pipeline/status/queue-depths.ts';
import { modelsForStatus, startStatusPublisher, type StatusPublisher } from '../../pipeline/status/worker-status.ts';
import { startSurveyWorker, type SurveyWorker } from '../../pipeline/survey/worker.ts';
import { runChangeDemo } from './change-demo.ts';
import { surveyApiClient, uploadSurveyImages } from '../../pipeline/survey/upload-folder.ts';
import { demoFieldKey, startDemoVerifier, statusChangeLine } from './field-loop.ts';
import { startDemoTraining } from './training-loop.ts';

export interface DemoPorts {
  /** API and reviewer page (default 8080). */
  api?: number;
  /** redis-server (default 6390, beside a system Redis on 6379). */
  redis?: number;
  /** Where cameras read RTSP (default 8554). */
  rtsp?: number;
  /** Where the publishers push (default 8555). */
  rtspPublish?: number;
  /** First UDP port of the RTP range (400 ports; default 21000). */
  rtp?: number;
  /** The workers' Prometheus /metrics (default 9464). */
  metrics?: number;
}

export interface DemoOptions {
  /** Default: DATA_DIR or data/ at the repo root. */
  dataDir?: string;
  /** 0 for any port: a free one is picked. */
  ports?: DemoPorts;
  /** Parking and vending dwell of the sample cameras (default 20 s; 10 is the least a camera may set). */
  dwellSeconds?: number;
  /** Upload the sample drone survey (default true). */
  survey?: boolean;
  /** Progress lines (default: console.log). */
  print?: (line: string) => void;
  /** Worker heartbeat interval for GET /v1/status (default 5000 ms). */
  statusIntervalMs?: number;
  /** How often new cases are looked for and announced (default 5000 ms; 0: never). */
  announceCasesMs?: number;
  /** How long after a camera case is handled the camera looks again (default 30 s; 0: verifier off). */
  verifyAfterSeconds?: number;
}

export interface RunningDemo {
  urls: { api: string; review: string; status: string; metrics: string; rtsp: string; redis: string; board: string; field: string; map: string; assessment: string; models: string };
  keys: { ingest: string; reviewer: string; operator: string; field: string; firstAdmin?: string };
  /** One line per violation type: analysed by … / not analysed: no model (…). */
  analysis: string[];
  /** Reviews of a type that call for a model here, and how the banner says it. */
  training: { afterReviews: number; describe: string };
  cameras: CameraConfig[];
  logFile: string;
  /** Child processes this demo runs (redis, the RTSP server and its publishers). */
  childPids(): number[];
  stop(): Promise<void>;
}

export const DEMO_CAMERA_FILES = ['dog-street.json', 'vtest-plaza.json', 'bus-stop-kerb.json'] as const;
/** The stream each sample camera reads from the loopback server. */
const DEMO_STREAMS: Record<string, string> = { 'demo-dog-street': 'dog-street', 'demo-vtest-plaza': 'vtest-plaza', 'demo-bus-stop': 'bus-stop' };
export const DEMO_SURVEY_NAME = 'Demo survey: OpenCV aero1.jpg + aero3.jpg (oblique aerials, no telemetry)';

/** Tears down, in reverse order, whatever was started; never throws. */
class Stack {
  private steps: Array<{ name: string; fn: () => Promise<unknown> }> = [];
  constructor(private log: Logger) {}
  push(name: string, fn: () => Promise<unknown>) {
    this.steps.push({ name, fn });
  }
  async unwind() {
    for (const step of this.steps.reverse()) {
      const t0 = Date.now();
      try {
        await withTimeout(step.fn(), 15_000, step.name);
        this.log.info({ step: step.name, ms: Date.now() - t0 }, 'demo: stopped');
      } catch (err) {
        this.log.error({ err: (err as Error).message, step: step.name }, 'demo: stop step failed');
      }
    }
    this.steps = [];
  }
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const print = options.print ?? ((line: string) => console.log(line));
  const dataDir = path.resolve(options.dataDir ?? process.env.DATA_DIR ?? path.join(REPO_ROOT, 'data'));
  const dwell = Math.max(10, Math.round(options.dwellSeconds ?? 20));
  const ports = options.ports ?? {};
  const port = async (value: number | undefined, fallback: number) => (value === 0 ? freePort() : (value ?? fallback));
  const logsDir = path.join(dataDir, 'logs');
  await mkdir(logsDir, { recursive: true });
  await mkdir(path.join(dataDir, 'redis'), { recursive: true });
  const mediaDir = path.join(dataDir, 'demo-media');
  await mkdir(mediaDir, { recursive: true });
  const logFile = path.join(logsDir, 'demo.log');
  const destination = pino.destination({ dest: logFile, append: true, mkdir: true, sync: true });
  const log = createLogger('demo', {}, destination);
  const logger = (component: string) => createLogger(component, {}, destination);
  const stack = new Stack(log);
  const children: ChildProcess[] = [];
  let rtsp: LoopbackRtspServer | undefined;
  // Last resort: if this process exits without stop() (a crash), no child is left behind.
  const killChildren = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const pid of rtsp?.pids() ?? []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
  process.on('exit', killChildren);
  stack.push('exit hook', async () => void process.off('exit', killChildren));

  try {
    // The sample footage, made once into data/demo-media while the servers start.
    const footage = demoFootage(mediaDir);
    footage.ready.catch(() => undefined);
    footage.composed.catch(() => undefined);
    // Work that runs on after start (the bus-stop footage, the sample survey): stop() waits for it.
    const background: Array<Promise<unknown>> = [];
    let stopping = false;

    // 1. Redis, ours: AOF on, its data beside the rest.
    const redisPort = await port(ports.redis, 6390);
    if (await isListening(redisPort)) throw new Error(`port ${redisPort} is taken (is another demo running?); pass another redis port`);
    const redisChild = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', path.join(dataDir, 'redis'), '--appendonly', 'yes', '--save', '', '--logfile', path.join(logsDir, 'redis.log')],
      { stdio: 'ignore', detached: true },
    );
    children.push(redisChild);
    stack.push('redis-server', () => stopChild(redisChild));
    await Promise.race([waitForPort(redisPort, 15_000), exitOf(redisChild, 'redis-server')]);
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    print(`redis      ${redisUrl}  (AOF in ${rel(path.join(dataDir, 'redis'))})`);
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    stack.push('redis connection', async () => redis.disconnect());

    // 2. The API.
    const api: EmbeddedApi = await startEmbeddedApi({
      dataDir,
      port: await port(ports.api, 8080),
      config: { surveys: { redisUrl }, logStream: destination, logLevel: 'info' },
    });
    stack.push('API', () => api.close());
    const operator = await localKey(api.app.db, path.join(dataDir, 'keys'), 'operator', 'embedded operator');
    const fieldKey = await demoFieldKey(api.app.db, path.join(dataDir, 'keys'), new Date());
    print(`API        ${api.url}  (PGlite and evidence in ${rel(dataDir)}/)`);

    // 3. Sample cameras on a loopback RTSP server.
    const videos = await footage.ready;
    rtsp = await startLoopbackRtspServer({
      clientPort: await port(ports.rtsp, 8554),
      publishPort: await port(ports.rtspPublish, 8555),
      rtpPortStart: ports.rtp ?? 21_000,
      detached: true,
    });
    const server = rtsp;
    stack.push('RTSP server', () => server.stop());
    for (const [stream, video] of Object.entries(videos)) await server.publish(stream, video);
    // Composed on the first start (several seconds of ffmpeg): published when ready, so the rest
    // need not wait; its camera retries until then.
    const busStop = footage.composed.then(async (video) => {
      if (stopping) return;
      await server.publish('bus-stop', video);
      print(`RTSP       ${server.url('bus-stop')} published (composed kerb with a bus stop, 90 s looped)`);
    });
    background.push(busStop.catch((err: Error) => {
      log.error({ err: err.message }, 'demo bus-stop footage failed');
      print(`RTSP       bus-stop footage failed: ${err.message}`);
    }));
    print(`RTSP       ${server.url('dog-street')} (darknet dog.jpg, looped), ${server.url('vtest-plaza')} (OpenCV vtest.avi, looped), ${server.url('bus-stop')} (published once its composed footage is ready)`);

    // 4. The cameras, registered through the API as an operator would.
    const cameras: CameraConfig[] = [];
    for (const file of DEMO_CAMERA_FILES) {
      const camera = demoCamera(JSON.parse(await readFile(path.join(REPO_ROOT, 'samples/cameras', file), 'utf8')), server, dwell);
      const res = await fetch(`${api.url}/v1/cameras/${camera.id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify(camera),
      });
      if (!res.ok) throw new Error(`PUT /v1/cameras/${camera.id}: ${res.status} ${await res.text()}`);
      cameras.push(camera);
    }
    print(`cameras    ${cameras.map((c) => c.id).join(', ')} registered through PUT /v1/cameras (zones included)`);

    // 5. Workers. Models: one registry for the camera path (one thread per session, a low score
    // floor for the tracker, the plate reader for parking cases), one for drone images.
    // Both read the manifest the API rewrote at start (DATA_DIR/models/manifest.json), so a version
    // promoted on the models page or by the training job reaches them without a restart.
    const modelsDir = path.join(dataDir, 'models');
    const cameraModels: ModelRegistry = await createModelRegistry({
      manifestPath: liveManifestPath(modelsDir),
      detector: { threads: 1, thresholds: { default: CAMERA_MIN_SCORE } },
      logger: logger('models'),
    });
    stack.push('camera models', () => cameraModels.close());
    const names = new Map(cameras.map((c) => [c.id, c]));
    const cameraReporter: CaseReporter = createCaseReporter({
      redisUrl,
      objects: api.app.objects,
      logger: logger('cases'),
      source: (id) => {
        const c = names.get(id);
        return c ? { name: c.name ?? c.id, kind: 'camera', timezone: c.timezone } : undefined;
      },
      modelSha256: (id) => cameraModels.current().manifest.models.find((m) => m.id === id)?.sha256,
      plateReader: () => cameraModels.current().plateReader,
      classifiers: () => cameraModels.current().classifiers,
    });
    stack.push('camera case reporter', () => cameraReporter.close());

    const workerMetrics = new Registry();
    const metricsPort = await port(ports.metrics, 9464);
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const statusInterval = options.statusIntervalMs ?? 5000;
    const cameraWorker: CameraWorker = await startCameraWorker({
      redisUrl,
      sink: cameraReporter.sink,
      registry: cameraModels,
      logger: logger('camera-worker'),
      status: { intervalMs: statusInterval, metricsUrl },
      onCamera: ({ cameraId, watching }) => print(`camera     ${cameraId}: ${watching ? 'watching' : 'released'}`),
    });
    stack.push('camera worker', () => cameraWorker.close());
    queueDepthGauge(workerMetrics, redis);
    const metrics: MetricsServer = await startMetricsServer([cameraWorker.metrics.registry, workerMetrics], metricsPort);
    stack.push('metrics server', () => metrics.close());

    const sync: CameraSync = startCameraSync({
      api: { url: api.url, key: api.keys.ingest },
      redisUrl,
      logger: logger('camera-sync'),
      onChange: ({ camera, action }) => log.info({ camera, action }, 'camera queue updated from the API'),
    });
    stack.push('camera sync', () => sync.close());
    await sync.sync();

    const dispatch: DispatchWorker = startDispatchWorker({ redisUrl, api: { url: api.url, key: api.keys.ingest }, logger: logger('dispatch') });
    stack.push('dispatch worker', () => dispatch.close());
    const dispatchStatus: StatusPublisher = startStatusPublisher({ redis, kind: 'dispatch', intervalMs: statusInterval, snapshot: () => ({}) });
    stack.push('dispatch status', () => dispatchStatus.close());

    const surveyModels = await createModelRegistry({ manifestPath: liveManifestPath(modelsDir), aerialDetectors: true, plateReader: false, logger: logger('models') });
    stack.push('survey models', () => surveyModels.close());
    const surveyReporter = createCaseReporter({
      redisUrl,
      objects: api.app.objects,
      logger: logger('cases'),
      modelSha256: (id) => surveyModels.current().manifest.models.find((m) => m.id === id)?.sha256,
      classifiers: () => surveyModels.current().classifiers,
    });
    stack.push('survey case reporter', () => surveyReporter.close());
    const surveyWorker: SurveyWorker = startSurveyWorker({
      redisUrl,
      api: { url: api.url, key: api.keys.ingest },
      objects: api.app.objects,
      registry: surveyModels,
      cases: surveyReporter.deps,
      logger: logger('survey-worker'),
    });
    stack.push('survey worker', () => surveyWorker.close());
    // Training from reviews, at demo scale (training-loop.ts): after a few reviews of a type (labels
    // of an attribute) a model is trained on their crops and promoted if it is better.
    const training = startDemoTraining({ api, modelsDir, redisUrl, logger: logger('training'), print });
    stack.push('training', () => training.service.close());
    print(`training   a new model after ${training.afterReviews} reviews of a type or labels of an attribute (${training.describe})`);
    const surveyStatus = startStatusPublisher({ redis, kind: 'survey', intervalMs: statusInterval, snapshot: () => ({ models: modelsForStatus(surveyModels.status()) }) });
    stack.push('survey status', () => surveyStatus.close());
    const verifyAfter = options.verifyAfterSeconds ?? 30;
    if (verifyAfter > 0) {
      const verifier = await startDemoVerifier({ apiUrl: api.url, ingestKey: api.keys.ingest, objects: api.app.objects, models: cameraModels, lookAfterSeconds: verifyAfter, print, logger: logger('verifier') });
      stack.push('verifier', () => verifier.stop());
    }
    print(`workers    camera worker (up to 8 cameras), dispatch worker, survey worker${verifyAfter > 0 ? `, verifier (looks again ${verifyAfter} s after handling)` : ''}; Prometheus ${metricsUrl}`);

    // 6. A sample drone survey (resumable: a second run finds it and uploads nothing again).
    if (options.survey !== false) {
      const task = uploadDemoSurvey(api.url, operator, api.keys.reviewer, print, () => stopping).catch((err: Error) => {
        log.error({ err: err.message }, 'demo survey upload failed');
        print(`survey     upload failed: ${err.message}`);
      });
      background.push(task);
      // Survey against survey: two orthomosaics made from the sample images, a new block raised as a case.
      const change = runChangeDemo({ apiUrl: api.url, operatorKey: operator, reviewerKey: api.keys.reviewer, dataDir, objects: api.app.objects, reporter: surveyReporter, print, logger: logger('change') }).catch((err: Error) => {
        log.error({ err: err.message }, 'demo survey comparison failed');
        print(`change     comparison failed: ${err.message}`);
      });
      background.push(change);
    }

    // 7. New cases, announced as they arrive.
    // Status per case, so a case coming back (a new sighting after handling) is announced too.
    const seen = new Map<number, string>();
    let announcer: NodeJS.Timeout | undefined;
    if (options.announceCasesMs !== 0) {
      const announce = async () => {
        const res = await fetch(`${api.url}/v1/cases?limit=100&sort=oldest`, { headers: { authorization: `Bearer ${api.keys.reviewer}` } });
        if (!res.ok) return;
        for (const c of ((await res.json()) as { items: CaseSummary[] }).items) {
          const before = seen.get(c.id);
          seen.set(c.id, c.status);
          if (before !== undefined) {
            const line = statusChangeLine(c, before);
            if (line) print(line);
            continue;
          }
          print(`case       #${c.id} ${c.type} at ${c.source.id}${c.zoneId ? ` / ${c.zoneId}` : ''}${c.plate ? `, plate: ${c.plate}` : ''} (${c.status}, ${c.observationCount} sighting${c.observationCount === 1 ? '' : 's'})`);
        }
      };
      // Cases already in the store (an earlier run) are listed once, then new ones as they come.
      await announce().catch(() => undefined);
      announcer = setInterval(() => void announce().catch(() => undefined), options.announceCasesMs ?? 5000);
      announcer.unref?.();
    }
    stack.push('background tasks', async () => {
      stopping = true;
      clearInterval(announcer);
      await Promise.allSettled(background);
    });

    const analysis = cameraModels.current().analysable.map(describeAnalysis);
    return {
      urls: {
        api: api.url,
        review: `${api.url}/review/#key=${api.keys.reviewer}`,
        board: `${api.url}/review/board.html#key=${api.keys.reviewer}`,
        field: `${api.url}/field/#key=${fieldKey}`,
        map: `${api.url}/review/map.html#key=${api.keys.reviewer}`,
        assessment: `${api.url}/review/assessment.html#key=${api.keys.reviewer}`,
        models: `${api.url}/review/models.html`,
        status: `${api.url}/v1/status`,
        metrics: metricsUrl,
        rtsp: server.url(''),
        redis: redisUrl,
      },
      keys: { ingest: api.keys.ingest, reviewer: api.keys.reviewer, operator, field: fieldKey, ...(api.firstAdminKey ? { firstAdmin: api.firstAdminKey } : {}) },
      analysis,
      training: { afterReviews: training.afterReviews, describe: training.describe },
      cameras,
      logFile,
      childPids: () => [...children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => c.pid!), ...server.pids()],
      async stop() {
        await stack.unwind();
        destination.flushSync();
      },
    };
  } catch (err) {
    log.error({ err: (err as Error).message }, 'demo failed to start');
    await stack.unwind();
    throw err;
  }
}

interface CaseSummary {
  id: number;
  type: string;
  status: string;
  source: { kind: string; id: string; name: string | null };
  zoneId?: string | null;
  plate?: string | null;
  observationCount: number;
}

/**
 * A sample camera file made into a demo camera: read from the loopback server (over UDP, all that
 * server offers), dwell times cut to `dwell` seconds, zone schedules dropped so the demo finds the
 * parked truck at any hour, and a detector pass every 3 s even on a still picture.
 */
export function demoCamera(raw: CameraConfig, server: LoopbackRtspServer, dwell: number): CameraConfig {
  const stream = DEMO_STREAMS[raw.id];
  if (!stream) throw new Error(`demo camera ${raw.id}: no demo stream for it (known: ${Object.keys(DEMO_STREAMS).join(', ')})`);
  const shortened = (rules: CameraConfig['rules']): CameraConfig['rules'] => {
    if (!rules) return rules;
    const out: NonNullable<CameraConfig['rules']> = {};
    for (const [type, r] of Object.entries(rules) as Array<[keyof NonNullable<CameraConfig['rules']>, NonNullable<CameraConfig['rules']>[keyof NonNullable<CameraConfig['rules']>]]>) {
      const copy = { ...r };
      if (copy?.dwellSeconds !== undefined) copy.dwellSeconds = dwell;
      if (copy?.warnAfterSeconds !== undefined) copy.warnAfterSeconds = Math.max(5, Math.floor(dwell / 2));
      out[type] = copy;
    }
    return out;
  };
  const camera: CameraConfig = {
    ...raw,
    name: `${(raw.name ?? raw.id).replace(/ \(replay.*\)$/, '')} — demo dwell ${dwell} s`,
    url: server.url(stream),
    analysis: { ...raw.analysis, fps: 2, width: 768, fullPassSeconds: 3, stallSeconds: 10, rtspTransport: 'udp' },
    rules: { ...shortened(raw.rules), illegal_parking: { ...raw.rules?.illegal_parking, dwellSeconds: dwell, warnAfterSeconds: Math.max(5, Math.floor(dwell / 2)) } },
    zones: raw.zones.map(({ schedule: _schedule, ...z }) => ({ ...z, ...(z.rules ? { rules: shortened(z.rules) } : {}) })),
  };
  return parseCameraConfig(camera, `demo camera ${raw.id}`);
}

/**
 * The sample cameras' videos, made from Debian's sample media on the first start and kept:
 * dog.jpg as a still stream, vtest.avi re-encoded to H.264, and the bus-stop kerb composed from
 * real vehicle photos (models/evaluate/street-footage.ts): five cars park and five buses wait at
 * the stops of two kerbs, each long enough to be raised. Reviewers reject the buses (waiting at a stop is not
 * parking): the false alarm a verdict model learns from. Each file is written under a temporary
 * name and renamed (the composed one too), so a start stopped half-way never leaves a broken video behind.
 */
function demoFootage(mediaDir: string): { ready: Promise<Record<string, string>>; composed: Promise<string> } {
  const made = async (file: string, make: (tmp: string) => Promise<unknown>) => {
    const out = path.join(mediaDir, file);
    if (existsSync(out)) return out;
    const tmp = path.join(mediaDir, `.partial-${file}`);
    await make(tmp);
    await rename(tmp, out);
    return out;
  };
  // Named by a hash of the composition, its pictures and the renderer (footage-cache.ts): a changed
  // composition is composed again, never an earlier one replayed.
  const composed = loadFootagePlan(path.join(REPO_ROOT, BUS_STOP_FOOTAGE)).then((plan) => cachedFootage(plan, path.join(mediaDir, 'composed')));
  const ready = (async () => ({
    'dog-street': await made('dog-street.mp4', (tmp) => stillVideo(samplePath('darknet/dog.jpg'), tmp, 10)),
    'vtest-plaza': await made('vtest-plaza.mp4', (tmp) => h264Video(samplePath('opencv/vtest.avi'), tmp)),
  }))();
  return { ready, composed };
}

/** The composition of the bus-stop camera's footage. */
export const BUS_STOP_FOOTAGE = 'samples/scenarios/street/bus-stop-kerb.json';

async function uploadDemoSurvey(apiUrl: string, key: string, reviewerKey: string, print: (line: string) => void, stopping: () => boolean): Promise<void> {
  const client = surveyApiClient(apiUrl, key);
  const existing = (await client.call<{ items: Array<{ id: string | number; name: string }> }>('GET', '/v1/surveys')).items.find((s) => s.name === DEMO_SURVEY_NAME);
  const images = [samplePath('opencv/aero1.jpg'), samplePath('opencv/aero3.jpg')];
  const result = await uploadSurveyImages({
    api: apiUrl,
    key,
    images,
    survey: existing ? { id: String(existing.id) } : { create: { name: DEMO_SURVEY_NAME } },
  });
  print(`survey     #${result.surveyId} "${DEMO_SURVEY_NAME}": ${result.sent} uploaded, ${result.already} already there${result.refused.length ? `, refused: ${result.refused.join('; ')}` : ''}`);
  type Report = {
    progress: { done: number; failed: number; complete: boolean };
    cases: { found: number };
    images?: Array<{ fileName: string; status: string; error?: string; geolocated?: boolean; notGeolocated?: string; detections: unknown[] }>;
  };
  for (;;) {
    if (stopping()) return;
    const report = await client.call<Report>('GET', `/v1/surveys/${result.surveyId}?images=true`);
    if (report.progress.complete) {
      for (const img of report.images ?? []) {
        print(`survey     ${img.fileName}: ${img.status}${img.error ? ` — ${img.error}` : ''}; ${img.geolocated ? 'geolocated' : `not geolocated — ${img.notGeolocated ?? 'no telemetry'}`}; ${img.detections.length} detections`);
      }
      print(`survey     #${result.surveyId} analysed: ${report.progress.done} images, ${report.cases.found} cases (no telemetry: nothing can be put on the map)`);
      // Images without a case are still worth a reviewer's boxes: they are what an aerial model learns from.
      print(`survey     review and correct its images: ${apiUrl}/review/survey.html#survey=${result.surveyId}&key=${reviewerKey}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function rel(p: string): string {
  return path.relative(process.cwd(), p) || '.';
}

function isListening(port: number): Promise<boolean> {
  return waitForPort(port, 0).then(
    () => true,
    () => false,
  );
}

function exitOf(child: ChildProcess, name: string): Promise<never> {
  return new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`${name} exited (${code}) at start; see data/logs/`))));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // redis-server writes its AOF and exits on SIGTERM.
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no stop within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
