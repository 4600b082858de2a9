// The verdict stage on a real photo (darknet's dog.jpg, its parked pick-up's bed painted blue or
// earth-brown) with the mean-colour classifier fixture declared as verdict models (confirmed when
// blue): which model applies to a sighting, that verdictScore is the probability of "confirmed"
// whatever the label order, and that the observation posted to the API carries it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box, Frame, Violation } from '../../contracts/types.ts';
import { parseManifest } from '../../models/manifest.ts';
import { classifyDetections } from '../../pipeline/classify/classify-stage.ts';
import { createClassifier, type Classifier } from '../../pipeline/classify/classifier.ts';
import { toObservation } from '../../pipeline/cases/observation.ts';
import { verdictClassifierFor, withVerdict } from '../../pipeline/cases/verdict.ts';
import { scoreLogit } from '../../models/train/verdict-features.ts';
import { classifierFixtureEntry, coverClassifierFixture, writeFixture, writeLabels } from '../support/fixture-models.ts';
import { samplePath } from '../support/samples.ts';

const TRUCK: Box = [459, 75, 691, 170];
const BROWN = '#7a4b2a';
const BLUE = '#2050c0';

let dir: string;
let dog: Buffer;
let parking: Classifier;
let parkingCamera: Classifier;
let cover: Classifier;
let vendingVersion: Classifier;
let muckPrior: Classifier;
let all: Classifier[];
/** The prior of the muck-truck verdict model: a·logit(detector score) + b. */
const PRIOR = { a: 4, b: -1 };

async function frameWithBed(colour: string): Promise<Frame> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="768" height="576"><rect x="478" y="82" width="125" height="50" fill="${colour}"/></svg>`;
  const { data, info } = await sharp(dog).composite([{ input: Buffer.from(svg) }]).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { sourceId: 'cam-1', capturedAt: new Date('2026-03-02T02:00:00Z'), width: info.width, height: info.height, pixels: data };
}

function sighting(frame: Frame, extra: Partial<Violation> = {}): Violation {
  return { type: 'illegal_parking', sourceId: 'cam-1', observedAt: frame.capturedAt, box: TRUCK, score: 0.4, label: 'truck', zoneId: 'z', trackId: 3, evidenceFrames: [frame], ...extra };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verdict-'));
  dog = await readFile(samplePath('darknet/dog.jpg'));
  // Column 0 of the fixture is "blue": first label. Same weights, labels in both orders.
  await writeLabels(dir, 'confirmed-first.txt', ['confirmed', 'rejected']);
  await writeLabels(dir, 'rejected-first.txt', ['rejected', 'confirmed']);
  await writeLabels(dir, 'cover.txt', ['covered', 'uncovered']);
  const { sha256 } = await writeFixture(dir, 'fixture.onnx', coverClassifierFixture());
  const manifest = await parseManifest(
    {
      defaultDetector: 'd',
      models: [
        { id: 'd', version: '1', kind: 'detector', format: 'end-to-end', file: 'd.onnx', sha256: 'a'.repeat(64), input: { width: 8, height: 8 }, labels: 'cover.txt', source: 's', licence: 'l' },
        classifierFixtureEntry('verdict-parking', 'fixture.onnx', sha256, 'confirmed-first.txt', { attribute: 'verdict', appliesTo: ['illegal_parking', 'truck'] }),
        // A camera's own model: blue means "rejected" there (its labels are the other way round).
        classifierFixtureEntry('verdict-parking-cam-2', 'fixture.onnx', sha256, 'rejected-first.txt', { attribute: 'verdict', appliesTo: ['illegal_parking@cam-2'] }),
        classifierFixtureEntry('cover', 'fixture.onnx', sha256, 'cover.txt', { appliesTo: ['truck', 'exposed_garbage'] }),
        // As the training job declares a promoted version: attribute verdict_<type>, appliesTo the type's detector labels.
        classifierFixtureEntry('verdict_street_vending-v3', 'fixture.onnx', sha256, 'confirmed-first.txt', { attribute: 'verdict_street_vending', appliesTo: ['person'] }),
        // A correction of the detector score, as the trainer declares one (models/train/verdict-model.ts).
        classifierFixtureEntry('verdict-muck-prior', 'fixture.onnx', sha256, 'rejected-first.txt', { attribute: 'verdict', appliesTo: ['uncovered_muck_truck'], prior: { detectorScore: PRIOR } }),
      ],
    },
    path.join(dir, 'manifest.json'),
  );
  all = await Promise.all(manifest.classifiers.map((e) => createClassifier(e, { threads: 1 })));
  [parking, parkingCamera, cover, vendingVersion, muckPrior] = all as [Classifier, Classifier, Classifier, Classifier, Classifier];
});
afterAll(async () => {
  await Promise.all((all ?? []).map((c) => c.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('verdict stage', () => {
  it('picks the camera’s own verdict model first, then the type’s, and never an attribute classifier', () => {
    expect(verdictClassifierFor({ type: 'illegal_parking', sourceId: 'cam-2' }, all)?.model.id).toBe('verdict-parking-cam-2');
    expect(verdictClassifierFor({ type: 'illegal_parking', sourceId: 'cam-1' }, all)?.model.id).toBe('verdict-parking');
    // The cover classifier names exposed_garbage, but it is no verdict model.
    expect(cover.model.appliesTo).toContain('exposed_garbage');
    expect(verdictClassifierFor({ type: 'exposed_garbage', sourceId: 'cam-1' }, all)).toBeUndefined();
    // A training-job version is found by its attribute, verdict_<type>.
    expect(verdictClassifierFor({ type: 'street_vending', sourceId: 'cam-1' }, all)).toBe(vendingVersion);
  });

  it('scores a sighting with the probability of confirmed on its confirming frame', async () => {
    const blue = await withVerdict(sighting(await frameWithBed(BLUE)), all);
    const brown = await withVerdict(sighting(await frameWithBed(BROWN)), all);
    expect(blue.attributes).toMatchObject({ verdict: 'confirmed', verdictModelId: 'verdict-parking', verdictModelSha256: parking.model.sha256 });
    expect(brown.attributes?.verdict).toBe('rejected');
    expect(blue.attributes!.verdictScore as number).toBeGreaterThan(0.5);
    expect(brown.attributes!.verdictScore as number).toBeLessThan(0.5);
    // The same crop through the classifier: the score is P(confirmed), not the winning label's score.
    const direct = await parking.classifyBox(await frameWithBed(BROWN), TRUCK);
    expect(brown.attributes!.verdictScore).toBeCloseTo(direct!.probabilities[0]!, 6);
  });

  it('reads "confirmed" by its label, whatever the order of the model’s labels', async () => {
    const frame = await frameWithBed(BLUE);
    const own = await withVerdict(sighting(frame, { sourceId: 'cam-2' }), all);
    const shared = await withVerdict(sighting(frame), all);
    expect(own.attributes?.verdictModelId).toBe('verdict-parking-cam-2');
    expect(own.attributes?.verdict).toBe('rejected');
    expect(own.attributes!.verdictScore).toBeCloseTo(1 - (shared.attributes!.verdictScore as number), 6);
  });

  it('leaves a sighting without a verdict model or without a frame as it is', async () => {
    const frame = await frameWithBed(BLUE);
    const vending = sighting(frame, { type: 'exposed_garbage' });
    expect(await withVerdict(vending, all)).toEqual(vending);
    const noFrame = sighting(frame, { evidenceFrames: [] });
    expect(await withVerdict(noFrame, all)).toEqual(noFrame);
  });

  it('puts the score on the observation as the contract’s verdict field', async () => {
    const scored = await withVerdict(sighting(await frameWithBed(BLUE), { attributes: { reason: 'same vehicle' } }), all);
    const obs = toObservation(scored, 'k', [], {}, undefined);
    expect(obs.verdict).toEqual({ score: scored.attributes!.verdictScore, modelId: 'verdict-parking', modelSha256: parking.model.sha256 });
    expect(obs.attributes?.reason).toBe('same vehicle');
    expect(toObservation(sighting(await frameWithBed(BLUE)), 'k', [], {}, undefined).verdict).toBeUndefined();
  });

  it('leaves verdicts out of the per-frame classify stage: they are asked once per sighting', async () => {
    const [truck] = await classifyDetections(await frameWithBed(BROWN), [{ label: 'truck', score: 0.4, box: TRUCK }], [parking]);
    expect(truck!.attributes?.verdict).toBeUndefined();
    expect(truck!.attributes?.verdictScore).toBeUndefined();
  });

  describe('a verdict model that corrects the detector score (manifest prior.detectorScore)', () => {
    const muck = (frame: Frame, score: number) => sighting(frame, { type: 'uncovered_muck_truck', score });
    const logit = (p: number) => Math.log(p / (1 - p));

    it('adds a·logit(score) + b to the model’s logit of confirmed, with the sighting’s own score', async () => {
      const frame = await frameWithBed(BROWN);
      // rejected-first labels: brown is "confirmed" by the crop here.
      const crop = (await muckPrior.classifyBox(frame, TRUCK))!.probabilities[1]!;
      for (const score of [0.2, 0.4, 0.9]) {
        const judged = await withVerdict(muck(frame, score), all);
        const expected = 1 / (1 + Math.exp(-(logit(crop) + PRIOR.a * scoreLogit(score) + PRIOR.b)));
        expect(judged.attributes!.verdictScore).toBeCloseTo(expected, 6);
        expect(judged.attributes!.verdictModelId).toBe('verdict-muck-prior');
        expect(judged.attributes!.verdict).toBe(expected >= 0.5 ? 'confirmed' : 'rejected');
      }
    });

    it('lets a confident detector outvote the crop, and a weak one pull the verdict down', async () => {
      const blue = await frameWithBed(BLUE);
      const crop = (await muckPrior.classifyBox(blue, TRUCK))!.probabilities[1]!;
      expect(crop).toBeLessThan(0.5);
      const sure = await withVerdict(muck(blue, 0.9999), all);
      const weak = await withVerdict(muck(blue, 0.05), all);
      expect(sure.attributes!.verdict).toBe('confirmed');
      expect(weak.attributes!.verdict).toBe('rejected');
      expect(weak.attributes!.verdictScore as number).toBeLessThan(crop);
    });

    it('judges a sighting without a usable score by the crop alone', async () => {
      const frame = await frameWithBed(BROWN);
      const crop = (await muckPrior.classifyBox(frame, TRUCK))!.probabilities[1]!;
      for (const score of [NaN, -0.1, 1.2, Infinity]) {
        const judged = await withVerdict(muck(frame, score), all);
        expect(judged.attributes!.verdictScore).toBeCloseTo(crop, 6);
      }
    });

    it('leaves models without a prior as they were: the detector score changes nothing', async () => {
      const frame = await frameWithBed(BROWN);
      const low = await withVerdict(sighting(frame, { score: 0.05 }), all);
      const high = await withVerdict(sighting(frame, { score: 0.95 }), all);
      expect(low.attributes).toEqual(high.attributes);
    });

    it('refuses a prior that is not two numbers, or on a model that is not a confirmed/rejected verdict model', async () => {
      const declare = (labels: string, prior: unknown) =>
        parseManifest(
          {
            defaultDetector: 'd',
            models: [
              { id: 'd', version: '1', kind: 'detector', format: 'end-to-end', file: 'd.onnx', sha256: 'a'.repeat(64), input: { width: 8, height: 8 }, labels: 'cover.txt', source: 's', licence: 'l' },
              classifierFixtureEntry('v', 'fixture.onnx', 'b'.repeat(64), labels, { attribute: 'verdict', appliesTo: ['illegal_parking'], prior }),
            ],
          },
          path.join(dir, 'manifest.json'),
        );
      await expect(declare('cover.txt', { detectorScore: { a: 1, b: 0 } })).rejects.toThrow(/prior.*labels confirmed and rejected \(these labels: covered, uncovered\)/);
      await expect(declare('confirmed-first.txt', { detectorScore: { a: '1', b: 0 } })).rejects.toThrow(/prior.*"detectorScore": \{"a": number, "b": number\}/);
      await expect(declare('confirmed-first.txt', { a: 1, b: 0 })).rejects.toThrow(/prior/);
      await expect(declare('confirmed-first.txt', { detectorScore: { a: 1, b: 0 } })).resolves.toBeTruthy();
    });
  });
});
