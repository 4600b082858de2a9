// Looking again at one handled camera case: a new frame from the camera that raised it, the
// detector on it, and the answer (gone or still there) with the frame as evidence: the case's box
// drawn dashed where the object was, and what the detector sees there now.
import sharp from 'sharp';
import type { EvidenceItem } from '../../contracts/case.ts';
import type { CameraConfig } from '../../contracts/camera.ts';
import type { Box, Detection, Frame } from '../../contracts/types.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import { annotate } from '../evidence/annotate.ts';
import { objectsAtPlace, type PresenceSettings } from './presence.ts';

export interface CaseToLookAt {
  id: number;
  type: string;
  cameraId: string;
  box: Box;
}

export interface LookAgainReport {
  outcome: 'gone' | 'still_there';
  evidence: EvidenceItem[];
  seen: Array<{ label: string; score: number }>;
}

export interface LookAgainDeps {
  /** A detector or the model registry's whole set: what the camera worker would see. */
  detector: { detectFrame(frame: Frame): Promise<{ detections: Detection[] }> };
  objects: ObjectStore;
  /** Detector labels that are each violation type's object (models/violation-labels.json). */
  labelsOf: (type: string) => readonly string[];
  grab: (camera: CameraConfig) => Promise<Frame>;
  presence?: PresenceSettings;
}

export async function lookAgain(c: CaseToLookAt, camera: CameraConfig, deps: LookAgainDeps): Promise<LookAgainReport> {
  const frame = await deps.grab(camera);
  const { detections } = await deps.detector.detectFrame(frame);
  const found = objectsAtPlace(detections, c.box, deps.labelsOf(c.type), deps.presence);
  const outcome = found.length ? 'still_there' : 'gone';
  const evidence = await frameEvidence(frame, c, found, outcome, camera, deps.objects);
  return { outcome, evidence: [evidence], seen: found.map((d) => ({ label: d.label, score: Math.round(d.score * 1000) / 1000 })) };
}

async function frameEvidence(frame: Frame, c: CaseToLookAt, found: Detection[], outcome: LookAgainReport['outcome'], camera: CameraConfig, objects: ObjectStore): Promise<EvidenceItem> {
  const raw = sharp(Buffer.from(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.byteLength), { raw: { width: frame.width, height: frame.height, channels: 3 } });
  const place: Detection = { label: outcome === 'gone' ? '原位置 case place: gone' : '原位置 case place', score: 1, box: c.box };
  const caption = `#${c.id} ${outcome === 'gone' ? '复查：已不在 gone' : '复查：仍在 still there'} · ${camera.name ?? camera.id} · ${frame.capturedAt.toISOString()}`;
  const jpeg = await annotate(raw, frame.width, frame.height, [place, ...found], { caption });
  const stored = await objects.put(jpeg, 'image/jpeg');
  return {
    kind: 'frame',
    key: stored.key,
    sha256: stored.sha256,
    contentType: 'image/jpeg',
    capturedAt: frame.capturedAt.toISOString(),
    bytes: stored.bytes,
    width: frame.width,
    height: frame.height,
    box: c.box,
  };
}
