// Cases with real evidence for page tests: a crop and a frame cut from a sample photo, posted
// through the API like a worker would.
import sharp from 'sharp';
import type { CaseObservation, EvidenceItem } from '../../contracts/case.ts';
import type { Box, Frame, Violation } from '../../contracts/types.ts';
import { captureEvidence } from '../../pipeline/evidence/capture.ts';
import { observation, type TestApi } from './api.ts';
import { frameFromSample } from './frames.ts';
import { samplePath } from './samples.ts';

export async function caseFromSample(
  api: TestApi,
  sample: string,
  box: [number, number, number, number],
  over: Partial<CaseObservation> = {},
): Promise<number> {
  const file = samplePath(sample);
  const frame = await sharp(file).jpeg().toBuffer();
  const [x1, y1, x2, y2] = box;
  const crop = await sharp(file).extract({ left: x1, top: y1, width: x2 - x1, height: y2 - y1 }).jpeg().toBuffer();
  const evidence = [];
  for (const [kind, bytes] of [['frame', frame], ['crop', crop]] as const) {
    const stored = await api.objects.put(bytes, 'image/jpeg');
    evidence.push({ kind, key: stored.key, sha256: stored.sha256, contentType: 'image/jpeg', capturedAt: new Date().toISOString(), bytes: stored.bytes, box });
  }
  const res = await api.app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: api.headers('ingest'),
    payload: observation({ evidence, box, observedAt: new Date().toISOString(), ...over }),
  });
  if (res.statusCode >= 300) throw new Error(`case from ${sample}: ${res.body}`);
  return res.json().caseId;
}

/**
 * A sighting of a sample photo posted as a camera's case, its evidence made by the product's own
 * capture (frame, crop, clean frame) as a worker would: for tests that export or label what
 * reviewers saw. Returns the case id and the evidence stored.
 */
export async function capturedCase(
  api: TestApi,
  s: { name: string; file: string; camera: string; type: Violation['type']; label: string; box: Box; score?: number },
): Promise<{ caseId: number; evidence: EvidenceItem[] }> {
  const frame = await frameFromSample(s.file, s.camera, new Date(api.clock.now.getTime() - 60_000));
  const v: Violation = { type: s.type, sourceId: s.camera, observedAt: frame.capturedAt, box: s.box, score: s.score ?? 0.8, label: s.label, evidenceFrames: [frame] };
  const evidence = await captureEvidence(v, api.objects, { sourceName: s.camera });
  const res = await api.app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: api.headers('ingest'),
    payload: observation({ dedupeKey: `${s.type}:${s.name}`, type: s.type, label: s.label, box: s.box, score: v.score, source: { kind: 'camera', id: s.camera }, observedAt: frame.capturedAt.toISOString(), evidence }),
  });
  if (res.statusCode !== 201) throw new Error(`case ${s.name} from ${s.file}: ${res.statusCode} ${res.body}`);
  return { caseId: res.json().caseId, evidence };
}

/**
 * A camera's sighting of one cell of a 3x3 grid on a sample photo, the cell being the whole frame
 * (so no two cases share an image, which the export would write once) and the box its middle 70%;
 * evidence captured by the product as a worker would. Returns the case id.
 */
export async function cellCase(
  api: TestApi,
  s: { name: string; file: string; cell: [number, number]; camera: string; type: Violation['type']; label: string; score?: number },
): Promise<number> {
  const { width, height } = await sharp(samplePath(s.file)).metadata();
  const [w, h] = [Math.floor(width! / 3), Math.floor(height! / 3)];
  const { data, info } = await sharp(samplePath(s.file)).extract({ left: s.cell[0] * w, top: s.cell[1] * h, width: w, height: h }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const frame: Frame = { sourceId: s.camera, capturedAt: new Date(api.clock.now.getTime() - 60_000), width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  const box: Box = [Math.floor(w * 0.15), Math.floor(h * 0.15), Math.floor(w * 0.85), Math.floor(h * 0.85)];
  const v: Violation = { type: s.type, sourceId: s.camera, observedAt: frame.capturedAt, box, score: s.score ?? 0.8, label: s.label, evidenceFrames: [frame] };
  const evidence = await captureEvidence(v, api.objects, { sourceName: s.camera });
  const res = await api.app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: api.headers('ingest'),
    payload: observation({ dedupeKey: `${s.type}:${s.name}`, type: s.type, label: s.label, box, score: v.score, source: { kind: 'camera', id: s.camera }, observedAt: frame.capturedAt.toISOString(), evidence }),
  });
  if (res.statusCode !== 201) throw new Error(`case ${s.name} from ${s.file} cell ${s.cell.join(',')}: ${res.statusCode} ${res.body}`);
  return res.json().caseId;
}
