// This machine's practical fp32 peak as onnxruntime reaches it: one large square MatMul (the most
// efficient kernel it has), timed like the model, so a model's achieved GFLOP/s can be read
// against the physical limit on the same threads.
import ort from 'onnxruntime-node';
import { makeConst } from '../../models/import/constant-folding.ts';
import { OnnxGraphBuilder } from '../../models/import/onnx-builder.ts';

export interface PeakMeasurement {
  /** Side of the square matrices. */
  size: number;
  medianMs: number;
  gflopsPerSecond: number;
}

export async function measureMatMulPeak(options: { size?: number; runs?: number; threads?: number } = {}): Promise<PeakMeasurement> {
  const n = options.size ?? 1024;
  const runs = options.runs ?? 10;
  const b = new OnnxGraphBuilder(['a', 'c']);
  const a = b.addInput('a', 'float32', [n, n]);
  // Deterministic, non-trivial weights (all-zero could meet a shortcut somewhere).
  const w = b.constant('w', makeConst('float32', [n, n], Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 255) / 255 - 0.5)));
  const [c] = b.node('MatMul', [a, w], [{ name: 'c', dtype: 'float32', shape: [n, n] }]);
  const bytes = b.build([{ value: c!, name: 'c' }], { graphName: 'peak', producerName: 'bench-detect', producerVersion: '1' });
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
  });
  const input = new ort.Tensor('float32', Float32Array.from({ length: n * n }, (_, i) => (i % 13) / 13), [n, n]);
  try {
    for (let i = 0; i < 3; i++) await session.run({ a: input });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await session.run({ a: input });
      times.push(performance.now() - t);
    }
    const medianMs = [...times].sort((x, y) => x - y)[Math.floor(times.length / 2)]!;
    return { size: n, medianMs, gflopsPerSecond: (2 * n * n * n) / (medianMs / 1000) / 1e9 };
  } finally {
    await session.release();
  }
}
