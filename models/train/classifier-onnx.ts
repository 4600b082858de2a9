// One ONNX file for a trained classifier: the embedder's backbone graph as set-up generated it,
// followed by the pooling of crop-features.ts and the softmax head, so it takes the crop tensor
// [N, 3, H, W] and returns class probabilities [N, classes] — a plain `classifier` manifest entry
// (output.activation "none") that pipeline/classify/ runs like any other.
import onnxProto from 'onnx-proto';
import type { Pooling } from './crop-features.ts';
import type { SoftmaxHead } from './softmax-head.ts';

const { onnx } = onnxProto;
type Node = ReturnType<typeof onnx.NodeProto.create>;
type Attr = ReturnType<typeof onnx.AttributeProto.create>;

export const PROBABILITIES_OUTPUT = 'probabilities';
/** Set to tiny for a vector that pools to zero, so it stays zero as in pipeline/embed/pool-features.ts. */
const NORM_FLOOR = 1e-30;

export function buildClassifierOnnx(backboneOnnx: Uint8Array, pooling: Pooling, head: SoftmaxHead, name: string): Uint8Array {
  const model = onnx.ModelProto.decode(backboneOnnx);
  const graph = model.graph!;
  const input = graph.input![0]!;
  const inputName = input.name!;
  const nodes: Node[] = [];
  const inits: ReturnType<typeof onnx.TensorProto.create>[] = [];
  const node = (opType: string, inputs: string[], output: string, attrs: Attr[] = []) => {
    nodes.push(onnx.NodeProto.create({ name: output, opType, input: inputs, output: [output], attribute: attrs }));
    return output;
  };
  const floats = (n: string, dims: number[], data: ArrayLike<number>) => {
    inits.push(onnx.TensorProto.create({ name: n, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(data) }));
    return n;
  };
  const ints = (n: string, data: number[]) => {
    inits.push(onnx.TensorProto.create({ name: n, dims: [data.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: data }));
    return n;
  };
  const unit = (x: string, axis: number, out: string) => node('Div', [x, node('Max', [node('ReduceL2', [x], `${out}_norm`, [intsAttr('axes', [axis]), intAttr('keepdims', 1)]), floats(`${out}_floor`, [], [NORM_FLOOR])], `${out}_safe`)], out);

  // The mirror image rides in the same batch: [crops; mirrored crops] through the backbone once.
  let backboneIn = inputName;
  if (pooling.flip) {
    backboneIn = 'cls_crops_and_mirrors';
    for (const n of graph.node!) n.input = n.input!.map((i) => (i === inputName ? backboneIn : i));
    const mirrored = node('Slice', [inputName, ints('cls_flip_starts', [-1]), ints('cls_flip_ends', [-(2 ** 31)]), ints('cls_flip_axes', [3]), ints('cls_flip_steps', [-1])], 'cls_mirrored');
    node('Concat', [inputName, mirrored], backboneIn, [intAttr('axis', 0)]);
  }

  const pooled = pooling.features.map((feature) => {
    const out = graph.output!.find((o) => o.name === feature);
    const dims = out?.type?.tensorType?.shape?.dim?.map((d) => Number(d.dimValue ?? -1));
    if (!dims || dims.length !== 4) throw new Error(`the backbone has no [N, C, H, W] output "${feature}" (outputs: ${graph.output!.map((o) => o.name).join(', ')})`);
    const [, c, h, w] = dims as [number, number, number, number];
    const g = pooling.grid;
    if (h % g !== 0 || w % g !== 0) throw new Error(`the ${h}x${w} map "${feature}" does not divide into a ${g}x${g} pooling grid`);
    // Cells averaged, each cell's C values to unit length, laid out cell by cell as pool-features.ts does.
    const cells = node('AveragePool', [feature], `cls_${feature}_cells`, [intsAttr('kernel_shape', [h / g, w / g]), intsAttr('strides', [h / g, w / g])]);
    const last = node('Transpose', [cells], `cls_${feature}_nhwc`, [intsAttr('perm', [0, 2, 3, 1])]);
    const flat = node('Reshape', [last, ints(`cls_${feature}_cell_shape`, [0, g * g, c])], `cls_${feature}_by_cell`);
    const normed = unit(flat, 2, `cls_${feature}_unit_cells`);
    return node('Reshape', [normed, ints(`cls_${feature}_flat_shape`, [0, g * g * c])], `cls_${feature}_vector`);
  });
  const joined = pooled.length === 1 ? pooled[0]! : node('Concat', pooled, 'cls_joined', [intAttr('axis', 1)]);
  let features = unit(joined, 1, 'cls_embedding');
  if (pooling.flip) {
    const pairs = node('Reshape', [features, ints('cls_pair_shape', [2, -1, head.dimensions])], 'cls_pairs');
    features = node('ReduceMean', [pairs], 'cls_embedding_mean', [intsAttr('axes', [0]), intAttr('keepdims', 0)]);
  }
  const centred = node('Sub', [features, floats('cls_mean', [head.dimensions], head.mean)], 'cls_centred');
  const scaled = node('Div', [centred, floats('cls_std', [head.dimensions], head.std)], 'cls_standardised');
  const logits = node('Gemm', [scaled, floats('cls_weights', [head.classes, head.dimensions], head.weights), floats('cls_bias', [head.classes], head.bias)], 'cls_logits', [intAttr('transB', 1)]);
  node('Softmax', [logits], PROBABILITIES_OUTPUT, [intAttr('axis', 1)]);

  graph.node!.push(...nodes);
  graph.initializer!.push(...inits);
  graph.name = name;
  graph.output = [
    onnx.ValueInfoProto.create({
      name: PROBABILITIES_OUTPUT,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: head.classes }] } } },
    }),
  ];
  model.producerName = 'chengguan-violations models/train';
  model.docString = `crop classifier ${name}: backbone + pooling (${pooling.features.join(', ')}, grid ${pooling.grid}${pooling.flip ? ', mirror averaged' : ''}) + softmax head`;
  return onnx.ModelProto.encode(model).finish();
}

function intAttr(name: string, i: number): Attr {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
}

function intsAttr(name: string, ints: number[]): Attr {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });
}
