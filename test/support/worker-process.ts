// A real camera worker process (scripts/camera-worker.ts) for tests of what happens between workers:
// its JSON event lines are kept, with the cameras it is watching now. It runs in its own process
// group, so killing the group takes its ffmpeg children with it, as a machine failure would.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from './samples.ts';

export interface WorkerProcess {
  child: ChildProcess;
  /** Cameras between its `watching` and `released` events. */
  watching: Set<string>;
  events: Array<Record<string, unknown>>;
}

/** Starts `scripts/camera-worker.ts --redis URL --lock-seconds 6 --max-cameras 4`, logging warnings only. */
export function startCameraWorker(redisUrl: string, env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/camera-worker.ts'), '--redis', redisUrl, '--lock-seconds', '6', '--max-cameras', '4'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
  });
  const w: WorkerProcess = { child, watching: new Set(), events: [] };
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const e = JSON.parse(line) as Record<string, unknown>;
    w.events.push(e);
    if (e.event === 'watching') w.watching.add(e.camera as string);
    if (e.event === 'released') w.watching.delete(e.camera as string);
  });
  return w;
}

/** SIGKILL to the worker's whole process group; resolves when it has exited. */
export function killWorkerGroup(w: WorkerProcess): Promise<void> {
  return new Promise((resolve) => {
    if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
    w.child.once('exit', () => resolve());
    process.kill(-w.child.pid!, 'SIGKILL');
  });
}
