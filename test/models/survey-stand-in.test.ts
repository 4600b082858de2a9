// The int8 detector stands in for the fp32 default in drone surveys where int8 is exact on the CPU:
// the CPU check on real /proc/cpuinfo shapes, the manifest's refusals, and the survey registry on
// the product's own manifest and generated models (cameras never get it).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { int8ExactHere, int8ExactOn } from '../../models/int8-exact.ts';
import { findModel, loadManifest, ManifestError, MODELS_DIR, parseManifest } from '../../models/manifest.ts';
import { createModelRegistry } from '../../models/registry.ts';
import { surveyModel, surveyStandIns } from '../../models/survey-stand-in.ts';

const x86 = (flags: string) => `processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)\nflags\t\t: fpu vme ${flags}\nbugs\t\t: spectre_v1\n`;

describe('is int8 exact on this CPU', () => {
  it('x86 with AVX512-VNNI or AVX-VNNI: yes; x86 without: no; ARM: yes; unreadable: no', () => {
    expect(int8ExactOn(x86('sse4_2 avx2 avx512f avx512_vnni'))).toEqual({ exact: true, why: 'this x86 CPU has AVX512-VNNI' });
    expect(int8ExactOn(x86('sse4_2 avx2 avx_vnni'))).toEqual({ exact: true, why: 'this x86 CPU has AVX-VNNI' });
    expect(int8ExactOn(x86('sse4_2 avx2 avx512f avx512bw'))).toEqual({ exact: false, why: 'this x86 CPU has no VNNI: int8 products can saturate' });
    expect(int8ExactOn('processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics asimddp\nCPU implementer\t: 0x41\n').exact).toBe(true);
    expect(int8ExactOn(undefined)).toEqual({ exact: false, why: 'the CPU could not be read (/proc/cpuinfo)' });
  });

  it('reads this machine’s /proc/cpuinfo', () => {
    expect(int8ExactHere()).toEqual(int8ExactOn(readFileSync('/proc/cpuinfo', 'utf8')));
  });
});

describe('a survey stand-in in the manifest', () => {
  const detector = (id: string, more: Record<string, unknown> = {}) => ({
    id, version: '1', kind: 'detector', format: 'nanodet', file: `generated/${id}.onnx`, sha256: 'a'.repeat(64),
    input: { width: 416, height: 416 }, labels: 'labels/coco80.txt', source: 'test', licence: 'test', ...more,
  });
  const parse = (models: unknown[]) => parseManifest({ defaultDetector: 'fp32', models }, path.join(MODELS_DIR, 'manifest.json'));

  it('is refused naming it when it names no other detector, itself, or one with other labels', async () => {
    await expect(parse([detector('fp32'), detector('int8', { surveyStandInFor: 'fp16' })])).rejects.toThrow(/"int8"\.surveyStandInFor.*"fp16" is not another detector \(fp32, int8\)/);
    await expect(parse([detector('fp32'), detector('int8', { surveyStandInFor: 'int8' })])).rejects.toThrow(/"int8" is not another detector/);
    await expect(parse([detector('fp32'), detector('int8', { surveyStandInFor: '' })])).rejects.toThrow(ManifestError);
    await expect(parse([detector('fp32'), detector('int8', { surveyStandInFor: 7 })])).rejects.toThrow(/surveyStandInFor.*must be the id of another detector/);
  });

  it('stands in only where int8 is exact, and only for an enabled detector', async () => {
    const manifest = await parse([detector('fp32'), detector('int8', { enabled: false, surveyStandInFor: 'fp32' })]);
    const [fp32, int8] = manifest.models;
    const yes = { exact: true, why: 'this x86 CPU has AVX512-VNNI' };
    const no = { exact: false, why: 'this x86 CPU has no VNNI: int8 products can saturate' };
    expect(surveyModel(fp32!, manifest.models, yes)).toBe(int8);
    expect(surveyStandIns(manifest.models, yes).said).toEqual(['surveys run int8 in place of fp32: this x86 CPU has AVX512-VNNI']);
    expect(surveyModel(fp32!, manifest.models, no)).toBe(fp32);
    expect(surveyStandIns(manifest.models, no).said).toEqual(['surveys stay on fp32, not int8: this x86 CPU has no VNNI: int8 products can saturate']);
    const fp32Off = await parse([detector('fp32', { enabled: false }), detector('other'), detector('int8', { surveyStandInFor: 'fp32' })]);
    expect(surveyStandIns(fp32Off.models, yes).running.size).toBe(0);
  });
});

describe('the product’s survey registry', () => {
  it('runs the generated int8 detector in place of the fp32 default where int8 is exact, fp32 where not; cameras always fp32', async () => {
    const product = await loadManifest();
    expect(findModel(product, 'nanodet-coco-416-int8').surveyStandInFor).toBe('nanodet-coco-416');
    const logged: string[] = [];
    const logger = { info: (_: object, msg: string) => void logged.push(msg), error: () => undefined };
    const ids = async (options: Parameters<typeof createModelRegistry>[0]) => {
      const registry = await createModelRegistry({ plateReader: false, ...options });
      try {
        return registry.current().detectors.detectors.map((d) => d.model.id);
      } finally {
        await registry.close();
      }
    };
    expect(await ids({ aerialDetectors: true, int8Exact: { exact: true, why: 'pinned: VNNI' }, logger })).toEqual(['nanodet-coco-416-int8']);
    expect(logged).toContain('surveys run nanodet-coco-416-int8 in place of nanodet-coco-416: pinned: VNNI');
    expect(await ids({ aerialDetectors: true, int8Exact: { exact: false, why: 'pinned: no VNNI' } })).toEqual(['nanodet-coco-416']);
    expect(await ids({ int8Exact: { exact: true, why: 'pinned: VNNI' } })).toEqual(['nanodet-coco-416']);
  });
});
