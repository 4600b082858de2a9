// The label → violation mapping, and what the installed models can analyse.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analysableTypes, describeAnalysis } from '../../models/analysable.ts';
import { loadManifest, MODELS_DIR, parseManifest, type Manifest } from '../../models/manifest.ts';
import {
  loadViolationLabels,
  parseViolationLabels,
  violationTypesForLabel,
  ViolationLabelsError,
  type ViolationLabels,
} from '../../models/violation-labels.ts';

let mapping: ViolationLabels;
let product: Manifest;
let dir: string;

beforeAll(async () => {
  mapping = await loadViolationLabels();
  product = await loadManifest();
  dir = await mkdtemp(path.join(os.tmpdir(), 'mapping-'));
  await writeFile(path.join(dir, 'city.txt'), 'garbage pile\nstall\nstructure\n');
  await writeFile(path.join(dir, 'cover.txt'), 'covered\nuncovered\n');
});

/** The product manifest plus entries of a city's own (files need not exist: nothing is loaded). */
async function withCityModels(extra: Array<Record<string, unknown>>): Promise<Manifest> {
  const coco = { id: 'coco', version: '1', kind: 'detector', format: 'nanodet', file: 'coco.onnx', sha256: '1'.repeat(64),
    input: { width: 416, height: 416 }, labels: path.join(MODELS_DIR, 'labels/coco80.txt'), source: 's', licence: 'l' };
  return parseManifest({ defaultDetector: 'coco', models: [coco, ...extra] }, path.join(dir, 'manifest.json'));
}
const cityDetector = { id: 'city-objects', version: '1', kind: 'detector', format: 'yolov8', file: 'city.onnx', sha256: '2'.repeat(64),
  input: { width: 640, height: 640 }, labels: 'city.txt', source: 's', licence: 'l' };
const coverClassifier = { id: 'truck-cover', version: '1', kind: 'classifier', file: 'cover.onnx', sha256: '3'.repeat(64),
  input: { width: 224, height: 224 }, labels: 'cover.txt', attribute: 'cover', appliesTo: ['truck'], source: 's', licence: 'l' };

describe('label → violation mapping (models/violation-labels.json)', () => {
  it('maps the issue\'s labels to their types', () => {
    expect(violationTypesForLabel(mapping, 'garbage')).toEqual(['exposed_garbage']);
    expect(violationTypesForLabel(mapping, 'structure')).toEqual(['illegal_construction']);
    expect(violationTypesForLabel(mapping, 'stall')).toEqual(['street_vending']);
    expect(violationTypesForLabel(mapping, 'cart')).toEqual(['street_vending']);
    expect(violationTypesForLabel(mapping, 'truck').sort()).toEqual(['illegal_parking', 'uncovered_muck_truck']);
    expect(violationTypesForLabel(mapping, 'giraffe')).toEqual([]);
    expect(mapping.types.exposed_garbage).toMatchObject({ minAreaRatio: expect.any(Number), persistSeconds: expect.any(Number) });
  });

  const broken: Array<[string, unknown, RegExp]> = [
    ['an unknown violation type', { graffiti: { labels: ['tag'] } }, /graffiti: not a violation type \(known: street_vending/],
    ['no labels', { exposed_garbage: { minAreaRatio: 0.01 } }, /exposed_garbage\.labels: must be a non-empty list/],
    ['a misspelt field', { exposed_garbage: { labels: ['garbage'], persistSecond: 5 } }, /exposed_garbage\.persistSecond: unknown field/],
    ['an area above the frame', { exposed_garbage: { labels: ['garbage'], minAreaRatio: 2 } }, /minAreaRatio: must be a fraction/],
    ['an attribute without a value', { uncovered_muck_truck: { labels: ['truck'], attribute: 'cover' } }, /"attribute" and "value" go together/],
    ['N above M', { uncovered_muck_truck: { labels: ['truck'], uncoveredFrames: 6, ofLastFrames: 5 } }, /uncoveredFrames: must not exceed ofLastFrames \(5\)/],
  ];
  for (const [name, raw, message] of broken) {
    it(`refuses ${name}, naming the file and field`, () => {
      expect(() => parseViolationLabels(raw, '/x/violation-labels.json')).toThrow(ViolationLabelsError);
      expect(() => parseViolationLabels(raw, '/x/violation-labels.json')).toThrow(message);
    });
  }

  it('names the file when it cannot be read', async () => {
    await expect(loadViolationLabels(path.join(dir, 'none.json'))).rejects.toThrow(/none\.json: cannot read the label → violation mapping/);
  });
});

describe('analysable types', () => {
  it('with the product\'s models: parking and vending are analysed, the other three have no model', () => {
    const byType = Object.fromEntries(analysableTypes(product, mapping).map((a) => [a.type, a]));
    expect(byType.illegal_parking).toMatchObject({ analysed: true });
    expect(byType.illegal_parking!.models.map((m) => m.id)).toEqual(['nanodet-coco-416', 'ppocr-v4-plate']);
    expect(byType.street_vending).toMatchObject({ analysed: true });
    for (const type of ['exposed_garbage', 'illegal_construction', 'uncovered_muck_truck'] as const) {
      expect(byType[type]).toMatchObject({ analysed: false, reason: 'no model', models: [] });
      expect(describeAnalysis(byType[type]!)).toMatch(new RegExp(`^${type}: not analysed: no model \\(`));
    }
    // The muck-truck line says what is missing: trucks are detected, their cover is not classified.
    expect(byType.uncovered_muck_truck!.missing).toBe('no classifier sets cover=uncovered on truck');
    // The two types a model-free method still finds say so, beside "not analysed".
    expect(describeAnalysis(byType.exposed_garbage!)).toMatch(/without a model: fixed cameras still find objects left behind in watch zones/);
    expect(describeAnalysis(byType.illegal_construction!)).toMatch(/without a model: comparing two surveys/);
    expect(byType.uncovered_muck_truck!.withoutModel).toBeUndefined();
  });

  it('a city detector with garbage and structure labels makes those types analysed, naming the model', async () => {
    const manifest = await withCityModels([cityDetector]);
    const byType = Object.fromEntries(analysableTypes(manifest, mapping).map((a) => [a.type, a]));
    expect(byType.exposed_garbage).toMatchObject({ analysed: true, models: [{ id: 'city-objects', sha256: '2'.repeat(64), labels: ['garbage pile'] }] });
    expect(byType.illegal_construction).toMatchObject({ analysed: true, models: [{ id: 'city-objects', labels: ['structure'] }] });
    expect(byType.street_vending!.models.map((m) => m.id)).toEqual(['coco', 'city-objects']);
    expect(byType.uncovered_muck_truck!.analysed).toBe(false);
  });

  it('a cover classifier on trucks makes uncovered_muck_truck analysed; one on buses does not', async () => {
    const onTrucks = analysableTypes(await withCityModels([coverClassifier]), mapping).find((a) => a.type === 'uncovered_muck_truck')!;
    expect(onTrucks.analysed).toBe(true);
    expect(onTrucks.models).toEqual([
      { id: 'coco', sha256: '1'.repeat(64), kind: 'detector', labels: ['truck'] },
      { id: 'truck-cover', sha256: '3'.repeat(64), kind: 'classifier', labels: ['cover=uncovered'] },
    ]);
    expect(describeAnalysis(onTrucks)).toBe('uncovered_muck_truck: analysed by coco [truck]; truck-cover [cover=uncovered]');
    const onBuses = analysableTypes(await withCityModels([{ ...coverClassifier, appliesTo: ['bus'] }]), mapping);
    expect(onBuses.find((a) => a.type === 'uncovered_muck_truck')!.analysed).toBe(false);
  });

  it('a disabled detector analyses nothing', async () => {
    const manifest = await withCityModels([{ ...cityDetector, enabled: false }]);
    expect(analysableTypes(manifest, mapping).find((a) => a.type === 'exposed_garbage')!.analysed).toBe(false);
  });

  it('an aerial detector analyses its types for surveys, not for the cameras that do not load it', async () => {
    const manifest = await withCityModels([{ ...cityDetector, aerial: true }]);
    const garbage = (scope?: { aerialDetectors: boolean }) => analysableTypes(manifest, mapping, scope).find((a) => a.type === 'exposed_garbage')!;
    expect(garbage()).toMatchObject({ analysed: true, models: [{ id: 'city-objects' }] });
    expect(garbage({ aerialDetectors: true }).analysed).toBe(true);
    expect(garbage({ aerialDetectors: false })).toMatchObject({ analysed: false, missing: expect.stringContaining('no detector has a label among') });
  });

  it('street vending needs people as well as props', async () => {
    await writeFile(path.join(dir, 'stalls.txt'), 'stall\n');
    const manifest = await parseManifest(
      { defaultDetector: 'stalls', models: [{ ...cityDetector, id: 'stalls', labels: 'stalls.txt' }] },
      path.join(dir, 'manifest.json'),
    );
    const vending = analysableTypes(manifest, mapping).find((a) => a.type === 'street_vending')!;
    expect(vending).toMatchObject({ analysed: false, missing: 'no detector finds "person"' });
  });

  it('a type left out of the mapping is reported, not skipped', () => {
    const partial = parseViolationLabels({ illegal_parking: { labels: ['car'] } }, '/x/partial.json');
    const all = analysableTypes(product, partial);
    expect(all).toHaveLength(5);
    expect(all.find((a) => a.type === 'street_vending')).toMatchObject({ analysed: false, missing: 'no detector labels are mapped to it in /x/partial.json' });
  });
});
