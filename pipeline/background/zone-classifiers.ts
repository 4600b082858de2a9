// Where watch zones get their zone-state classifiers: the manifest's `classifier` entries by id,
// each opened once per process and shared by every camera that names it (one thread: the cores
// belong to the decoders and the detector).
import { loadManifest } from '../../models/manifest.ts';
import { createClassifier, type Classifier } from '../classify/classifier.ts';
import type { ClassifierSource } from './zone-state.ts';

const opened = new Map<string, Promise<Classifier | undefined>>();

export const manifestZoneClassifiers: ClassifierSource = (modelId) => {
  let c = opened.get(modelId);
  if (!c) {
    c = loadManifest().then((m) => {
      const entry = m.classifiers.find((e) => e.id === modelId);
      return entry ? createClassifier(entry, { threads: 1 }) : undefined;
    });
    opened.set(modelId, c);
    // A failure (a file missing) is not remembered: the next camera tries again.
    c.catch(() => opened.delete(modelId));
  }
  return c;
};
