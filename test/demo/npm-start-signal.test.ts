// `npm start` as a supervisor runs it: the signal goes to the npm process alone, not to its process
// group. npm forwards it to its one child, the shell of the "start" line; that shell must have
// become tsx (`exec`), or the signal ends the shell and leaves the demo, redis-server, ffmpeg and the
// RTSP server running as orphans. Every process under npm must be gone once npm has exited.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/samples.ts';
import { until } from '../support/until.ts';

let dir: string;
let npm: ChildProcess | undefined;
let leftovers: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'npm-start-'));
});
afterAll(async () => {
  // Only if the test failed: leave nothing of ours running.
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  if (npm?.pid && npm.exitCode === null) npm.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** Every process below `root`, from /proc: the demo, tsx, redis-server, ffmpeg, the RTSP server. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid …": comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {} // gone meanwhile
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(root);
  return found;
}

const alive = (pid: number) => {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return state.slice(state.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

async function startAndSignal(signal: 'SIGTERM' | 'SIGINT') {
  // Its own session, like a service under a supervisor: nothing reaches it but what we send to npm.
  npm = spawn('npm', ['start', '--', '--port', '0', '--redis-port', '0', '--rtsp-port', '0', '--metrics-port', '0', '--no-survey'], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'warn' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  npm.stdout!.on('data', (d) => (out += d));
  npm.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => npm!.on('exit', (code) => resolve(code)));
  await until(async () => out.includes('Ready in') || npm!.exitCode !== null, 240_000, 'the demo to be ready');
  expect(out).toContain('Ready in');
  const tree = descendants(npm.pid!);
  leftovers = tree;
  const names = tree.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
  expect(names.some((n) => n.startsWith('redis-server'))).toBe(true);
  expect(names.some((n) => n.includes('ffmpeg'))).toBe(true);
  expect(names.some((n) => n.includes('loopback-rtsp-server'))).toBe(true);

  process.kill(npm.pid!, signal);
  const code = await exited;
  await until(async () => tree.every((pid) => !alive(pid)), 30_000, 'every process under npm to end').catch((err: Error) => {
    const left = tree.filter(alive).map((pid) => `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    throw new Error(`${err.message}; still running: ${left.join('; ')}\n${out}`);
  });
  leftovers = [];
  return { code, out };
}

it('stops everything when npm itself receives SIGTERM, then SIGINT', { timeout: 600_000 }, async () => {
  const term = await startAndSignal('SIGTERM');
  expect(term.out).toContain('SIGTERM: stopping');
  expect(term.out).toContain('stopped.');
  // The same again on the same data (cases and keys kept), stopped as Ctrl-C would stop npm alone.
  const int = await startAndSignal('SIGINT');
  expect(int.out).toContain('SIGINT: stopping');
  expect(int.out).toContain('stopped.');
  expect([term.code, int.code]).toEqual([0, 0]);
});
