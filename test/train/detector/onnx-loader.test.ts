// The Python ONNX → torch loader runs the default detector exactly as onnxruntime-node does: the
// same real photo goes through both and every output agrees to 1e-4.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../../models/manifest.ts';
import { ensureTrainingPython, runPythonModule } from '../../../models/train/detector-python.ts';
import { defaultModel } from '../../support/default-detector.ts';
import { samplePath } from '../../support/samples.ts';
import { photoTensor } from './photo-tensor.ts';

beforeAll(() => ensureTrainingPython());

describe('ONNX → torch loader', () => {
  it('equals onnxruntime on a real photo (max abs diff ≤ 1e-4 on every output)', async () => {
    const model = await defaultModel();
    const file = model.file;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'onnx-loader-'));
    const input = await photoTensor(samplePath('darknet/dog.jpg'), model.input);
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
    const outputs = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, model.input.height, model.input.width]) });
    const shapes: Record<string, number[]> = { input: [1, 3, model.input.height, model.input.width] };
    await writeFile(path.join(dir, 'input.bin'), input);
    for (const [name, t] of Object.entries(outputs)) {
      shapes[name] = [...t.dims];
      await writeFile(path.join(dir, `${name}.bin`), t.data as Float32Array);
    }
    await writeFile(path.join(dir, 'shapes.json'), JSON.stringify(shapes));
    await session.release();

    const run = await runPythonModule('compare_onnx', [file, dir]);
    expect(run.stderr).toBe('');
    const { maxAbsDiff } = JSON.parse(run.stdout) as { maxAbsDiff: Record<string, number> };
    expect(Object.keys(maxAbsDiff).sort()).toEqual(Object.keys(outputs).sort());
    for (const diff of Object.values(maxAbsDiff)) expect(diff).toBeLessThanOrEqual(1e-4);
  }, 60_000);

  it('names the ops it does not know in a model of another family', async () => {
    // PaddleOCR's text detector: a real ONNX model of a family the importer never writes.
    const other = (await loadManifest()).plateReader?.textDetector.file;
    expect(other, 'the plate reader declared in the manifest').toBeDefined();
    const run = await runPythonModule('compare_onnx', [other!, os.tmpdir()]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/ops this loader does not know: /);
  }, 60_000);
});
