// `npm run eval -- detect` as a user runs it, on real labelled photos (labelme's VOC examples).
import { mkdtemp, readFile, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, samplePath } from '../support/samples.ts';
import { runScript } from '../support/run-script.ts';

const runEval = (args: string[]) => runScript('scripts/eval.ts', args);

const annotated = () => path.dirname(samplePath('labelme/annotated/2011_000025.jpg'));
const vocMap = path.join(REPO_ROOT, 'models/evaluate/label-maps/voc-to-coco.json');

describe('npm run eval -- detect', () => {
  it('evaluates the default detector on labelme annotations, as a table and as JSON with an HTML report', async () => {
    const html = path.join(await mkdtemp(path.join(os.tmpdir(), 'eval-')), 'report.html');
    const { code, stdout, stderr } = await runEval(['detect', '--images', annotated(), '--labels', annotated(), '--label-map', vocMap, '--json', '--html', html]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/dataset: 3 images, 9 boxes \(labelme\)/);
    const report = JSON.parse(stdout);
    const [model] = report.models;
    expect(model.modelId).toBe('nanodet-coco-416');
    expect(model.images).toBe(3);
    const byLabel = Object.fromEntries(model.evaluation.perLabel.map((l: { label: string }) => [l.label, l]));
    expect(Object.keys(byLabel).sort()).toEqual(['bus', 'car', 'person']);
    expect(byLabel.person.objects).toBe(6);
    // The photos are ordinary street and group shots: a working COCO detector finds most people.
    expect(byLabel.person.recall).toBeGreaterThanOrEqual(0.5);
    expect(byLabel.person.ap50).toBeGreaterThan(0.3);
    expect(model.msPerImage).toBeGreaterThan(0);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('<h2>nanodet-coco-416</h2>');
    expect(page.match(/data:image\/jpeg;base64,/g)).toHaveLength(3);
  });

  it('prints a readable table with the confusion rows', async () => {
    const { code, stdout } = await runEval(['detect', '--images', annotated(), '--labels', path.dirname(samplePath('labelme/voc/2011_000025.xml')), '--label-map', vocMap]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^label\s+objects\s+nanodet-coco-416 P\s+R\s+AP50\s+AP50-95$/m);
    expect(stdout).toMatch(/^person\s+6\s/m);
    expect(stdout).toMatch(/^ {2}bus → /m);
  });

  it('names the file and line of a malformed label file, and exits 2', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'eval-bad-'));
    await copyFile(samplePath('darknet/dog.jpg'), path.join(dir, 'dog.jpg'));
    await writeFile(path.join(dir, 'dog.txt'), '16 0.3 0.6 0.2 0.5\n16 0.3 0.6 0.2\n');
    const { code, stderr } = await runEval(['detect', '--images', dir, '--labels', dir, '--names', path.join(REPO_ROOT, 'models/labels/coco80.txt')]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${path.join(dir, 'dog.txt')}:2: expected "class cx cy w h", found 4 fields`);
  });

  it('refuses an unknown format and bare class numbers it cannot name', async () => {
    expect((await runEval(['detect', '--images', annotated(), '--labels', annotated(), '--format', 'kitti'])).stderr).toMatch(/--format "kitti" is not one of yolo, coco, labelme, voc/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'eval-nums-'));
    await copyFile(samplePath('darknet/dog.jpg'), path.join(dir, 'dog.jpg'));
    await writeFile(path.join(dir, 'dog.txt'), '16 0.3 0.6 0.2 0.5\n');
    const { code, stderr } = await runEval(['detect', '--images', dir, '--labels', dir]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/labels are class numbers with no names: pass --names <file> or --label-map <file>/);
  });
});
