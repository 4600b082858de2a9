// Finding the one output tensor a single-output format decodes, with the same error wording for
// every format: what was expected, and every output the model really has.
import { ModelFormatError, type DecoderSpec, type ModelOutputs, type OutputTensor } from './types.ts';

export function describeOutputs(outputs: ModelOutputs): string {
  const parts = Object.entries(outputs).map(([k, t]) => `${k} [${t.dims.join(',')}]`);
  return parts.length ? parts.join(', ') : 'no outputs';
}

/**
 * The single output for which `fits` holds. `expected` describes it for the message, e.g.
 * "[1,N,85] (4 box + objectness + 80 classes)". Also checks that the data fills the shape, so a
 * decoder can index without bounds checks.
 */
export function singleOutput(
  outputs: ModelOutputs,
  spec: DecoderSpec,
  format: string,
  expected: string,
  fits: (dims: readonly number[]) => boolean,
): { name: string; tensor: OutputTensor } {
  const matches = Object.entries(outputs).filter(([, t]) => fits(t.dims));
  if (matches.length !== 1) {
    throw new ModelFormatError(
      spec.modelId,
      `${format} expects one output of shape ${expected}; ` +
        `${matches.length === 0 ? 'found' : 'several match among'} ${describeOutputs(outputs)}`,
    );
  }
  const [name, tensor] = matches[0]!;
  const size = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== size) {
    throw new ModelFormatError(
      spec.modelId,
      `output ${name} [${tensor.dims.join(',')}] holds ${tensor.data.length} values, its shape says ${size}`,
    );
  }
  return { name, tensor };
}
