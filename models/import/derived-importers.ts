// Importers that make a model from another manifest model rather than from an npm package: their
// `generatedBy.from` is the source entry's id, whose file set-up has already produced and checked.
import { readVerifiedModel } from '../model-file.ts';
import type { ModelEntry } from '../manifest.ts';
import { calibrationImages, calibrationInputs } from './calibration-inputs.ts';
import { quantiseStatic } from './quantise.ts';

export const derivedImporters: Record<string, (source: ModelEntry) => Promise<{ onnx: Uint8Array }>> = {
  // Static int8 (QDQ) of a float detector, calibrated on the sample photos (quantise.ts).
  'quantise-int8': async (source) => {
    const inputs = await calibrationInputs(source.input, await calibrationImages());
    const dims = source.input.layout === 'NCHW' ? [1, 3, source.input.height, source.input.width] : [1, source.input.height, source.input.width, 3];
    return quantiseStatic(await readVerifiedModel(source), { calibration: inputs, inputDims: dims });
  },
};
