// A violation as the case ingest contract carries it. The observation id is a hash of what makes a
// sighting this sighting (type, source, time, box, track), so a report retried after a crash posts
// the same id and the API records it once.
import { createHash } from 'node:crypto';
import type { CaseObservation, EvidenceItem, SourceKind } from '../../contracts/case.ts';
import type { Violation } from '../../contracts/types.ts';

export function observationIdFor(v: Violation): string {
  const box = v.box.map((n) => n.toFixed(1)).join(',');
  return createHash('sha256')
    .update([v.type, v.sourceId, v.observedAt.toISOString(), box, v.zoneId ?? '', v.trackId ?? '', ...imagePart(v)].join('|'))
    .digest('hex');
}

/**
 * Survey sightings name their image (attributes.image, its sha256): two photos of one survey may
 * share a capture second and a box position. Absent for camera sightings, whose ids stay as they were.
 */
function imagePart(v: Violation): string[] {
  const image = v.attributes?.image;
  return typeof image === 'string' && image ? [image] : [];
}

/** Camera rules name a zone or a track; a sighting with only a position comes from a survey. */
export function sourceKindOf(v: Violation): SourceKind {
  return v.location && v.zoneId === undefined && v.trackId === undefined ? 'survey' : 'camera';
}

export interface ObservationSource {
  kind?: SourceKind;
  name?: string;
}

export function toObservation(
  v: Violation,
  dedupeKey: string,
  evidence: EvidenceItem[],
  source: ObservationSource,
  modelSha256: string | undefined,
): CaseObservation {
  // The case's plate field: the text read, or "unreadable: <reason>" so a reviewer sees why not.
  const read = v.attributes?.plate;
  const why = v.attributes?.plateUnreadable;
  const plate = read === 'unreadable' && typeof why === 'string' ? `unreadable: ${why}`.slice(0, 32) : read;
  return {
    dedupeKey,
    observationId: observationIdFor(v),
    type: v.type,
    source: { kind: source.kind ?? sourceKindOf(v), id: v.sourceId, ...(source.name ? { name: source.name } : {}) },
    observedAt: v.observedAt.toISOString(),
    ...(v.startedAt ? { startedAt: v.startedAt.toISOString() } : {}),
    score: Math.min(1, Math.max(0, v.score)),
    box: v.box,
    ...(v.zoneId !== undefined ? { zoneId: v.zoneId } : {}),
    ...(v.location ? { location: v.location } : {}),
    ...(v.label ? { label: v.label } : {}),
    ...(typeof plate === 'string' && plate ? { plate } : {}),
    ...(v.attributes ? { attributes: v.attributes } : {}),
    ...verdictOf(v),
    model: { id: v.modelId ?? 'unknown', ...(modelSha256 ? { sha256: modelSha256 } : {}) },
    evidence,
  };
}

/** The verdict stage's attributes (verdict.ts) as the contract's verdict field. */
function verdictOf(v: Violation): Pick<CaseObservation, 'verdict'> {
  const score = v.attributes?.verdictScore;
  const modelId = v.attributes?.verdictModelId;
  const sha = v.attributes?.verdictModelSha256;
  if (typeof score !== 'number' || !Number.isFinite(score) || typeof modelId !== 'string' || !modelId) return {};
  return { verdict: { score: Math.min(1, Math.max(0, score)), modelId, ...(typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha) ? { modelSha256: sha } : {}) } };
}
