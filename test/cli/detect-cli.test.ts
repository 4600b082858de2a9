// The `detect` command as a user runs it: real process, real files, stdout JSON lines, exit code.
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultModel } from '../support/default-detector.ts';
import { samplePath } from '../support/samples.ts';
import { runScript } from '../support/run-script.ts';

const runDetect = (args: string[]) => runScript('scripts/detect.ts', args);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'detect-cli-'));
});

describe('npm run detect', () => {
  it('prints one JSON object per image and writes annotated copies', async () => {
    const out = path.join(dir, 'out');
    const { code, stdout, stderr } = await runDetect([samplePath('darknet/dog.jpg'), samplePath('darknet/person.jpg'), '--out', out]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ image: samplePath('darknet/dog.jpg'), width: 768, height: 576 });
    expect(lines[0].detections.map((d: { label: string }) => d.label)).toContain('dog');
    const d = lines[0].detections[0];
    expect(Object.keys(d).sort()).toEqual(['box', 'label', 'modelId', 'modelSha256', 'score']);
    expect(d.modelSha256).toBe((await defaultModel()).sha256);
    expect(d.box).toHaveLength(4);
    expect((await readdir(out)).sort()).toEqual(['dog.jpg', 'person.jpg']);
    const meta = await sharp(await readFile(path.join(out, 'dog.jpg'))).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 768, 576]);
  });

  it('reports each bad file by name, goes on with the good ones and exits non-zero', async () => {
    const empty = path.join(dir, 'empty.jpg');
    const text = path.join(dir, 'readme.txt');
    await writeFile(empty, '');
    await writeFile(text, 'hello');
    const good = samplePath('darknet/dog.jpg');
    const { code, stdout, stderr } = await runDetect([empty, good, text, path.join(dir, 'missing.jpg')]);
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.image)).toEqual([empty, good, text, path.join(dir, 'missing.jpg')]);
    expect(lines[0].error).toBe(`${empty}: empty file (0 bytes)`);
    expect(lines[1].detections.length).toBeGreaterThan(0);
    expect(lines[2].error).toMatch(/readme\.txt: not a readable image/);
    expect(lines[3].error).toMatch(/missing\.jpg: no such file/);
    expect(stderr).toContain('3 of 4 images failed');
  });

  it('refuses a bad threshold before loading anything', async () => {
    const { code, stderr } = await runDetect([samplePath('darknet/dog.jpg'), '--threshold', 'stall=0.5']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/threshold for "stall": model nanodet-coco-416 has no such label/);
  });
});
