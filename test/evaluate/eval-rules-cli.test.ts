// `npm run eval -- rules` and `eval -- detect --tiles` as a user runs them: the shipped sample
// scenarios through the real camera pipeline, scenario errors naming file and line, and tiled
// detection giving the numbers detectTiled itself gives. The tests run at the same time: each is a
// process of its own (or a model session of its own), and a replay holds its decoder back while
// the model works, so what it raises does not depend on how busy the machine is. The street
// replays are most of the file and keep about one core busy; the others fill the rest.
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { loadDataset } from '../../models/evaluate/load-dataset.ts';
import { evaluateDetections } from '../../models/evaluate/metrics.ts';
import { findModel, loadManifest } from '../../models/manifest.ts';
import { createDetector } from '../../pipeline/detect/detector.ts';
import { detectTiled } from '../../pipeline/survey/tiled-detection.ts';
import sharp from 'sharp';
import { REPO_ROOT, samplePath } from '../support/samples.ts';
import { runScript } from '../support/run-script.ts';

const runEval = (args: string[]) => runScript('scripts/eval.ts', args);

interface TypeRow {
  type: string;
  expected: number;
  raised: number;
  falsePositives: number;
  precision: number | null;
  recall: number | null;
  meanDelaySeconds: number | null;
}

describe.concurrent('npm run eval -- rules', () => {
  it('replays the sample scenarios: the parked truck and the service-lane vehicles found, no stall among the walkers', async ({ expect }) => {
    // The scenarios need the samples set-up extracts.
    samplePath('darknet/dog.jpg');
    samplePath('opencv/vtest.avi');
    const { code, stdout, stderr } = await runEval(['rules', '--scenarios', 'samples/scenarios/samples.json', '--json']);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as { modelId: string; perType: TypeRow[]; scenarios: Array<{ scenario: string; raised: Array<{ type: string; zone: string; at: number }>; noneChecks: unknown[]; frames: number }> };
    const byType = Object.fromEntries(report.perType.map((t) => [t.type, t]));
    // One truck in dog-kerb-truck and the van and car in the plaza's service lane.
    expect(byType.illegal_parking).toMatchObject({ expected: 3, recall: 1 });
    expect(byType.illegal_parking!.meanDelaySeconds).toBeGreaterThanOrEqual(0);
    // The walkers and the dog are no stall.
    expect(byType.street_vending).toMatchObject({ raised: 0, falsePositives: 0 });
    const [dog, plaza] = report.scenarios;
    expect(dog!.scenario).toBe('dog-kerb-truck');
    const truck = dog!.raised.filter((r) => r.type === 'illegal_parking');
    expect(truck).toHaveLength(1);
    expect(truck[0]).toMatchObject({ zone: 'kerb-no-parking' });
    // Scene time from the video: the 30 s dwell passes 30 s into the 60 s still, whatever the wall clock did.
    expect(truck[0]!.at).toBeGreaterThanOrEqual(30);
    expect(truck[0]!.at).toBeLessThanOrEqual(45);
    expect(dog!.frames).toBe(60);
    expect(plaza!.noneChecks).toEqual([{ type: 'street_vending', raised: 0 }]);
    expect(plaza!.frames).toBeGreaterThan(150);
  }, 120_000);

  it('replays the composed street scenarios: no case from traffic, every parked vehicle once, on time', async ({ expect }) => {
    samplePath('darknet/dog.jpg');
    samplePath('opencv/vtest.avi');
    samplePath('labelme/annotated/2011_000025.jpg');
    const { code, stdout, stderr } = await runEval(['rules', '--scenarios', 'samples/scenarios/street.json', '--json']);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as {
      perType: TypeRow[];
      scenarios: Array<{ scenario: string; raised: Array<{ type: string; zone: string; at: number; trackId: number; reason?: string }>; missed: number[]; unexpected: number[]; matches: unknown[] }>;
    };
    const by = Object.fromEntries(report.scenarios.map((s) => [s.scenario, s]));
    const parking = (name: string) => by[name]!.raised.filter((r) => r.type === 'illegal_parking');
    // Traffic through a no-parking carriageway: a queue at a stop line and flowing traffic.
    expect(parking('queue-stop-and-go')).toEqual([]);
    expect(parking('flowing-traffic')).toEqual([]);
    // A parked pick-up among passing vehicles: found once, at its dwell.
    expect(parking('parked-among-passing')).toHaveLength(1);
    // The case says why: the same look from when it stopped (scene start 10:00:00) to the confirming frame.
    expect(parking('parked-among-passing')[0]!.reason).toMatch(/^same vehicle, similarity (0\.[89]\d|1\.00), still from 10:00:0\d to 10:00:1\d$/);
    // Leave and replace: one case, for the van, 10 s after it parked, never the pick-up's clock.
    expect(parking('leave-and-replace').map((r) => r.at)).toEqual([expect.any(Number)]);
    expect(parking('leave-and-replace')[0]!.at).toBeGreaterThanOrEqual(25);
    // A row of four: exactly four cases, four vehicles; the next row's bus is not one of them.
    expect(parking('parked-row')).toHaveLength(4);
    expect(new Set(parking('parked-row').map((r) => r.trackId)).size).toBe(4);
    for (const s of report.scenarios) {
      expect(s.missed, s.scenario).toEqual([]);
      expect(s.unexpected, s.scenario).toEqual([]);
    }
    expect(Object.fromEntries(report.perType.map((t) => [t.type, t])).illegal_parking).toMatchObject({ expected: 6, raised: 6, falsePositives: 0, precision: 1, recall: 1 });
  }, 900_000);

  it('replays a folder of frames at its frame rate and prints the table', async ({ expect }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'eval-frames-'));
    const frames = path.join(dir, 'frames');
    await mkdir(frames);
    // Eight pictures 5 s apart: scene time 0 … 35 s, so the 30 s dwell passes on the last one.
    for (let i = 0; i < 8; i++) await copyFile(samplePath('darknet/dog.jpg'), path.join(frames, `kerb-${i}.jpg`));
    const file = path.join(dir, 'frames.yaml');
    await writeFile(
      file,
      [
        '- name: kerb-frames',
        '  frames: frames',
        '  fps: 0.2',
        `  camera: ${path.join(REPO_ROOT, 'samples/scenarios/cameras/dog-kerb.json')}`,
        '  expect:',
        '    - { type: illegal_parking, zone: kerb-no-parking, within: [30, 40] }',
        '    - { none: street_vending }',
      ].join('\n'),
    );
    const { code, stdout, stderr } = await runEval(['rules', '--scenarios', file]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^illegal_parking\s+1\s+1\s+1\s+0\s+0\s+1\.00\s+1\.00\s+0\.0 s\s+0\.0 s$/m);
    expect(stdout).toMatch(/^kerb-frames: 1 raised, 1\/1 expected found \(8 frames,/m);
    expect(stdout).toContain('ok       illegal_parking in kerb-no-parking within 30–40 s: raised at 30 s');
  });

  it('names the scenario file and line of a zone the camera config does not have, before replaying anything', async ({ expect }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'eval-rules-'));
    const file = path.join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'scenarios:',
        '  - name: kerb',
        `    still: ${samplePath('darknet/dog.jpg')}`,
        '    seconds: 20',
        `    camera: ${path.join(REPO_ROOT, 'samples/scenarios/cameras/dog-kerb.json')}`,
        '    expect:',
        '      - type: illegal_parking',
        '        zone: far-kerb',
      ].join('\n'),
    );
    const { code, stderr } = await runEval(['rules', '--scenarios', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:7: scenario "kerb", expect zone: "far-kerb" is not a zone of`);
    expect(stderr).toContain('(its zones: kerb-no-parking, near-sidewalk)');
  });
});

describe.concurrent('npm run eval -- detect --tiles', () => {
  it('evaluates tiled inference as the survey path runs it, per label', async ({ expect }) => {
    const annotated = path.dirname(samplePath('labelme/annotated/2011_000025.jpg'));
    const vocMap = path.join(REPO_ROOT, 'models/evaluate/label-maps/voc-to-coco.json');
    const { code, stdout, stderr } = await runEval(['detect', '--images', annotated, '--labels', annotated, '--label-map', vocMap, '--tiles', '--json']);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.tiles).toEqual({ overlap: 0.2, wholeImagePass: true });
    const perLabel = report.models[0].evaluation.perLabel as Array<{ label: string; objects: number; precision: number; recall: number; ap50: number }>;
    expect(perLabel.map((l) => l.label)).toEqual(['bus', 'car', 'person']);
    expect(perLabel.find((l) => l.label === 'person')!.objects).toBe(6);

    // The same numbers from detectTiled called directly, as pipeline/survey/survey-image.ts calls it.
    const dataset = await loadDataset({ images: annotated, labels: annotated, labelMapFile: vocMap });
    const detector = await createDetector(findModel(await loadManifest()), { thresholds: { default: 0.05 } });
    try {
      const results = [];
      for (const item of dataset.images) {
        const { data, info } = await sharp(await readFile(item.image)).autoOrient().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
        const { detections, timings } = await detectTiled(detector, { sourceId: 't', capturedAt: new Date(0), width: info.width, height: info.height, pixels: data }, { overlap: 0.2 });
        // These photos (500 px wide) need two tiles at a 416 px model input: tiling really happens.
        expect(timings.tiles).toBeGreaterThan(1);
        results.push({ image: item.image, groundTruth: item.boxes, detections });
      }
      const direct = evaluateDetections(results, report.threshold);
      for (const l of direct.perLabel) {
        const got = perLabel.find((x) => x.label === l.label)!;
        expect(got.objects).toBe(l.objects);
        expect(got.precision).toBeCloseTo(l.precision, 6);
        expect(got.recall).toBeCloseTo(l.recall, 6);
        expect(got.ap50).toBeCloseTo(l.ap50, 6);
      }
    } finally {
      await detector.close();
    }
  });

  it('refuses --overlap without --tiles and an overlap out of range', async ({ expect }) => {
    const annotated = path.dirname(samplePath('labelme/annotated/2011_000025.jpg'));
    expect((await runEval(['detect', '--images', annotated, '--labels', annotated, '--overlap', '0.3'])).stderr).toContain('--overlap is for --tiles');
    const bad = await runEval(['detect', '--images', annotated, '--labels', annotated, '--tiles', '--overlap', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--overlap must be a number from 0 up to (not including) 1');
  });

  it('--gsd states the set\'s ground sample distance: images shrunk to the model\'s before tiling, as a survey photo with telemetry', async ({ expect }) => {
    const annotated = path.dirname(samplePath('labelme/annotated/2011_000025.jpg'));
    const vocMap = path.join(REPO_ROOT, 'models/evaluate/label-maps/voc-to-coco.json');
    // The default detector suits 4 cm/px: a set at 2 cm/px is shrunk to half, at 8 cm/px left alone.
    const half = await runEval(['detect', '--images', annotated, '--labels', annotated, '--label-map', vocMap, '--tiles', '--gsd', '2', '--json']);
    expect(half.code, half.stderr).toBe(0);
    expect(half.stderr).toContain('nanodet-coco-416: images at 2 cm/px, model suits 4 cm/px: resampled ×0.500 before tiling');
    expect(JSON.parse(half.stdout).tiles).toEqual({ overlap: 0.2, wholeImagePass: true, gsdCm: 2 });
    const coarse = await runEval(['detect', '--images', annotated, '--labels', annotated, '--label-map', vocMap, '--tiles', '--gsd', '8', '--json']);
    expect(coarse.stderr).toContain('images at 8 cm/px, no finer than the 4 cm/px the model suits: tiled at their own resolution');
    expect((await runEval(['detect', '--images', annotated, '--labels', annotated, '--gsd', '2'])).stderr).toContain('--gsd is for --tiles');
    for (const value of ['0', 'high']) {
      const bad = await runEval(['detect', '--images', annotated, '--labels', annotated, '--tiles', '--gsd', value]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(`--gsd must be a positive number of centimetres per pixel, got "${value}"`);
    }
  });
});
