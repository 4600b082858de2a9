// The main command's flow (npm start → scripts/demo/run-demo.ts), headless, against the sample
// inputs: a real redis-server, the API on PGlite, the loopback RTSP cameras, the camera, dispatch
// and survey workers. Cases must arrive (the parked pick-up in dog.jpg as an illegal_parking case
// with a plate field), GET /v1/status must report the cameras streaming, and a restart of the whole
// demo on the same data folder must keep the cases without a second case for the same truck.
import { expect, it } from 'vitest';
import type { RunningDemo } from '../../scripts/demo/run-demo.ts';
import { testDemo } from '../support/demo.ts';
import { until } from '../support/until.ts';

const run = testDemo('demo');

interface CaseItem {
  id: number;
  type: string;
  status: string;
  source: { id: string };
  zoneId: string | null;
  plate: string | null;
  observationCount: number;
}

async function cases(d: RunningDemo): Promise<CaseItem[]> {
  const res = await fetch(`${d.urls.api}/v1/cases?limit=200&sort=oldest`, { headers: { authorization: `Bearer ${d.keys.reviewer}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: CaseItem[] }).items;
}

const truckCases = (items: CaseItem[]) => items.filter((c) => c.type === 'illegal_parking' && c.source.id === 'demo-dog-street');

it('runs the whole product: cases arrive with a plate field, status shows streaming cameras, a restart keeps the cases', async () => {
  let demo: RunningDemo = await run.start();
  expect(demo.urls.review).toMatch(/\/review\/#key=cgk_/);
  expect(demo.keys.firstAdmin).toMatch(/^cgk_/);
  expect(demo.analysis.find((l) => l.startsWith('exposed_garbage'))).toContain('not analysed: no model');
  expect(demo.analysis.find((l) => l.startsWith('illegal_parking'))).toContain('analysed by');

  // The parked pick-up: one illegal_parking case with a plate field (read, or "unreadable: why").
  await until(async () => truckCases(await cases(demo)).length > 0, 90_000, 'the parked truck case');
  const [truck] = truckCases(await cases(demo));
  expect(truck!.zoneId).toBe('kerb-no-parking');
  expect(truck!.plate).toBeTruthy();
  expect(truck!.plate).toMatch(/^(unreadable: .+|[^\s]{7,8})$/);

  // The status endpoint: both cameras streaming, held by a worker; queues and models listed.
  const status = async (d: RunningDemo) => {
    const res = await fetch(d.urls.status, { headers: { authorization: `Bearer ${d.keys.reviewer}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as {
      cameras: Array<{ id: string; state: string; worker: string | null; fps?: number }>;
      workers: Array<{ kind: string; cameras: string[] }>;
      queues: Record<string, { waiting: number; active: number }>;
      notAnalysed: string[];
      models: unknown[];
    };
  };
  // The bus-stop camera streams once its footage is composed (in the background on a first start).
  await until(async () => (await status(demo)).cameras.every((c) => c.state === 'streaming'), 90_000, 'cameras streaming in /v1/status');
  const s = await status(demo);
  const cameraIds = ['demo-bus-stop', 'demo-dog-street', 'demo-vtest-plaza'];
  expect(s.cameras.map((c) => c.id).sort()).toEqual(cameraIds);
  expect(s.workers.find((w) => w.kind === 'camera')!.cameras.sort()).toEqual(cameraIds);
  expect(s.workers.map((w) => w.kind).sort()).toEqual(['camera', 'dispatch', 'survey']);
  expect(s.queues['camera-streams']!.active).toBe(3);
  expect(s.notAnalysed).toEqual(expect.arrayContaining(['exposed_garbage', 'illegal_construction', 'uncovered_muck_truck']));
  expect(JSON.stringify(s)).not.toMatch(/CHANGE_ME|s3cret/);
  // The worker's Prometheus endpoint.
  const metrics = await (await fetch(demo.urls.metrics)).text();
  expect(metrics).toMatch(/camera_frames_detected_total\{camera="demo-dog-street"\} [1-9]/);
  expect(metrics).toMatch(/queue_jobs\{queue="camera-streams",state="active"\} 3/);
  expect(metrics).toContain('detector_inference_seconds_bucket');

  const before = await cases(demo);
  const pids = demo.childPids();
  expect(pids.length).toBeGreaterThanOrEqual(5); // redis, the RTSP server, three publishers
  await run.stop();
  // Nothing left behind.
  for (const pid of pids) expect(alive(pid), `pid ${pid} still running`).toBe(false);

  // Again, on the same data: the cases are there, the truck is seen again and merged, not duplicated.
  demo = await run.start();
  expect(demo.keys.firstAdmin).toBeUndefined();
  const kept = await cases(demo);
  expect(kept.map((c) => c.id)).toEqual(expect.arrayContaining(before.map((c) => c.id)));
  await until(async () => (truckCases(await cases(demo))[0]?.observationCount ?? 0) > truck!.observationCount, 90_000, 'the truck seen again after the restart');
  expect(truckCases(await cases(demo))).toHaveLength(1);
}, 300_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
