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
    detectFrame: (frame) =>
      registry.use(async (models) => {
        const found = await models.detectFrame(frame);
        for (const m of found.perModel) inference?.observe({ model: m.modelId }, m.timings.inferenceMs / 1000);
        return found;
      }),
  };
}
