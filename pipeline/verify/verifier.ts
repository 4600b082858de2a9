// The verifier: every interval it asks the API which camera cases have been handled for
// `lookAfterSeconds`, looks at each again (look-again.ts) and reports what it saw. A camera that
// gives no frame is tried again on the next round; the case waits in `handled` for a person
// meanwhile, who can always verify by hand. Works with an ingest key, like every worker.
import type { CameraConfig } from '../../contracts/camera.ts';
import type { Box } from '../../contracts/types.ts';
import type { Logger } from '../../infra/logger.ts';
import { resolveCameraUrl } from '../../infra/camera-secrets.ts';
import type { CameraSecrets } from '../cameras/camera-secret-source.ts';
import { cameraFromAnswer, type CameraAnswer } from '../cameras/camera-sync.ts';
import { lookAgain, type LookAgainDeps } from './look-again.ts';

export interface VerifierOptions extends LookAgainDeps {
  apiUrl: string;
  key: string;
  /** How long after handling the camera looks (default 60 s). */
  lookAfterSeconds?: number;
  /** How often it asks for cases (default 15 s). */
  intervalMs?: number;
  /** The URL ffmpeg opens for a camera (secrets resolved), or an error why there is none. */
  resolveUrl: (camera: CameraConfig) => { url: string } | { error: string };
  logger?: Logger;
  /** Told each outcome (the demo announces them). */
  onResult?: (result: { caseId: number; outcome: 'gone' | 'still_there'; to: string }) => void;
}

export interface Verifier {
  /** One round: returns how many cases were looked at. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

interface DueCase {
  id: number;
  type: string;
  cameraId: string;
  box: Box;
}

export function startVerifier(options: VerifierOptions, loop = true): Verifier {
  const headers = { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' };
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${options.apiUrl}${path}`, { ...init, headers });
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    return { status: res.status, body };
  };
  let stopped = false;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function one(c: DueCase): Promise<void> {
    const cam = await call(`/v1/cameras/${encodeURIComponent(c.cameraId)}`);
    if (cam.status !== 200) {
      options.logger?.warn({ caseId: c.id, camera: c.cameraId, status: cam.status }, 'camera of a handled case is not known to the API; a person must verify');
      return;
    }
    // The API masks a literal password in `url`; an ingest key also gets it sealed, which the
    // worker opens with the camera secret key.
    const camera = cameraFromAnswer(cam.body as unknown as CameraAnswer);
    const resolved = options.resolveUrl(camera);
    if ('error' in resolved) {
      options.logger?.warn({ caseId: c.id, camera: c.cameraId, problem: resolved.error }, 'cannot open the camera to look again');
      return;
    }
    const report = await lookAgain(c, { ...camera, url: resolved.url }, options);
    const posted = await call(`/v1/cases/${c.id}/look-again`, { method: 'POST', body: JSON.stringify(report) });
    if (posted.status === 200) {
      options.logger?.info({ caseId: c.id, outcome: report.outcome, to: posted.body?.to }, 'looked again at a handled case');
      options.onResult?.({ caseId: c.id, outcome: report.outcome, to: String(posted.body?.to) });
    } else if (posted.status === 409) {
      options.logger?.info({ caseId: c.id, status: posted.body?.status }, 'case moved on before the camera looked (a person decided)');
    } else {
      options.logger?.warn({ caseId: c.id, status: posted.status, message: posted.body?.message }, 'the API refused the look-again report');
    }
  }

  async function round(): Promise<number> {
    const due = await call(`/v1/verification/due?lookAfterSeconds=${options.lookAfterSeconds ?? 60}`, { method: 'GET' });
    if (due.status !== 200) throw new Error(`GET /v1/verification/due answered ${due.status}: ${String(due.body?.message ?? '')}`);
    const items = (due.body?.items ?? []) as DueCase[];
    for (const c of items) {
      if (stopped) break;
      try {
        await one(c);
      } catch (err) {
        options.logger?.warn({ caseId: c.id, camera: c.cameraId, err: (err as Error).message }, 'looking again failed; tried again next round');
      }
    }
    return items.length;
  }

  const runOnce = () => {
    running ??= round().finally(() => (running = undefined));
    return running;
  };
  const schedule = () => {
    if (stopped || !loop) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((err) => options.logger?.warn({ err: (err as Error).message }, 'verifier round failed'))
        .finally(schedule);
    }, options.intervalMs ?? 15_000);
  };
  schedule();
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}

/** The camera workers' way to the URL ffmpeg opens: secret names and sealed passwords resolved in this process. */
export function urlResolver(secrets: CameraSecrets): (camera: CameraConfig) => { url: string } | { error: string } {
  return (camera) => resolveCameraUrl(camera.url, camera.id, secrets.key, secrets.source.lookup());
}
