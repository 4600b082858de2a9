// The demo (scripts/demo/run-demo.ts) as the demo tests run it: a temporary data folder, free
// ports for every server, demo dwell 10 s, quick status beats, no case announcements; stopped and
// removed after the file's tests, whatever they left running.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { startDemo, type DemoOptions, type RunningDemo } from '../../scripts/demo/run-demo.ts';
import { freePort } from './ports.ts';

export interface TestDemo {
  /** The options every start of this file's demo uses (same folder and ports: a restart reuses them). */
  options: DemoOptions & { dataDir: string };
  /** The progress lines the demo printed. */
  lines: string[];
  start(): Promise<RunningDemo>;
  /** Stops the running demo (a later start() begins again on the same data). */
  stop(): Promise<void>;
}

/** Call at the top of a test file; `extra` adds or overrides options (e.g. survey: false). */
export function testDemo(prefix: string, extra: Partial<DemoOptions> = {}): TestDemo {
  let running: RunningDemo | undefined;
  let options: TestDemo['options'] | undefined;
  const lines: string[] = [];
  afterAll(async () => {
    await running?.stop();
    if (options) await rm(options.dataDir, { recursive: true, force: true });
  });
  const self: TestDemo = {
    get options() {
      if (!options) throw new Error('testDemo: start() it first');
      return options;
    },
    lines,
    async start() {
      options ??= {
        dataDir: await mkdtemp(path.join(os.tmpdir(), `${prefix}-`)),
        ports: { api: await freePort(), redis: await freePort(), rtsp: await freePort(), rtspPublish: await freePort(), metrics: await freePort(), rtp: 30_000 + 2 * Math.floor(Math.random() * 5000) },
        dwellSeconds: 10,
        statusIntervalMs: 1000,
        announceCasesMs: 0,
        print: (l: string) => void lines.push(l),
        ...extra,
      };
      running = await startDemo(options);
      return running;
    },
    async stop() {
      await running?.stop();
      running = undefined;
    },
  };
  return self;
}
