// The camera path's detector when the model registry holds the models: every enabled detector and
// classifier of the current generation runs on each frame (registry.use), so a model added to the
// manifest reaches running cameras without a restart. Its time per model goes to the inference
// histogram when metrics are given.
//
// Frames of several cameras (detectFrames) go through each detector of the set in batches; the
// whole batch runs on one generation, and the next batch sees a reload.
import type { Histogram } from 'prom-client';
import type { Frame } from '../../contracts/types.ts';
import type { LoadedModels, ModelRegistry } from '../../models/registry.ts';
import { classifyDetections } from '../classify/classify-stage.ts';
import type { SetDetections } from '../detect/detector-set.ts';
import type { FrameDetector } from './detector-queue.ts';

/** A frame detector whose results say which model of the set found what (perModel). */
export interface SetFrameDetector extends FrameDetector {
  detectFrame(frame: Frame): Promise<SetDetections>;
  detectFrames(frames: readonly Frame[]): Promise<SetDetections[]>;
}

export function registryDetector(registry: ModelRegistry, inference?: Histogram<'model'>): SetFrameDetector {
  const observe = (found: SetDetections): SetDetections => {
    for (const m of found.perModel) inference?.observe({ model: m.modelId }, m.timings.inferenceMs / 1000);
    return found;
  };
  return {
    get model() {
      const detectors = registry.current().detectors.detectors;
      // Frames at the model's size (analysis.frameSize "model") suit every detector only when they all take one size.
      const inputs = detectors.map((d) => d.model.input);
      const first = inputs[0];
      const shared = first && inputs.every((i) => i.width === first.width && i.height === first.height && i.resize === first.resize);
      return {
        id: detectors.map((d) => d.model.id).join('+') || 'no detector',
        ...(shared ? { input: { width: first.width, height: first.height, resize: first.resize } } : {}),
      };
    },
    get maxBatch() {
      return registry.current().detectors.maxBatch;
    },
    detectFrame: (frame) => registry.use(async (models) => observe(await models.detectFrame(frame))),
    detectFrames: (frames) =>
      registry.use(async (models) => {
        const found = await models.detectors.detectFrames(frames);
        const classified: SetDetections[] = [];
        for (const [i, f] of found.entries()) classified.push(observe(await withClassifiers(models, f, frames[i]!)));
        return classified;
      }),
  };
}

/** What models.detectFrame adds after its detectors (models/registry.ts): the classifiers' attributes on each box. */
async function withClassifiers(models: LoadedModels, found: SetDetections, frame: Frame): Promise<SetDetections> {
  return models.classifiers.length === 0 ? found : { ...found, detections: await classifyDetections(frame, found.detections, models.classifiers) };
}
