// A watch zone that names `"classifier": "zoneState"` is judged by the live zone-state version of
// its camera worker's model registry, and follows promotions and rollbacks without a restart. Real
// parts throughout: a clean/garbage classifier trained by the product's trainer on real photos, the
// live manifest written by the versions' own writer (models/versions/live-manifest.ts), a registry
// hot-reloading it from disk, dog.jpg frames with and without a real plastic bag in the zone, and at
// the end a real camera worker on a real Redis patrolling a loopback snapshot camera.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCameraConfig, type CameraConfig } from '../../contracts/camera.ts';
import type { Violation } from '../../contracts/types.ts';
import { loadManifest } from '../../models/manifest.ts';
import { createModelRegistry, type ModelRegistry } from '../../models/registry.ts';
import { liveManifestPath, writeLiveManifest } from '../../models/versions/live-manifest.ts';
import { registryZoneClassifiers } from '../../pipeline/background/zone-classifiers.ts';
import { createZoneStateWatch, GARBAGE_STATE, zoneBox, type ZoneStateWatch } from '../../pipeline/background/zone-state.ts';
import { openCameraQueue } from '../../pipeline/cameras/camera-queue.ts';
import { startCameraWorker } from '../../pipeline/cameras/camera-worker.ts';
import { createClassifier, type Classifier } from '../../pipeline/classify/classifier.ts';
import { toRawImage } from '../../pipeline/detect/crop.ts';
import { startLoopbackSnapshotServer } from '../../pipeline/patrol/loopback-snapshot-server.ts';
import { captureLogger } from '../support/capture-logger.ts';
import { startRedis } from '../support/redis-server.ts';
import { until } from '../support/until.ts';
import { pictureFrame, trainZoneStateClassifier, zonePictures, ZONE_POLYGON, type ManifestItem } from '../support/zone-state-classifier.ts';

const T0 = Date.UTC(2026, 4, 4, 2);
const NOT_IN_MANIFEST = 'zone-state classifier not in the manifest';

let dir: string;
/** The trained version, and a second one: the same network declared with its labels swapped, so it judges the opposite. */
let v1: ManifestItem;
let v2: ManifestItem;
/** Another attribute's classifier in the same manifest: a zone naming `zoneState` must not take it. */
let cover: ManifestItem;
let clean: Buffer;
let littered: Buffer;
const registries: ModelRegistry[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'zone-state-live-'));
  v1 = await trainZoneStateClassifier(dir, 'zonestate-1');
  const swapped = path.join(dir, 'zonestate-2.labels.txt');
  await writeFile(swapped, `${GARBAGE_STATE}\nclean\n`);
  v2 = { ...v1, id: 'zonestate-2', version: '2', labels: swapped };
  cover = { ...v1, id: 'cover-1', attribute: 'cover', appliesTo: ['truck'] };
  ({ clean, littered } = await zonePictures());
}, 300_000);

afterAll(async () => {
  for (const r of registries) await r.close();
  await rm(dir, { recursive: true, force: true });
});

/** A models folder whose live manifest holds these versions, written as promotion writes it. */
async function promote(modelsDir: string, ...versions: ManifestItem[]): Promise<void> {
  await writeLiveManifest(modelsDir, versions.map((entry) => ({ dir, entry })));
}

/** watch false: reloaded only when the test says, so a watcher's reload cannot answer for it. */
async function liveRegistry(name: string, versions: ManifestItem[], watch = true): Promise<{ registry: ModelRegistry; modelsDir: string }> {
  const modelsDir = path.join(dir, name);
  await promote(modelsDir, ...versions);
  const registry = await createModelRegistry({ manifestPath: liveManifestPath(modelsDir), plateReader: false, classifier: { threads: 1 }, detector: { threads: 1 }, debounceMs: 50, watch });
  registries.push(registry);
  return { registry, modelsDir };
}

/** Waits for the registry's watcher to load the manifest just written (no explicit reload: as a worker sees it). */
async function reloaded(registry: ModelRegistry, generation: number): Promise<void> {
  await until(() => registry.current().generation >= generation, 30_000, `model generation ${generation}`);
}

const camera = (classifier: string, zone: Record<string, unknown> = {}): CameraConfig =>
  parseCameraConfig({ id: 'zone-cam', url: 'rtsp://127.0.0.1/x', zones: [{ id: 'bins', kind: 'watch', polygon: ZONE_POLYGON, classifier, classifyEverySeconds: 10, ...zone }] }, 'test');

async function judge(watch: ZoneStateWatch, picture: Buffer, t: number) {
  const found = await watch.update(await pictureFrame(picture, new Date(T0 + t * 1000)));
  return { found, verdict: watch.verdict('bins') };
}

describe('a watch zone naming "zoneState"', () => {
  it('is judged by the live version, and follows a promotion and a rollback without a restart', async () => {
    const { registry, modelsDir } = await liveRegistry('follows', [cover, v1]);
    const { logger, lines } = captureLogger();
    const watch = createZoneStateWatch(camera('zoneState'), registryZoneClassifiers(registry), logger);

    expect((await judge(watch, littered, 0)).verdict).toMatchObject({ label: GARBAGE_STATE, modelId: 'zonestate-1' });
    expect((await judge(watch, clean, 10)).verdict).toMatchObject({ label: 'clean', modelId: 'zonestate-1' });

    // The training job promotes version 2: the next classification is its verdict (it judges the
    // opposite, so the verdict is really the new network's, not the old one's under a new name).
    await promote(modelsDir, cover, v2);
    await reloaded(registry, 2);
    expect((await judge(watch, littered, 20)).verdict).toMatchObject({ label: 'clean', modelId: 'zonestate-2' });
    expect((await judge(watch, clean, 30)).verdict).toMatchObject({ label: GARBAGE_STATE, modelId: 'zonestate-2' });

    await promote(modelsDir, cover, v1);
    await reloaded(registry, 3);
    expect((await judge(watch, littered, 40)).verdict).toMatchObject({ label: GARBAGE_STATE, modelId: 'zonestate-1' });

    // One line per model the zone is judged by, not one per classification.
    const judgedBy = lines.filter((l) => l.includes('zone judged by zone-state classifier')).map((l) => JSON.parse(l).model);
    expect(judgedBy).toEqual(['zonestate-1', 'zonestate-2', 'zonestate-1']);
  }, 120_000);

  it('without a zoneState classifier is watched by the background model alone, said once; a promotion starts the judging', async () => {
    const { registry, modelsDir } = await liveRegistry('none', [cover]);
    const { logger, lines } = captureLogger();
    const watch = createZoneStateWatch(camera('zoneState', { persistSeconds: 20 }), registryZoneClassifiers(registry), logger);
    for (let t = 0; t <= 50; t += 10) {
      const { found, verdict } = await judge(watch, littered, t);
      expect(found).toEqual([]);
      expect(verdict).toBeUndefined();
    }
    expect(lines.filter((l) => l.includes(NOT_IN_MANIFEST))).toHaveLength(1);
    expect(lines.find((l) => l.includes(NOT_IN_MANIFEST))).toContain('no classifier with id or attribute \\"zoneState\\"');

    await promote(modelsDir, cover, v1);
    await reloaded(registry, 2);
    const raised: Array<{ t: number; modelId?: string; reason: unknown }> = [];
    for (let t = 60; t <= 90; t += 10) for (const f of (await judge(watch, littered, t)).found) raised.push({ t, modelId: f.event.modelId, reason: f.event.attributes?.reason });
    // Garbage from 60 s, held for persistSeconds (20): one case at 80 s, by the promoted version.
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ t: 80, modelId: 'zonestate-1' });
    expect(String(raised[0]!.reason)).toContain('by zonestate-1');

    // Rolled back to no version: no verdict is attached any more, and that is said again (once).
    await promote(modelsDir, cover);
    await reloaded(registry, 3);
    for (let t = 100; t <= 130; t += 10) expect((await judge(watch, littered, t)).verdict).toBeUndefined();
    expect(lines.filter((l) => l.includes(NOT_IN_MANIFEST))).toHaveLength(2);
  }, 120_000);
});

describe('a watch zone naming a classifier by id', () => {
  it('takes that entry from the registry, else from the fallback manifest, else says it is missing', async () => {
    const { registry } = await liveRegistry('by-id', [v1, v2], false);
    // The fallback as the repo manifest would give it: a classifier opened from a manifest the registry does not read.
    const elsewhere = path.join(dir, 'elsewhere');
    await promote(elsewhere, { ...v1, id: 'zonestate-old' });
    const oldEntry = (await loadManifest(liveManifestPath(elsewhere))).classifiers.find((c) => c.id === 'zonestate-old')!;
    const old: Classifier = await createClassifier(oldEntry, { threads: 1 });
    try {
      const source = registryZoneClassifiers(registry, async (id) => (id === 'zonestate-old' ? old : undefined));
      const verdicts: Record<string, unknown> = {};
      for (const id of ['zonestate-1', 'zonestate-2', 'zonestate-old', 'zoneState']) {
        const watch = createZoneStateWatch(camera(id), source, captureLogger().logger);
        verdicts[id] = (await judge(watch, littered, 0)).verdict;
      }
      expect(verdicts['zonestate-1']).toMatchObject({ label: GARBAGE_STATE, modelId: 'zonestate-1' });
      expect(verdicts['zonestate-2']).toMatchObject({ label: 'clean', modelId: 'zonestate-2' });
      expect(verdicts['zonestate-old']).toMatchObject({ label: GARBAGE_STATE, modelId: 'zonestate-old' });
      // Two live versions of the attribute: the last the manifest declares wins.
      expect(verdicts.zoneState).toMatchObject({ modelId: 'zonestate-2' });

      const { logger, lines } = captureLogger();
      const missing = createZoneStateWatch(camera('no-such-model'), source, logger);
      for (let t = 0; t <= 30; t += 10) expect((await judge(missing, littered, t)).verdict).toBeUndefined();
      expect(lines.filter((l) => l.includes(NOT_IN_MANIFEST))).toHaveLength(1);
    } finally {
      await old.close();
    }
  }, 120_000);
});

describe('a reload while a zone is being classified', () => {
  it('keeps the classifier of the running classification open until it finishes, then closes it', async () => {
    const { registry, modelsDir } = await liveRegistry('in-flight', [v1], false);
    const source = registryZoneClassifiers(registry);
    const frame = await pictureFrame(littered, new Date(T0));
    const openBefore = registry.status().openModels;
    const during = await source.withClassifier('zoneState', async (classifier) => {
      // Version 2 is promoted and loaded while version 1 is in use here.
      await promote(modelsDir, v2);
      const result = await registry.reload();
      expect(result).toMatchObject({ ok: true, added: ['zonestate-2'], removed: ['zonestate-1'] });
      const open = registry.status().openModels;
      const verdict = await classifier!.classifyBox(await toRawImage(frame), zoneBox({ polygon: ZONE_POLYGON }, frame));
      return { modelId: classifier!.model.id, label: verdict?.label, open };
    });
    expect(during).toEqual({ modelId: 'zonestate-1', label: GARBAGE_STATE, open: openBefore + 1 });
    // Released once the classification settled; the next one is version 2's.
    expect(registry.status().openModels).toBe(openBefore);
    const watch = createZoneStateWatch(camera('zoneState'), source, captureLogger().logger);
    expect((await judge(watch, littered, 10)).verdict).toMatchObject({ modelId: 'zonestate-2', label: 'clean' });
  }, 120_000);
});

describe('a camera worker with a model registry', () => {
  it('judges its running camera\'s "zoneState" zone by the version promoted into the registry\'s manifest', async () => {
    const { registry, modelsDir } = await liveRegistry('worker', [v1]);
    const redis = await startRedis();
    const snapshots = await startLoopbackSnapshotServer();
    const queue = openCameraQueue(redis.url);
    const violations: Violation[] = [];
    const { logger, lines } = captureLogger();
    const worker = await startCameraWorker({ redisUrl: redis.url, sink: async (v) => void violations.push(v), registry, maxCameras: 1, lockSeconds: 4, status: false, logger });
    const zoneCases = (modelId: string) => violations.filter((v) => v.type === 'exposed_garbage' && v.attributes?.zoneStateModelId === modelId);
    try {
      snapshots.serve('/zone-cam.jpg', [{ jpeg: await sharp(littered).jpeg().toBuffer() }]);
      await queue.addCamera(
        parseCameraConfig(
          {
            id: 'zone-cam',
            url: 'rtsp://192.0.2.1/unused',
            analysis: { mode: 'patrol', everySeconds: 1, snapshotUrl: snapshots.url('/zone-cam.jpg') },
            zones: [{ id: 'bins', kind: 'watch', polygon: ZONE_POLYGON, classifier: 'zoneState', classifyEverySeconds: 1, persistSeconds: 2 }],
          },
          'test',
        ),
      );
      await until(() => zoneCases('zonestate-1').length > 0, 60_000, 'a zone-state case by zonestate-1');
      expect(zoneCases('zonestate-1')[0]).toMatchObject({ zoneId: 'bins', label: `${GARBAGE_STATE} (zone state)`, attributes: { zoneState: GARBAGE_STATE, foundBy: 'zone-state' } });

      // Version 2 (it judges the opposite) is promoted while the camera runs: the bag now reads as
      // clean, which ends the episode; then the clean pavement reads as garbage, a new episode whose
      // case is version 2's.
      await promote(modelsDir, v2);
      await reloaded(registry, 2);
      const judgedBy = () => lines.filter((l) => l.includes('zone judged by zone-state classifier')).map((l) => JSON.parse(l).model);
      await until(() => judgedBy().includes('zonestate-2'), 30_000, 'the zone judged by zonestate-2');
      snapshots.serve('/zone-cam.jpg', [{ jpeg: await sharp(clean).jpeg().toBuffer() }]);
      await until(() => zoneCases('zonestate-2').length > 0, 60_000, 'a case judged by zonestate-2');
      expect(zoneCases('zonestate-2')[0]!.attributes).toMatchObject({ zoneState: GARBAGE_STATE });
      expect(judgedBy()).toEqual(['zonestate-1', 'zonestate-2']);
    } finally {
      await worker.close();
      await queue.close();
      await snapshots.stop();
      await redis.stop();
    }
  }, 150_000);
});
