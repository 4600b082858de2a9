// The models a worker runs, kept in step with the manifest without restarting the worker: when
// the manifest (or the label → violation mapping) changes on disk, a new generation of models is
// built beside the running one and swapped in; the old sessions are released once the runs that
// started on them have finished. A broken manifest or model is logged and changes nothing: the old
// generation keeps running.
//
// Sessions of entries that did not change (same id, file, sha256, input, labels, …) are carried
// into the new generation rather than rebuilt, so adding one model does not reload the others.
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Frame } from '../contracts/types.ts';
import { classifyDetections } from '../pipeline/classify/classify-stage.ts';
import { createClassifier, type Classifier, type ClassifierOptions } from '../pipeline/classify/classifier.ts';
import { detectorSetOf, type DetectorSet, type DetectorSetOptions, type SetDetections } from '../pipeline/detect/detector-set.ts';
import { createDetector, type Detector } from '../pipeline/detect/detector.ts';
import { createPlateReader, type PlateReader, type PlateReaderOptions } from '../pipeline/plates/plate-reader.ts';
import { analysableTypes, type TypeAnalysis } from './analysable.ts';
import { int8ExactHere, type Int8Check } from './int8-exact.ts';
import { surveyStandIns } from './survey-stand-in.ts';
import { DEFAULT_MANIFEST, loadManifest, type AnyModelEntry, type Manifest, type ModelEntry, type ModelKind } from './manifest.ts';
import { DEFAULT_VIOLATION_LABELS, loadViolationLabels, type ViolationLabels } from './violation-labels.ts';

/** One generation of models: everything a frame is run through, from one version of the manifest. */
export interface LoadedModels {
  generation: number;
  loadedAt: Date;
  manifest: Manifest;
  mapping: ViolationLabels;
  detectors: DetectorSet;
  classifiers: readonly Classifier[];
  plateReader?: PlateReader;
  analysable: TypeAnalysis[];
  /** Every detector, then every classifier that applies, on one frame. */
  detectFrame(frame: Frame): Promise<SetDetections>;
  detectImage(bytes: Buffer, source: string): Promise<SetDetections>;
}

export type ReloadResult =
  | { ok: true; generation: number; unchanged: boolean; added: string[]; replaced: string[]; removed: string[] }
  | { ok: false; generation: number; error: string };

export interface RegistryStatus {
  generation: number;
  loadedAt: Date;
  manifestPath: string;
  models: Array<{ id: string; kind: ModelKind; version: string; sha256: string }>;
  analysable: TypeAnalysis[];
  /** The last reload that failed, while the generation above kept running. */
  lastError?: { at: Date; message: string };
  /** Model sessions open, old generations' included while runs on them finish. */
  openModels: number;
}

type Log = { info(obj: object, msg: string): void; error(obj: object, msg: string): void };

export interface RegistryOptions {
  manifestPath?: string;
  mappingPath?: string;
  /** Watch the two files and reload on change (default true). */
  watch?: boolean;
  /** Editors write a file in several steps; wait this long after the last change (default 300 ms). */
  debounceMs?: number;
  detector?: DetectorSetOptions;
  classifier?: ClassifierOptions;
  /**
   * true: also load detectors declared `aerial` (promoted aerial-detector versions); the survey
   * worker's registry. Default false: camera frames are never run through a drone model.
   */
  aerialDetectors?: boolean;
  /**
   * With aerialDetectors: whether int8 runs exact on this CPU, so a detector's survey stand-in
   * (`surveyStandInFor`, the int8 version of the default) runs in its place. Default: read from the
   * CPU (models/int8-exact.ts).
   */
  int8Exact?: Int8Check;
  /** false: do not load the manifest's plate reader (workers that never read plates). */
  plateReader?: PlateReaderOptions | false;
  logger?: Log;
  /** Called after every reload attempt, successful or not. */
  onReload?: (result: ReloadResult) => void;
}

export interface ModelRegistry {
  /**
   * Runs `fn` on the current generation. The models it is given stay open until it settles, even
   * if a reload replaces them meanwhile; use a fresh call for the next frame to see new models.
   */
  use<T>(fn: (models: LoadedModels) => Promise<T>): Promise<T>;
  /** The current generation, for reading (health, analysable types); run models through use(). */
  current(): LoadedModels;
  reload(): Promise<ReloadResult>;
  status(): RegistryStatus;
  close(): Promise<void>;
}

/** A session shared by the generations whose manifests declare the same entry. */
interface Shared<T extends { close(): Promise<void> }> {
  key: string;
  value: T;
  holders: number;
}

interface Generation {
  models: LoadedModels;
  resources: Shared<Closable>[];
  inFlight: number;
  retired: boolean;
  released: boolean;
  texts: string;
}

type Closable = Detector | Classifier | PlateReader;

export async function createModelRegistry(options: RegistryOptions = {}): Promise<ModelRegistry> {
  const manifestPath = path.resolve(options.manifestPath ?? DEFAULT_MANIFEST);
  const mappingPath = path.resolve(options.mappingPath ?? DEFAULT_VIOLATION_LABELS);
  const log = options.logger;
  const pool = new Map<string, Shared<Closable>>();
  let generationCount = 0;
  let lastError: RegistryStatus['lastError'];
  let closed = false;

  const acquire = async <T extends Closable>(key: string, build: () => Promise<T>, taken: Shared<Closable>[]): Promise<T> => {
    let shared = pool.get(key);
    if (!shared) {
      shared = { key, value: await build(), holders: 0 };
      pool.set(key, shared);
    }
    shared.holders++;
    taken.push(shared);
    return shared.value as T;
  };
  const releaseAll = async (taken: readonly Shared<Closable>[]) => {
    const closing: Promise<void>[] = [];
    for (const shared of taken) {
      shared.holders--;
      if (shared.holders === 0) {
        pool.delete(shared.key);
        closing.push(shared.value.close());
      }
    }
    await Promise.all(closing);
  };

  const int8 = options.aerialDetectors === true ? (options.int8Exact ?? int8ExactHere()) : undefined;
  let toldStandIns = '';
  /** The survey's stand-ins that run here, each in place of the enabled detector it names. */
  const standInsOf = (entries: readonly ModelEntry[]): Map<ModelEntry, ModelEntry> => {
    if (!int8) return new Map();
    const { running, said } = surveyStandIns(entries, int8);
    // Said once per change, not at every reload.
    if (said.join('\n') !== toldStandIns) {
      toldStandIns = said.join('\n');
      for (const line of said) log?.info({ cpu: int8.why }, line);
    }
    return running;
  };

  const build = async (): Promise<Generation> => {
    const [manifestText, mappingText] = await Promise.all([readFile(manifestPath, 'utf8').catch(() => ''), readFile(mappingPath, 'utf8').catch(() => '')]);
    const manifest = await loadManifest(manifestPath);
    const mapping = await loadViolationLabels(mappingPath);
    const taken: Shared<Closable>[] = [];
    try {
      const detectors: Detector[] = [];
      const standIns = standInsOf(manifest.models);
      const replaced = new Set(standIns.values());
      for (const entry of manifest.models) {
        const runs = standIns.has(entry) || (entry.enabled !== false && !replaced.has(entry) && (entry.aerial !== true || options.aerialDetectors === true));
        if (!runs) continue;
        detectors.push(await acquire(keyOf(entry), () => createDetector(entry, options.detector), taken));
      }
      const classifiers: Classifier[] = [];
      for (const entry of manifest.classifiers) {
        classifiers.push(await acquire(keyOf(entry), () => createClassifier(entry, options.classifier), taken));
      }
      let plateReader: PlateReader | undefined;
      const readerEntry = manifest.plateReader;
      if (readerEntry && options.plateReader !== false) {
        plateReader = await acquire(keyOf(readerEntry), () => createPlateReader(readerEntry, options.plateReader || {}), taken);
      }
      const detectorSet = detectorSetOf(detectors, options.detector?.crossModelIou);
      const withClassifiers = async (found: SetDetections, image: Frame | Buffer): Promise<SetDetections> =>
        classifiers.length === 0 ? found : { ...found, detections: await classifyDetections(image, found.detections, classifiers) };
      const models: LoadedModels = {
        generation: generationCount + 1,
        loadedAt: new Date(),
        manifest,
        mapping,
        detectors: detectorSet,
        classifiers,
        analysable: analysableTypes(manifest, mapping, { aerialDetectors: options.aerialDetectors === true }),
        detectFrame: async (frame) => withClassifiers(await detectorSet.detectFrame(frame), frame),
        detectImage: async (bytes, source) => withClassifiers(await detectorSet.detectImage(bytes, source), bytes),
      };
      if (plateReader) models.plateReader = plateReader;
      generationCount++;
      return { models, resources: taken, inFlight: 0, retired: false, released: false, texts: `${manifestText}\u0000${mappingText}` };
    } catch (error) {
      // Sessions this attempt opened are closed; shared ones stay with the generation that runs.
      await releaseAll(taken);
      throw error;
    }
  };

  let current = await build();
  log?.info({ generation: 1, models: current.models.manifest.entries.map((e) => e.id) }, 'models loaded');

  // A generation's sessions are given back once it is no longer current and nothing runs on it.
  const settle = async (gen: Generation) => {
    if (!gen.retired || gen.inFlight > 0 || gen.released) return;
    gen.released = true;
    await releaseAll(gen.resources);
  };
  const retire = async (gen: Generation) => {
    gen.retired = true;
    await settle(gen);
  };

  let reloading: Promise<ReloadResult> | undefined;
  let again = false;
  // The files as they were when a reload last failed: one broken save is reported once, however
  // many change events the editor's save produced.
  let failedTexts: string | undefined;
  const reloadOnce = async (fromWatcher: boolean): Promise<ReloadResult> => {
    const before = current;
    let next: Generation;
    let texts: string | undefined;
    try {
      texts = await Promise.all([readFile(manifestPath, 'utf8'), readFile(mappingPath, 'utf8')]).then((t) => t.join('\u0000'), () => undefined);
      if (texts === before.texts) {
        return { ok: true, generation: before.models.generation, unchanged: true, added: [], replaced: [], removed: [] };
      }
      // An explicit reload() tries again (a model file may have been fixed in place).
      if (fromWatcher && texts !== undefined && texts === failedTexts && lastError) {
        return { ok: false, generation: before.models.generation, error: lastError.message };
      }
      next = await build();
    } catch (error) {
      const message = (error as Error).message;
      failedTexts = texts;
      lastError = { at: new Date(), message };
      log?.error({ err: message, generation: before.models.generation }, 'model reload failed; the running models are kept');
      const result: ReloadResult = { ok: false, generation: before.models.generation, error: message };
      options.onReload?.(result);
      return result;
    }
    if (closed) {
      await releaseAll(next.resources);
      return { ok: false, generation: before.models.generation, error: 'registry closed' };
    }
    current = next;
    lastError = undefined;
    const diff = diffEntries(before.models.manifest.entries, next.models.manifest.entries);
    log?.info({ generation: next.models.generation, ...diff }, 'models reloaded');
    await retire(before);
    const result: ReloadResult = { ok: true, generation: next.models.generation, unchanged: false, ...diff };
    options.onReload?.(result);
    return result;
  };
  let againExplicit = false;
  const reload = (fromWatcher = false): Promise<ReloadResult> => {
    if (reloading) {
      // A change that lands while a reload runs is picked up by one more reload after it.
      again = true;
      againExplicit ||= !fromWatcher;
      return reloading;
    }
    reloading = (async () => {
      let result: ReloadResult;
      let watcherOnly = fromWatcher;
      do {
        again = false;
        result = await reloadOnce(watcherOnly);
        watcherOnly = !againExplicit;
        againExplicit = false;
      } while (again && !closed);
      reloading = undefined;
      return result;
    })();
    return reloading;
  };

  // Watch the folders, not the files: editors and `mv` replace a file with a new one, which a
  // watcher on the old file would never report.
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  if (options.watch !== false) {
    const names = new Map<string, Set<string>>();
    for (const file of [manifestPath, mappingPath]) {
      const dir = path.dirname(file);
      if (!names.has(dir)) names.set(dir, new Set());
      names.get(dir)!.add(path.basename(file));
    }
    for (const [dir, files] of names) {
      const watcher = watch(dir, (_event, filename) => {
        if (filename !== null && !files.has(filename.toString())) return;
        clearTimeout(timer);
        timer = setTimeout(() => void reload(true), options.debounceMs ?? 300);
      });
      watcher.on('error', (error) => log?.error({ err: error.message, dir }, 'cannot watch the model manifest folder'));
      watchers.push(watcher);
    }
  }

  return {
    async use(fn) {
      if (closed) throw new Error('model registry is closed');
      const gen = current;
      gen.inFlight++;
      try {
        return await fn(gen.models);
      } finally {
        gen.inFlight--;
        await settle(gen);
      }
    },
    current: () => current.models,
    reload: () => reload(false),
    status: () => ({
      generation: current.models.generation,
      loadedAt: current.models.loadedAt,
      manifestPath,
      models: current.models.manifest.entries.map((e) => ({ id: e.id, kind: e.kind, version: e.version, sha256: sha256Of(e) })),
      analysable: current.models.analysable,
      ...(lastError ? { lastError } : {}),
      openModels: pool.size,
    }),
    async close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
      await reloading;
      await retire(current);
    },
  };
}

/** Two entries with the same key can share one session: same files, same hashes, same settings. */
function keyOf(entry: AnyModelEntry): string {
  return `${entry.kind}:${JSON.stringify(entry)}`;
}

function sha256Of(entry: AnyModelEntry): string {
  return entry.kind === 'plate-reader' ? entry.textRecognizer.sha256 : entry.sha256;
}

function diffEntries(before: readonly AnyModelEntry[], after: readonly AnyModelEntry[]) {
  const old = new Map(before.map((e) => [e.id, keyOf(e)]));
  const now = new Map(after.map((e) => [e.id, keyOf(e)]));
  return {
    added: [...now.keys()].filter((id) => !old.has(id)),
    replaced: [...now.keys()].filter((id) => old.has(id) && old.get(id) !== now.get(id)),
    removed: [...old.keys()].filter((id) => !now.has(id)),
  };
}
