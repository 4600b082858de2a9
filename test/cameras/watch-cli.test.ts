// `npm run watch` as a user runs it, on the sample camera config and OpenCV's vtest.avi: JSON
// lines for the van standing in the service lane, none for the walkers, and clear errors for a
// bad camera config.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { REPO_ROOT, samplePath } from '../support/samples.ts';

const run = promisify(execFile);
const watch = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/watch.ts'), ...args], { cwd: REPO_ROOT, env: { ...process.env, LOG_LEVEL: 'warn' } });

it('prints warnings and violations as JSON lines until the file ends', async () => {
  const { stdout } = await watch(samplePath('opencv/vtest.avi'), '--camera', 'samples/cameras/vtest-plaza.json', '--start', '2026-05-04T10:00:00+08:00');
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.filter((l) => l.type === 'street_vending')).toEqual([]);
  const violations = lines.filter((l) => l.kind === 'violation');
  expect(violations.length).toBeGreaterThanOrEqual(1);
  for (const v of violations) {
    expect(v).toMatchObject({ type: 'illegal_parking', camera: 'demo-vtest-plaza', zone: 'service-lane' });
    expect(typeof v.trackId).toBe('number');
    expect(['car', 'truck', 'bus']).toContain(v.label);
    expect((Date.parse(v.confirmedAt as string) - Date.parse(v.firstSeen as string)) / 1000).toBeGreaterThanOrEqual(30);
    expect(v.box).toHaveLength(4);
    expect(v.score).toBeGreaterThan(0);
  }
  // One violation per vehicle, each after its warning.
  const ids = violations.map((v) => v.trackId);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(lines.findIndex((l) => l.kind === 'warning' && l.trackId === id)).toBeLessThan(lines.findIndex((l) => l.kind === 'violation' && l.trackId === id));
});

it('refuses a bad camera config with the file, camera, zone and field', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'watch-cli-'));
  try {
    const file = path.join(dir, 'cam.json');
    await writeFile(file, JSON.stringify({ id: 'c1', url: 'rtsp://127.0.0.1/x', zones: [{ id: 'kerb', kind: 'no_parking', polygon: [[0, 0], [1, 0], [1, 2]] }] }));
    const error = await watch(samplePath('opencv/vtest.avi'), '--camera', file).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error?.code).toBe(2);
    expect(error?.stderr).toContain(`${file}: camera "c1", zone "kerb", polygon[2][1]: must be a number from 0 to 1`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
