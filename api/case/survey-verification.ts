// 核查 of drone cases by the next survey that covers the place: when a survey image's result comes
// in, every handled drone case whose position lies inside that image's footprint on the ground (and
// was handled before the image was taken) is looked at in it. A kept detection of the case's kind
// near the case's position: still there, back to the unit; none: verified by the system. The
// survey image itself is the evidence. Like the camera's second look (verification.ts), as
// system:verifier.
import type { SurveyImageResult } from '../../contracts/survey.ts';
import { loadViolationLabels } from '../../models/violation-labels.ts';
import { cameraPose, distanceM } from '../../pipeline/survey/georeference.ts';
import { footprint } from '../map/survey-layer.ts';
import type { Db } from '../store/db.ts';
import type { Actor } from './actor.ts';
import { recordVerification, type VerificationResult } from './verification.ts';

/** A detection this close to the case (or within twice either position's accuracy) is the same place. */
const SAME_PLACE_M = 15;

let labels: Promise<(type: string) => readonly string[]> | undefined;
function labelsOfType(): Promise<(type: string) => readonly string[]> {
  labels ??= loadViolationLabels().then((m) => (type: string) => m.types[type as keyof typeof m.types]?.labels ?? []);
  return labels;
}

export function insideRing(point: { lat: number; lon: number }, ring: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > point.lat !== yj > point.lat && point.lon < ((xj - xi) * (point.lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export interface SurveyImageSeen {
  surveyId: string;
  sha256: string;
  key: string;
  contentType: string;
  bytes: number;
  width: number;
  height: number;
}

export async function verifyBySurveyImage(db: Db, image: SurveyImageSeen, result: SurveyImageResult, reporter: Actor, now: Date): Promise<VerificationResult[]> {
  const t = result.telemetry;
  if (result.status !== 'done' || !t?.read || !t.capturedAt || image.contentType === 'image/tiff') return [];
  const width = result.width ?? image.width;
  const height = result.height ?? image.height;
  const pose = cameraPose({ lat: t.lat, lon: t.lon, relativeAltitudeM: t.relativeAltitudeM, gimbalPitchDeg: t.gimbalPitchDeg, gimbalYawDeg: t.yawDeg }, t.focalLengthPx, width, height);
  if (typeof pose === 'string') return [];
  const ring = footprint(pose);
  if (!ring) return [];
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  const capturedAt = new Date(t.capturedAt);
  const handled = await db.query<{ id: number; type: string; lat: number; lon: number; accuracy_m: number | null }>(
    `SELECT id, type, lat, lon, accuracy_m FROM cases WHERE status = 'handled' AND source_kind = 'survey'
       AND lon BETWEEN $1 AND $2 AND lat BETWEEN $3 AND $4 AND updated_at < $5`,
    [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats), capturedAt],
  );
  const labelsOf = await labelsOfType();
  const out: VerificationResult[] = [];
  for (const c of handled) {
    if (!insideRing(c, ring)) continue;
    const kinds = labelsOf(c.type);
    const near = (result.detections ?? []).filter(
      (d) => d.kept && d.location && kinds.includes(d.label) && distanceM(d.location, c) <= Math.max(SAME_PLACE_M, 2 * (c.accuracy_m ?? 0), 2 * (d.location.accuracyM ?? 0)),
    );
    out.push(
      await recordVerification(
        db,
        c.id,
        {
          outcome: near.length ? 'still_there' : 'gone',
          evidence: [{ kind: 'frame', key: image.key, sha256: image.sha256, contentType: image.contentType, capturedAt: capturedAt.toISOString(), bytes: image.bytes, width, height }],
          seen: near.map((d) => ({ label: d.label, score: d.score })),
          method: 'survey_look_again',
          about: { surveyId: image.surveyId, image: image.sha256 },
        },
        reporter,
        now,
      ),
    );
  }
  return out;
}
