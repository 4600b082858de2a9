// Where watch zones get their zone-state classifiers. A zone names one of two ways:
// - by id (`"classifier": "zone-state-test"`): that entry;
// - by attribute (`"classifier": "zoneState"`): the live classifier of that attribute, so the zone
//   follows the versions the training job promotes and rolls back. When several entries carry it,
//   the last one the manifest declares wins: the live manifest (models/versions/live-manifest.ts)
//   drops the product's entries of a promoted attribute and appends the promoted version, one per
//   attribute, so the last is the one the versions made live.
// An id wins over an attribute of the same spelling.
//
// Cameras of a worker resolve through its model registry (registryZoneClassifiers), at every
// classification; without a registry (`npm run watch`), or for an id the registry does not hold,
// through the repo manifest, each entry opened once per process and shared by every camera that
// names it (one thread: the cores belong to the decoders and the detector).
import { loadManifest } from '../../models/manifest.ts';
import type { ModelRegistry } from '../../models/registry.ts';
import { createClassifier, type Classifier } from '../classify/classifier.ts';
import type { ClassifierLookup, ZoneClassifierSource } from './zone-state.ts';

/** The entry a zone's classifier name means among these, declared in manifest order. */
export function findZoneClassifier<T extends { id: string; attribute: string }>(entries: readonly T[], name: string): T | undefined {
  const byId = entries.find((e) => e.id === name);
  if (byId) return byId;
  let last: T | undefined;
  for (const e of entries) if (e.attribute === name) last = e;
  return last;
}

const opened = new Map<string, Promise<Classifier | undefined>>();

export const manifestZoneClassifiers: ClassifierLookup = (name) => {
  let c = opened.get(name);
  if (!c) {
    c = loadManifest().then((m) => {
      const entry = findZoneClassifier(m.classifiers, name);
      return entry ? createClassifier(entry, { threads: 1 }) : undefined;
    });
    opened.set(name, c);
    // A failure (a file missing) is not remembered: the next camera tries again.
    c.catch(() => opened.delete(name));
  }
  return c;
};

/**
 * The registry's current classifiers first (the live manifest: promotions and rollbacks arrive by
 * hot reload), then the repo manifest for an id the registry does not hold. A registry classifier
 * is run inside registry.use, so a reload that replaces it closes it only after the run.
 */
export function registryZoneClassifiers(registry: Pick<ModelRegistry, 'use'>, fallback: ClassifierLookup = manifestZoneClassifiers): ZoneClassifierSource {
  return {
    async withClassifier(name, run) {
      const live = await registry.use(async (models) => {
        const classifier = findZoneClassifier(models.classifiers.map((c) => ({ id: c.model.id, attribute: c.model.attribute, classifier: c })), name)?.classifier;
        return classifier ? { result: await run(classifier) } : undefined;
      });
      return live ? live.result : run(await fallback(name));
    },
  };
}
