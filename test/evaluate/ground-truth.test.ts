// Readers for the four label formats, on real annotations (labelme's examples from Debian) and on
// broken files, whose errors must name the file and the line.
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCocoDataset } from '../../models/evaluate/ground-truth/coco.ts';
import { parseLabelme, readLabelmeDataset } from '../../models/evaluate/ground-truth/labelme.ts';
import { readVocDataset, parseVoc } from '../../models/evaluate/ground-truth/voc.ts';
import { parseYoloLabels, readYoloDataset } from '../../models/evaluate/ground-truth/yolo.ts';
import { applyLabelMap, readLabelMap } from '../../models/evaluate/label-map.ts';
import { LabelFileError } from '../../models/evaluate/types.ts';
import { REPO_ROOT, samplePath } from '../support/samples.ts';

const annotated = () => path.dirname(samplePath('labelme/annotated/2011_000006.jpg'));
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labels-'));
});

describe('real annotations from labelme-examples', () => {
  it('labelme JSON: 2011_000006 has four people, the first at 91,107-240,330', async () => {
    const images = await readLabelmeDataset(annotated(), annotated());
    expect(images.map((i) => path.basename(i.image))).toEqual(['2011_000003.jpg', '2011_000006.jpg', '2011_000025.jpg']);
    const six = images[1]!;
    expect(six.boxes.map((b) => b.label)).toEqual(['person', 'person', 'person', 'person']);
    expect(six.boxes[0]!.box).toEqual([91, 107, 240, 330]);
    expect(images[2]!.boxes.map((b) => b.label)).toEqual(['bus', 'bus', 'car']);
  });

  it('VOC XML gives the same boxes as the labelme files it was made from', async () => {
    const voc = await readVocDataset(annotated(), path.dirname(samplePath('labelme/voc/2011_000006.xml')));
    const labelme = await readLabelmeDataset(annotated(), annotated());
    expect(voc).toEqual(labelme);
  });

  it('COCO JSON matches images by file name and converts [x, y, w, h]', async () => {
    const coco = await readCocoDataset(annotated(), samplePath('labelme/coco/annotations.json'));
    const six = coco.find((i) => i.image.endsWith('2011_000006.jpg'))!;
    expect(six.boxes.map((b) => b.label).sort()).toEqual(['chair', 'person', 'person', 'person', 'person', 'sofa']);
    expect(six.boxes[0]).toEqual({ label: 'person', box: [92, 108, 243, 330] });
  });

  it('YOLO txt with VisDrone class numbers, mapped to COCO names by the shipped label map', async () => {
    const dir = await mkdtemp(path.join(tmp, 'yolo-'));
    await copyFile(samplePath('darknet/dog.jpg'), path.join(dir, 'street.jpg'));
    // 768x576 image: a van (5) centred at (575, 122), 232x95; an ignored region (0).
    await writeFile(path.join(dir, 'street.cars.yolo.txt'), '5 0.748698 0.211806 0.302083 0.164931\n0 0.1 0.1 0.05 0.05\n');
    const raw = await readYoloDataset(dir, dir);
    const map = await readLabelMap(path.join(REPO_ROOT, 'models/evaluate/label-maps/visdrone-to-coco.json'));
    const [img] = applyLabelMap(raw, map);
    expect(img!.boxes[0]!.label).toBe('car');
    expect(img!.boxes[0]!.box.map((v) => Math.round(v))).toEqual([459, 75, 691, 170]);
    expect(img!.boxes[1]!.ignore).toBe(true);
  });

  it('YOLO txt in the usual 10-class VisDrone numbering (k−1), mapped by its own label map', async () => {
    const dir = await mkdtemp(path.join(tmp, 'yolo10-'));
    await copyFile(samplePath('darknet/dog.jpg'), path.join(dir, 'street.jpg'));
    // The same van as class 4 here, a motor (9) and a tricycle (6, no COCO class).
    await writeFile(path.join(dir, 'street.cars.yolo.txt'), '4 0.748698 0.211806 0.302083 0.164931\n9 0.2 0.8 0.05 0.1\n6 0.5 0.5 0.1 0.1\n');
    const raw = await readYoloDataset(dir, dir);
    const map = await readLabelMap(path.join(REPO_ROOT, 'models/evaluate/label-maps/visdrone-yolo-to-coco.json'));
    const [img] = applyLabelMap(raw, map);
    expect(img!.boxes.map((b) => (b.ignore ? null : b.label))).toEqual(['car', 'motorcycle', null]);
  });
});

describe('broken label files name file and line', () => {
  const expectError = (fn: () => unknown, message: RegExp) => {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LabelFileError);
    expect((error as Error).message).toMatch(message);
  };

  it('YOLO: wrong field count, bad class, unnormalised box, class beyond names', () => {
    expectError(() => parseYoloLabels('0 0.5 0.5 0.1 0.1\n1 0.5 0.5 0.1\n', 'a.txt', 100, 100), /^a\.txt:2: expected "class cx cy w h", found 4 fields/);
    expectError(() => parseYoloLabels('car 0.5 0.5 0.1 0.1', 'a.txt', 100, 100), /^a\.txt:1: class "car" is not a non-negative integer/);
    expectError(() => parseYoloLabels('\n\n0 50 50 10 10', 'a.txt', 100, 100), /^a\.txt:3: box values must be normalised/);
    expectError(() => parseYoloLabels('3 0.5 0.5 0.1 0.1', 'a.txt', 100, 100, ['car']), /^a\.txt:1: class 3 is beyond the 1 names/);
  });

  it('VOC: an object without a name, an empty box', () => {
    const xml = (obj: string) => `<annotation>\n  <filename>x.jpg</filename>\n  <object>\n${obj}\n  </object>\n</annotation>`;
    expectError(() => parseVoc(xml('<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox>'), 'x.xml'), /^x\.xml:3: object has no <name>/);
    expectError(() => parseVoc(xml('<name>car</name><bndbox><xmin>9</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox>'), 'x.xml'), /^x\.xml:3: object "car" has an empty box/);
    expectError(() => parseVoc('<html></html>', 'x.xml'), /^x\.xml:1: not a VOC annotation/);
  });

  it('labelme: invalid JSON points at its line; a bad shape at the shape', () => {
    expectError(() => parseLabelme('{\n  "shapes": [\n    {"label": "car",,}\n  ]\n}', 'l.json'), /^l\.json:3: not valid JSON/);
    const doc = '{\n  "shapes": [\n    {"label": "car", "points": [[1, 2], [3, 4]], "shape_type": "rectangle"},\n    {"label": "bus", "points": [[1, 2]]}\n  ]\n}';
    expectError(() => parseLabelme(doc, 'l.json'), /^l\.json:4: shapes\[1\]: "points" must be a list of at least two/);
  });

  it('COCO: a bad bbox is reported at its annotation', async () => {
    const file = path.join(tmp, 'bad-coco.json');
    await writeFile(file, JSON.stringify({ images: [{ id: 1, file_name: '2011_000006.jpg' }], categories: [{ id: 1, name: 'person' }], annotations: [{ image_id: 1, category_id: 1, bbox: [1, 2, 3, 4] }, { image_id: 1, category_id: 1, bbox: [1, 2] }] }, null, 2));
    const error = await readCocoDataset(annotated(), file).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/bad-coco\.json:\d+: annotations\[1\]: "bbox" must be \[x, y, width, height\]/);
    const line = Number(/bad-coco\.json:(\d+)/.exec((error as Error).message)![1]);
    expect(readFileSync(file, 'utf8').split('\n')[line - 1]).toContain('{');
  });
});
