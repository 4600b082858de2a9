// Cases with real evidence for page tests: a crop and a frame cut from a sample photo, posted
// through the API like a worker would.
import sharp from 'sharp';
import type { CaseObservation } from '../../contracts/case.ts';
import { observation, type TestApi } from './api.ts';
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
