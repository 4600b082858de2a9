// One converter per TensorFlow op. Each reads the TF node's attributes, emits equivalent ONNX nodes
// through the builder and returns its outputs with static shapes, which later converters use (Conv
// groups, SAME padding, Reshape's -1). TF's spatial ops are NHWC by default while ONNX's are NCHW:
// converters wrap them in Transposes and the builder cancels the pairs that meet.
import { constNumbers, makeConst, normaliseAxis, transposeConst } from './constant-folding.ts';
import { attrInts, type OnnxAttr, type OnnxGraphBuilder, type OnnxValue } from './onnx-builder.ts';
import { shapeSize, tfDtype, type ConstTensor, type TfNode } from './tfjs-graph.ts';

export interface ConvertContext {
  readonly node: TfNode;
  readonly b: OnnxGraphBuilder;
  /** Input `i` as a graph tensor; constants become initializers on first use. */
  input(i: number): OnnxValue;
  /** Input `i`'s value when it is a (possibly folded) constant. */
  constInput(i: number): ConstTensor | undefined;
  /** Preferred ONNX name for output `i` (the TF tensor name). */
  outName(i: number): string;
}

export type OpConverter = (ctx: ConvertContext) => OnnxValue[];

export class UnsupportedOpError extends Error {
  constructor(
    readonly op: string,
    readonly nodeName: string,
  ) {
    super(`unsupported TF op '${op}' at node '${nodeName}'`);
    this.name = 'UnsupportedOpError';
  }
}

export function convertNode(ctx: ConvertContext): OnnxValue[] {
  const converter = OP_CONVERTERS[ctx.node.op];
  if (!converter) throw new UnsupportedOpError(ctx.node.op, ctx.node.name);
  try {
    return converter(ctx);
  } catch (err) {
    if (err instanceof UnsupportedOpError) throw err;
    throw new Error(`converting ${ctx.node.op} node '${ctx.node.name}': ${(err as Error).message}`, { cause: err });
  }
}

// ---------------------------------------------------------------------------------------------
// Attribute access. Strings arrive base64-encoded (proto3 JSON of bytes), ints as decimal strings.

function attrString(node: TfNode, key: string, fallback?: string): string {
  const s = node.attr[key]?.s;
  if (s === undefined) {
    if (fallback === undefined) throw new Error(`missing attribute '${key}'`);
    return fallback;
  }
  return Buffer.from(s, 'base64').toString('utf8');
}

function attrIntList(node: TfNode, key: string, fallback?: number[]): number[] {
  const list = node.attr[key]?.list?.i;
  if (list === undefined || list.length === 0) {
    if (fallback === undefined) throw new Error(`missing attribute '${key}'`);
    return fallback;
  }
  return list.map(Number);
}

function attrFloat(node: TfNode, key: string, fallback: number): number {
  return node.attr[key]?.f ?? fallback;
}

function attrBool(node: TfNode, key: string, fallback: boolean): boolean {
  return node.attr[key]?.b ?? fallback;
}

function attrInt(node: TfNode, key: string, fallback?: number): number {
  const i = node.attr[key]?.i;
  if (i === undefined) {
    if (fallback === undefined) throw new Error(`missing attribute '${key}'`);
    return fallback;
  }
  return Number(i);
}

function requireConst(ctx: ConvertContext, i: number, what: string): ConstTensor {
  const c = ctx.constInput(i);
  if (!c) throw new Error(`${what} (input ${i}, '${ctx.node.inputs[i]}') must be constant`);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Shapes

function broadcastShape(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === 1) out.push(db);
    else if (db === 1 || db === da) out.push(da);
    else if (da === -1 || db === -1) out.push(Math.max(da, db));
    else throw new Error(`cannot broadcast [${a}] with [${b}]`);
  }
  return out;
}

function invertPerm(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

interface Layout {
  /** Transposes taking this layout to NCHW and back. */
  toNchw: number[];
  fromNchw: number[];
  spatial: number[];
  channel: number;
}

function layout(format: string, rank: number): Layout {
  if (rank !== 4) throw new Error(`only 2-D spatial ops are supported (rank ${rank})`);
  if (format === 'NHWC') return { toNchw: [0, 3, 1, 2], fromNchw: [0, 2, 3, 1], spatial: [1, 2], channel: 3 };
  if (format === 'NCHW') return { toNchw: [0, 1, 2, 3], fromNchw: [0, 1, 2, 3], spatial: [2, 3], channel: 1 };
  throw new Error(`unsupported data_format '${format}'`);
}

/** ONNX pads [begin_h, begin_w, end_h, end_w] for TF's padding modes. */
function windowPads(
  node: TfNode,
  lay: Layout,
  inSpatial: number[],
  kernel: number[],
  strides: number[],
  dilations: number[],
): number[] {
  const padding = attrString(node, 'padding');
  if (padding === 'VALID') return [0, 0, 0, 0];
  if (padding === 'SAME') {
    const begin: number[] = [];
    const end: number[] = [];
    inSpatial.forEach((size, d) => {
      if (size < 0) throw new Error('SAME padding needs a static spatial size');
      const effK = (kernel[d]! - 1) * dilations[d]! + 1;
      const out = Math.ceil(size / strides[d]!);
      const total = Math.max((out - 1) * strides[d]! + effK - size, 0);
      // TF puts the odd pixel at the end, as ONNX SAME_UPPER does.
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
    });
    return [...begin, ...end];
  }
  if (padding === 'EXPLICIT') {
    const ep = attrIntList(node, 'explicit_paddings');
    return [...lay.spatial.map((d) => ep[2 * d]!), ...lay.spatial.map((d) => ep[2 * d + 1]!)];
  }
  throw new Error(`unsupported padding '${padding}'`);
}

function windowOutput(inSize: number, k: number, s: number, d: number, pb: number, pe: number): number {
  if (inSize < 0) return -1;
  return Math.floor((inSize + pb + pe - ((k - 1) * d + 1)) / s) + 1;
}

function spatialAttr(node: TfNode, key: string, lay: Layout, fallback?: number[]): number[] {
  const v = attrIntList(node, key, fallback);
  if (v.length !== 4) throw new Error(`attribute '${key}' must have 4 entries, has [${v}]`);
  const other = [0, lay.channel];
  if (other.some((i) => v[i] !== 1)) throw new Error(`attribute '${key}' [${v}] strides over batch or channels`);
  return lay.spatial.map((i) => v[i]!);
}

// ---------------------------------------------------------------------------------------------
// Converters

function unary(onnxOp: string, attrs: (node: TfNode) => OnnxAttr[] = () => []): OpConverter {
  return (ctx) => {
    const x = ctx.input(0);
    return ctx.b.node(onnxOp, [x], [{ name: ctx.outName(0), dtype: x.dtype, shape: x.shape }], attrs(ctx.node));
  };
}

/**
 * Elementwise binary op. When one side is a Transpose and the other a constant, the op is done
 * before the Transpose (with the constant permuted to match): TF graphs from ONNX do
 * conv → NHWC → bias add → NCHW, and moving the add lets both Transposes cancel, after which ORT
 * folds the bias into the Conv.
 */
function binary(onnxOp: string): OpConverter {
  return (ctx) => {
    const a = ctx.input(0);
    const bIn = ctx.input(1);
    const dtype = a.dtype;
    const shape = broadcastShape(a.shape, bIn.shape);
    const name = ctx.outName(0);
    for (const [t, c] of [
      [a, bIn],
      [bIn, a],
    ] as const) {
      const tp = ctx.b.producerOf(t);
      const cv = ctx.b.constValue(c);
      if (tp?.opType !== 'Transpose' || !cv || cv.shape.length > t.shape.length) continue;
      if (shape.join() !== t.shape.join()) continue;
      const perm = attrInts(tp, 'perm');
      const full = makeConst(cv.dtype, [...new Array<number>(t.shape.length - cv.shape.length).fill(1), ...cv.shape], constNumbers(cv));
      const permuted = ctx.b.constant(`${c.name}/permuted`, transposeConst(full, invertPerm(perm)));
      const src = ctx.b.valueOf(tp.inputs[0]!);
      const operands = t === a ? [src, permuted] : [permuted, src];
      const [inner] = ctx.b.node(onnxOp, operands, [{ name: `${name}/pre_transpose`, dtype, shape: src.shape }]);
      return [ctx.b.transpose(inner!, perm, name)];
    }
    return ctx.b.node(onnxOp, [a, bIn], [{ name, dtype, shape }]);
  };
}

const identity: OpConverter = (ctx) => [ctx.input(0)];

const transpose: OpConverter = (ctx) => {
  const x = ctx.input(0);
  const perm = constNumbers(requireConst(ctx, 1, 'perm')).map((p) => normaliseAxis(p, x.shape.length));
  return [ctx.b.transpose(x, perm, ctx.outName(0))];
};

const reshape: OpConverter = (ctx) => {
  const x = ctx.input(0);
  const shapeConst = ctx.constInput(1);
  if (!shapeConst) {
    const s = ctx.input(1);
    const s64 =
      s.dtype === 'int64'
        ? s
        : ctx.b.node('Cast', [s], [{ name: `${ctx.outName(0)}/shape`, dtype: 'int64', shape: s.shape }], [
            { name: 'to', i: 7 },
          ])[0]!;
    const rank = s.shape[0] ?? -1;
    const shape = new Array<number>(Math.max(rank, 0)).fill(-1);
    return ctx.b.node('Reshape', [x, s64], [{ name: ctx.outName(0), dtype: x.dtype, shape }], [{ name: 'allowzero', i: 1 }]);
  }
  const target = constNumbers(shapeConst);
  if (x.shape[0]! < 0 && target[0] === 1) return reshapeKeepingBatch(ctx, x, target);
  let shape = target;
  if (x.shape.every((d) => d >= 0) && target.filter((d) => d === -1).length === 1) {
    const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    shape = target.map((d) => (d === -1 ? shapeSize(x.shape) / known : d));
  }
  // TF's 0 is a real zero-sized dimension; ONNX needs allowzero=1 to read it that way.
  const attrs: OnnxAttr[] = shape.includes(0) ? [{ name: 'allowzero', i: 1 }] : [];
  const s = ctx.b.int64(`${ctx.outName(0)}/shape`, shape);
  return ctx.b.node('Reshape', [x, s], [{ name: ctx.outName(0), dtype: x.dtype, shape }], attrs);
};

/**
 * A graph exported for one image (TF target [1, ...]) converted with a dynamic batch: ONNX's 0 copies
 * the input's batch size, so the same constant serves any batch.
 */
function reshapeKeepingBatch(ctx: ConvertContext, x: OnnxValue, target: number[]): OnnxValue[] {
  const rest = target.slice(1);
  if (rest.includes(0)) throw new Error(`reshape to [${target}] has a zero-sized dimension, which a dynamic batch cannot copy`);
  const per = x.shape.slice(1);
  if (rest.filter((d) => d === -1).length === 1 && per.every((d) => d >= 0)) {
    const known = rest.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    rest.splice(rest.indexOf(-1), 1, shapeSize(per) / known);
  }
  const s = ctx.b.int64(`${ctx.outName(0)}/shape`, [0, ...rest]);
  return ctx.b.node('Reshape', [x, s], [{ name: ctx.outName(0), dtype: x.dtype, shape: [-1, ...rest] }]);
}

function pad(mode: 'Pad' | 'PadV2' | 'MirrorPad'): OpConverter {
  return (ctx) => {
    const x = ctx.input(0);
    const p = constNumbers(requireConst(ctx, 1, 'paddings'));
    const rank = x.shape.length;
    if (p.length !== 2 * rank) throw new Error(`paddings has ${p.length} values for rank ${rank}`);
    const begin = Array.from({ length: rank }, (_, i) => p[2 * i]!);
    const end = Array.from({ length: rank }, (_, i) => p[2 * i + 1]!);
    const shape = x.shape.map((d, i) => (d < 0 ? -1 : d + begin[i]! + end[i]!));
    const pads = ctx.b.int64(`${ctx.outName(0)}/pads`, [...begin, ...end]);
    const inputs: (OnnxValue | null)[] = [x, pads];
    let onnxMode = 'constant';
    if (mode === 'PadV2') {
      const cv = ctx.constInput(2);
      // ONNX wants a scalar of the data's type; TF accepts any single-element tensor.
      inputs.push(cv ? ctx.b.constant(`${ctx.outName(0)}/value`, makeConst(x.dtype, [], constNumbers(cv))) : ctx.input(2));
    } else if (mode === 'MirrorPad') {
      const m = attrString(ctx.node, 'mode');
      if (m !== 'REFLECT') throw new Error(`MirrorPad mode ${m} has no ONNX equivalent`);
      onnxMode = 'reflect';
    }
    return ctx.b.node('Pad', inputs, [{ name: ctx.outName(0), dtype: x.dtype, shape }], [{ name: 'mode', s: onnxMode }]);
  };
}

const conv2d: OpConverter = (ctx) => {
  const { node, b } = ctx;
  const x = ctx.input(0);
  const w = ctx.input(1);
  const lay = layout(attrString(node, 'data_format', 'NHWC'), x.shape.length);
  const strides = spatialAttr(node, 'strides', lay);
  const dilations = spatialAttr(node, 'dilations', lay, [1, 1, 1, 1]);
  if (w.shape.length !== 4) throw new Error(`filter must be 4-D, is [${w.shape}]`);
  const [kh, kw, cinPerGroup, cout] = w.shape as [number, number, number, number];
  const xn = b.transpose(x, lay.toNchw, `${ctx.outName(0)}/nchw_in`);
  const cin = xn.shape[1]!;
  if (cin < 0) throw new Error('input channel count must be static');
  // TF runs a grouped convolution when the filter has fewer input channels than the image.
  if (cin % cinPerGroup !== 0) throw new Error(`input has ${cin} channels, filter expects multiples of ${cinPerGroup}`);
  const group = cin / cinPerGroup;
  const wOihw = b.transpose(w, [3, 2, 0, 1], `${node.inputs[1]}/oihw`);
  return [nchwConv(ctx, lay, xn, wOihw, { kernel: [kh, kw], strides, dilations, outChannels: cout, group, ...fusedEpilogue(ctx) })];
};

const depthwiseConv2d: OpConverter = (ctx) => {
  const { node, b } = ctx;
  const x = ctx.input(0);
  const w = requireConst(ctx, 1, 'filter');
  const lay = layout(attrString(node, 'data_format', 'NHWC'), x.shape.length);
  const strides = spatialAttr(node, 'strides', lay);
  const dilations = spatialAttr(node, 'dilations', lay, [1, 1, 1, 1]);
  const [kh, kw, cin, mult] = w.shape as [number, number, number, number];
  // Output channel c*mult+m reads filter[:, :, c, m]: as a [kh, kw, 1, cin*mult] filter that is a
  // plain grouped conv with one input channel per group.
  const asGrouped = makeConst(w.dtype, [kh, kw, 1, cin * mult], constNumbers(w));
  const wOihw = b.transpose(b.constant(`${node.inputs[1]}/grouped`, asGrouped), [3, 2, 0, 1], `${node.inputs[1]}/oihw`);
  const xn = b.transpose(x, lay.toNchw, `${ctx.outName(0)}/nchw_in`);
  return [nchwConv(ctx, lay, xn, wOihw, { kernel: [kh, kw], strides, dilations, outChannels: cin * mult, group: cin, ...fusedEpilogue(ctx) })];
};

/**
 * What grappler fused into a _FusedConv2D / FusedDepthwiseConv2dNative after the convolution: a
 * bias (input 2) and optionally an activation. The plain ops have no `fused_ops` and get nothing.
 */
function fusedEpilogue(ctx: ConvertContext): { bias?: OnnxValue; activation?: 'Relu' | 'Relu6' } {
  const raw = ctx.node.attr['fused_ops']?.list?.s;
  if (!ctx.node.op.includes('Fused') || raw === undefined) return {};
  const ops = raw.map((s) => Buffer.from(s, 'base64').toString('utf8'));
  const [first, activation, ...rest] = ops;
  if (first !== 'BiasAdd' || rest.length > 0 || (activation !== undefined && activation !== 'Relu' && activation !== 'Relu6')) {
    throw new Error(`fused_ops [${ops.join(', ')}] not supported (BiasAdd, optionally then Relu or Relu6)`);
  }
  if (attrInt(ctx.node, 'num_args', 1) !== 1) throw new Error(`fused_ops [${ops.join(', ')}] with num_args ${attrInt(ctx.node, 'num_args')}, expected 1 (the bias)`);
  return { bias: ctx.input(2), activation };
}

/** An ONNX Conv on NCHW data (TF padding resolved to explicit pads), transposed back to the op's layout. */
function nchwConv(
  ctx: Parameters<OpConverter>[0],
  lay: ReturnType<typeof layout>,
  xn: ReturnType<Parameters<OpConverter>[0]['input']>,
  wOihw: ReturnType<Parameters<OpConverter>[0]['input']>,
  conv: {
    kernel: [number, number];
    strides: number[];
    dilations: number[];
    outChannels: number;
    group: number;
    bias?: OnnxValue;
    activation?: 'Relu' | 'Relu6';
  },
) {
  const { node, b } = ctx;
  const { kernel, strides, dilations } = conv;
  const inSpatial = [xn.shape[2]!, xn.shape[3]!];
  const pads = windowPads(node, lay, inSpatial, kernel, strides, dilations);
  const outSpatial = inSpatial.map((s, d) => windowOutput(s, kernel[d]!, strides[d]!, dilations[d]!, pads[d]!, pads[d + 2]!));
  const shape = [xn.shape[0]!, conv.outChannels, ...outSpatial];
  if (conv.bias && conv.bias.shape.join() !== String(conv.outChannels)) throw new Error(`bias has shape [${conv.bias.shape}], expected [${conv.outChannels}]`);
  const [y] = b.node(
    'Conv',
    conv.bias ? [xn, wOihw, conv.bias] : [xn, wOihw],
    [{ name: `${ctx.outName(0)}/nchw${conv.activation ? '_linear' : ''}`, dtype: xn.dtype, shape }],
    [
      { name: 'kernel_shape', ints: kernel },
      { name: 'strides', ints: strides },
      { name: 'dilations', ints: dilations },
      { name: 'pads', ints: pads },
      { name: 'group', i: conv.group },
    ],
  );
  // The activation runs before the layout transpose so that a following conv sees NCHW directly.
  const activated = conv.activation ? nchwActivation(b, conv.activation, y!, `${ctx.outName(0)}/nchw`) : y!;
  return b.transpose(activated, lay.fromNchw, ctx.outName(0));
}

function nchwActivation(b: OnnxGraphBuilder, activation: 'Relu' | 'Relu6', y: OnnxValue, name: string): OnnxValue {
  const out = [{ name, dtype: y.dtype, shape: y.shape }];
  if (activation === 'Relu') return b.node('Relu', [y], out)[0]!;
  const lo = b.constant(`${name}/min`, makeConst(y.dtype, [], [0]));
  const hi = b.constant(`${name}/max`, makeConst(y.dtype, [], [6]));
  return b.node('Clip', [y, lo, hi], out)[0]!;
}

function pool(onnxOp: 'MaxPool' | 'AveragePool'): OpConverter {
  return (ctx) => {
    const { node, b } = ctx;
    const x = ctx.input(0);
    const lay = layout(attrString(node, 'data_format', 'NHWC'), x.shape.length);
    const kernel = spatialAttr(node, 'ksize', lay);
    const strides = spatialAttr(node, 'strides', lay);
    const xn = b.transpose(x, lay.toNchw, `${ctx.outName(0)}/nchw_in`);
    const inSpatial = [xn.shape[2]!, xn.shape[3]!];
    const pads = windowPads(node, lay, inSpatial, kernel, strides, [1, 1]);
    const outSpatial = inSpatial.map((s, d) => windowOutput(s, kernel[d]!, strides[d]!, 1, pads[d]!, pads[d + 2]!));
    // TF's AvgPool divides by the in-bounds count under SAME, as ONNX does with count_include_pad=0.
    const [y] = b.node(
      onnxOp,
      [xn],
      [{ name: `${ctx.outName(0)}/nchw`, dtype: x.dtype, shape: [xn.shape[0]!, xn.shape[1]!, ...outSpatial] }],
      [
        { name: 'kernel_shape', ints: kernel },
        { name: 'strides', ints: strides },
        { name: 'pads', ints: pads },
      ],
    );
    return [b.transpose(y!, lay.fromNchw, ctx.outName(0))];
  };
}

const concat: OpConverter = (ctx) => {
  const n = ctx.node.inputs.length - 1;
  const parts = Array.from({ length: n }, (_, i) => ctx.input(i));
  const first = parts[0]!;
  const axis = normaliseAxis(constNumbers(requireConst(ctx, n, 'axis'))[0]!, first.shape.length);
  const shape = [...first.shape];
  shape[axis] = parts.some((p) => p.shape[axis]! < 0) ? -1 : parts.reduce((s, p) => s + p.shape[axis]!, 0);
  return ctx.b.node('Concat', parts, [{ name: ctx.outName(0), dtype: first.dtype, shape }], [{ name: 'axis', i: axis }]);
};

function splitOutputs(ctx: ConvertContext, x: OnnxValue, axis: number, sizes: number[]): { name: string; dtype: typeof x.dtype; shape: number[] }[] {
  return sizes.map((s, i) => {
    const shape = [...x.shape];
    shape[axis] = s;
    return { name: ctx.outName(i), dtype: x.dtype, shape };
  });
}

const splitV: OpConverter = (ctx) => {
  const x = ctx.input(0);
  const axis = normaliseAxis(constNumbers(requireConst(ctx, 2, 'split_dim'))[0]!, x.shape.length);
  let sizes = constNumbers(requireConst(ctx, 1, 'size_splits'));
  const dim = x.shape[axis]!;
  if (sizes.includes(-1)) {
    if (dim < 0) throw new Error('size_splits with -1 needs a static split dimension');
    const rest = sizes.filter((s) => s !== -1).reduce((a, s) => a + s, 0);
    sizes = sizes.map((s) => (s === -1 ? dim - rest : s));
  }
  const split = ctx.b.int64(`${ctx.outName(0)}/split`, sizes);
  return ctx.b.node('Split', [x, split], splitOutputs(ctx, x, axis, sizes), [{ name: 'axis', i: axis }]);
};

const split: OpConverter = (ctx) => {
  const x = ctx.input(1);
  const axis = normaliseAxis(constNumbers(requireConst(ctx, 0, 'split_dim'))[0]!, x.shape.length);
  const n = attrInt(ctx.node, 'num_split');
  const dim = x.shape[axis]!;
  const sizes = new Array<number>(n).fill(dim < 0 ? -1 : dim / n);
  // Without a `split` input, ONNX Split (opset 13-17) divides evenly, as TF Split does.
  return ctx.b.node('Split', [x], splitOutputs(ctx, x, axis, sizes), [{ name: 'axis', i: axis }]);
};

function resize(kind: 'bilinear' | 'nearest'): OpConverter {
  return (ctx) => {
    const { node, b } = ctx;
    const x = ctx.input(0);
    const [h, w] = constNumbers(requireConst(ctx, 1, 'size'));
    const alignCorners = attrBool(node, 'align_corners', false);
    const halfPixel = attrBool(node, 'half_pixel_centers', false);
    if (alignCorners && halfPixel) throw new Error('align_corners and half_pixel_centers are exclusive');
    const attrs: OnnxAttr[] = [];
    if (kind === 'bilinear') {
      // TF's half-pixel bilinear clamps source coordinates to the image as ORT's 'half_pixel' does;
      // its legacy mode samples at out*in/out ('asymmetric').
      const ctm = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
      attrs.push({ name: 'mode', s: 'linear' }, { name: 'coordinate_transformation_mode', s: ctm });
    } else {
      // TF nearest: floor((out+0.5)*scale) with half-pixel centres, floor(out*scale) legacy,
      // round-half-up(out*scale) with align_corners.
      const [ctm, nearest] = alignCorners
        ? ['align_corners', 'round_prefer_ceil']
        : halfPixel
          ? ['tf_half_pixel_for_nn', 'floor']
          : ['asymmetric', 'floor'];
      attrs.push({ name: 'mode', s: 'nearest' }, { name: 'coordinate_transformation_mode', s: ctm! }, { name: 'nearest_mode', s: nearest! });
    }
    const xn = b.transpose(x, [0, 3, 1, 2], `${ctx.outName(0)}/nchw_in`);
    if (xn.shape[0]! < 0 && xn.shape[1]! >= 0 && xn.shape[2]! > 0 && xn.shape[3]! > 0) {
      // A dynamic batch has no constant `sizes`; scales out/in give the same sizes and sampling.
      const scales = b.constant(`${ctx.outName(0)}/scales`, makeConst('float32', [4], [1, 1, h! / xn.shape[2]!, w! / xn.shape[3]!]));
      const [y] = b.node('Resize', [xn, null, scales], [{ name: `${ctx.outName(0)}/nchw`, dtype: x.dtype, shape: [-1, xn.shape[1]!, h!, w!] }], attrs);
      return [b.transpose(y!, [0, 2, 3, 1], ctx.outName(0))];
    }
    if (xn.shape[0]! < 0 || xn.shape[1]! < 0) throw new Error('resize needs static batch and channel sizes');
    const sizes = b.int64(`${ctx.outName(0)}/sizes`, [xn.shape[0]!, xn.shape[1]!, h!, w!]);
    const [y] = b.node('Resize', [xn, null, null, sizes], [{ name: `${ctx.outName(0)}/nchw`, dtype: x.dtype, shape: [xn.shape[0]!, xn.shape[1]!, h!, w!] }], attrs);
    return [b.transpose(y!, [0, 2, 3, 1], ctx.outName(0))];
  };
}

const biasAdd: OpConverter = (ctx) => {
  const format = attrString(ctx.node, 'data_format', 'NHWC');
  if (format === 'NHWC') return binary('Add')(ctx);
  const x = ctx.input(0);
  const bias = requireConst(ctx, 1, 'bias');
  const trailing = new Array<number>(x.shape.length - 2).fill(1);
  const bv = ctx.b.constant(`${ctx.node.inputs[1]}/nchw`, makeConst(bias.dtype, [bias.shape[0]!, ...trailing], constNumbers(bias)));
  return ctx.b.node('Add', [x, bv], [{ name: ctx.outName(0), dtype: x.dtype, shape: x.shape }]);
};

const relu6: OpConverter = (ctx) => {
  const x = ctx.input(0);
  const lo = ctx.b.constant(`${ctx.outName(0)}/min`, makeConst(x.dtype, [], [0]));
  const hi = ctx.b.constant(`${ctx.outName(0)}/max`, makeConst(x.dtype, [], [6]));
  return ctx.b.node('Clip', [x, lo, hi], [{ name: ctx.outName(0), dtype: x.dtype, shape: x.shape }]);
};

/**
 * TF Mean over constant axes as ReduceMean (opset 17: axes an attribute). Over a transposed map
 * (TF's NHWC view of an NCHW conv output, as squeeze-excite blocks pool it) the mean is taken on the
 * untransposed map and only the small result is transposed, so the full map is never copied.
 */
const mean: OpConverter = (ctx) => {
  const x = ctx.input(0);
  const rank = x.shape.length;
  const axes = [...new Set(constNumbers(requireConst(ctx, 1, 'reduction_indices')).map((a) => normaliseAxis(a, rank)))].sort((p, q) => p - q);
  const keep = attrBool(ctx.node, 'keep_dims', false);
  // TF reduces nothing over an empty axis list; ONNX would reduce everything.
  if (axes.length === 0) return [x];
  const reducedShape = (shape: number[], over: number[]) => (keep ? shape.map((d, i) => (over.includes(i) ? 1 : d)) : shape.filter((_, i) => !over.includes(i)));
  const tp = ctx.b.producerOf(x);
  if (keep && tp?.opType === 'Transpose') {
    const perm = attrInts(tp, 'perm');
    const src = ctx.b.valueOf(tp.inputs[0]!);
    const srcAxes = axes.map((a) => perm[a]!).sort((p, q) => p - q);
    const [inner] = ctx.b.node('ReduceMean', [src], [{ name: `${ctx.outName(0)}/pre_transpose`, dtype: x.dtype, shape: reducedShape(src.shape, srcAxes) }], [
      { name: 'axes', ints: srcAxes },
      { name: 'keepdims', i: 1 },
    ]);
    return [ctx.b.transpose(inner!, perm, ctx.outName(0))];
  }
  return ctx.b.node('ReduceMean', [x], [{ name: ctx.outName(0), dtype: x.dtype, shape: reducedShape(x.shape, axes) }], [
    { name: 'axes', ints: axes },
    { name: 'keepdims', i: keep ? 1 : 0 },
  ]);
};

const cast: OpConverter = (ctx) => {
  const x = ctx.input(0);
  const to = tfDtype(ctx.node.attr['DstT']?.type, 'DstT');
  const onnxType = { float32: 1, int32: 6, int64: 7, bool: 9 }[to];
  return ctx.b.node('Cast', [x], [{ name: ctx.outName(0), dtype: to, shape: x.shape }], [{ name: 'to', i: onnxType }]);
};

export const OP_CONVERTERS: Readonly<Record<string, OpConverter>> = {
  Identity: identity,
  Transpose: transpose,
  Reshape: reshape,
  Cast: cast,
  Pad: pad('Pad'),
  PadV2: pad('PadV2'),
  MirrorPad: pad('MirrorPad'),
  Conv2D: conv2d,
  _FusedConv2D: conv2d,
  DepthwiseConv2dNative: depthwiseConv2d,
  FusedDepthwiseConv2dNative: depthwiseConv2d,
  Mean: mean,
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
  ConcatV2: concat,
  SplitV: splitV,
  Split: split,
  ResizeBilinear: resize('bilinear'),
  ResizeNearestNeighbor: resize('nearest'),
  Add: binary('Add'),
  AddV2: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  BiasAdd: biasAdd,
  Sigmoid: unary('Sigmoid'),
  Tanh: unary('Tanh'),
  Relu: unary('Relu'),
  Relu6: relu6,
  Exp: unary('Exp'),
  // TF's default alpha is 0.2, unlike ONNX's 0.01.
  LeakyRelu: unary('LeakyRelu', (n) => [{ name: 'alpha', f: attrFloat(n, 'alpha', 0.2) }]),
  // Both normalise over the last axis.
  Softmax: unary('Softmax', () => [{ name: 'axis', i: -1 }]),
};
