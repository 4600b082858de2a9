// The camera path's detector when the model registry holds the models: every enabled detector and
// classifier of the current generation runs on each frame (registry.use), so a model added to the
// manifest reaches running cameras without a restart. Its time per model goes to the inference
// histogram when metrics are given.
import type { Histogram } from 'prom-client';
import type { ModelRegistry } from '../../models/registry.ts';
import type { FrameDetector } from './detector-queue.ts';

export function registryDetector(registry: ModelRegistry, inference?: Histogram<'model'>): FrameDetector {
  return {
    get model() {
      return { id: registry.current().detectors.detectors.map((d) => d.model.id).join('+') || 'no detector' };
    },
    detectFrame: (frame) =>
      registry.use(async (models) => {
        const found = await models.detectFrame(frame);
        for (const m of found.perModel) inference?.observe({ model: m.modelId }, m.timings.inferenceMs / 1000);
        return found;
      }),
  };
}
