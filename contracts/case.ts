// The case ingest contract (DESIGN.md, "Case ingest" and "Lifecycle"): what a pipeline worker posts
// to POST /v1/cases, and the lifecycle both sides agree on. Workers never write the database; they
// upload evidence to the object store (content-addressed) and post one observation per sighting.
// The API creates a case or merges into the one with the same dedupeKey, and the same observation
// (observationId) posted twice changes nothing.
import type { Box, ViolationType } from './types.ts';

export const VIOLATION_TYPES = [
  'street_vending',
  'illegal_parking',
  'exposed_garbage',
  'illegal_construction',
  'uncovered_muck_truck',
] as const satisfies readonly ViolationType[];

export type EvidenceKind =
  /** The confirming frame with the box, label, camera name and time drawn on it. */
  | 'frame'
  /** A tight crop around the box, from the confirming frame. */
  | 'crop'
  /** The frame when the violation began (for dwell rules: before the dwell limit ran out). */
  | 'start_frame'
  /** A short clip, when a worker records one. */
  | 'clip'
  /**
   * The confirming frame exactly as the camera saw it, nothing drawn: what a reviewer's corrections
   * on 'frame' turn into training data (a model must not learn our rectangles and captions).
   */
  | 'clean_frame'
  /**
   * The first-seen and the confirming frame side by side, each with its time, box and zone: what a
   * dwell rule claims, at a glance. Drawn for people only, never training data.
   */
  | 'comparison';

export const EVIDENCE_KINDS = ['frame', 'crop', 'start_frame', 'clip', 'clean_frame', 'comparison'] as const satisfies readonly EvidenceKind[];

export interface EvidenceItem {
  kind: EvidenceKind;
  /** Object-store key. Content-addressed: the lowercase hex sha256 of the bytes. */
  key: string;
  /** sha256 of the bytes, computed when the evidence was captured. */
  sha256: string;
  contentType: string;
  /** ISO 8601: when the pictured frame was taken (not when it was uploaded). */
  capturedAt: string;
  bytes: number;
  width?: number;
  height?: number;
  /** Where the object is in this image, in its pixels (lets a page draw the box on its own). */
  box?: Box;
}

export type SourceKind = 'camera' | 'survey';

/** One sighting of a violation, as a worker posts it. */
export interface CaseObservation {
  /** Which case this sighting belongs to: from pipeline/dedupe. Same key, same case. */
  dedupeKey: string;
  /** Unique per sighting and stable across retries (sha256 of source, time, type, box). */
  observationId: string;
  type: ViolationType;
  source: { kind: SourceKind; id: string; name?: string };
  /** ISO 8601. */
  observedAt: string;
  /** ISO 8601: when the object was first seen (dwell rules). */
  startedAt?: string;
  score: number;
  box: Box;
  zoneId?: string;
  location?: { lat: number; lon: number; accuracyM: number };
  label?: string;
  /** Licence plate, when a plate reader read one. */
  plate?: string;
  attributes?: Record<string, string | number>;
  /**
   * "Would a reviewer confirm this?": the probability of `confirmed` from a verdict classifier
   * (a manifest classifier with attribute `verdict`) and which model gave it. Absent: none applied.
   */
  verdict?: { score: number; modelId: string; modelSha256?: string };
  model: { id: string; sha256?: string };
  evidence: EvidenceItem[];
}

/** What POST /v1/cases answers. */
export interface CaseIngestResult {
  caseId: number;
  status: CaseStatus;
  /** created: a new case; merged: a new sighting of a known case; reopened: seen again after handling; duplicate: this observation was already recorded. */
  result: 'created' | 'merged' | 'reopened' | 'duplicate';
}

export type CaseStatus =
  | 'pending_review'
  | 'confirmed'
  | 'rejected'
  | 'dispatched'
  | 'handled'
  | 'verified'
  | 'closed'
  | 'reopened';

export const CASE_STATUSES = [
  'pending_review',
  'confirmed',
  'rejected',
  'dispatched',
  'handled',
  'verified',
  'closed',
  'reopened',
] as const satisfies readonly CaseStatus[];

/** The moves people make, named as they say them; each lands in one status. */
export type CaseMove = 'confirm' | 'reject' | 'dispatch' | 'handle' | 'verify' | 'close' | 'reopen';

export const MOVE_TARGET: Record<CaseMove, CaseStatus> = {
  confirm: 'confirmed',
  reject: 'rejected',
  dispatch: 'dispatched',
  handle: 'handled',
  verify: 'verified',
  close: 'closed',
  reopen: 'reopened',
};

/**
 * The city-management loop 发现 → 立案 → 派遣 → 处置 → 核查 → 结案. A rejected case stays rejected:
 * later sightings are kept on it but do not bring it back to a reviewer who called it a false
 * positive. A reopened case goes out to a unit again.
 */
export const ALLOWED_MOVES: Record<CaseStatus, CaseMove[]> = {
  pending_review: ['confirm', 'reject'],
  confirmed: ['dispatch', 'reject'],
  rejected: [],
  dispatched: ['handle'],
  handled: ['verify', 'reopen'],
  verified: ['close', 'reopen'],
  closed: ['reopen'],
  reopened: ['dispatch', 'close'],
};

/** Statuses in which a new sighting means the problem came back. */
export const REOPEN_ON_SIGHTING: readonly CaseStatus[] = ['handled', 'verified', 'closed'];

export function canMove(from: CaseStatus, move: CaseMove): boolean {
  return ALLOWED_MOVES[from].includes(move);
}

const isoDateTime = { type: 'string', format: 'date-time' } as const;
const boxSchema = {
  type: 'array',
  items: { type: 'number' },
  minItems: 4,
  maxItems: 4,
  description: '[x1, y1, x2, y2] in source pixels',
} as const;
const sha256Schema = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;

/** JSON schema of an EvidenceItem (the API validates with it; workers may too). */
export const evidenceItemSchema = {
  type: 'object',
  required: ['kind', 'key', 'sha256', 'contentType', 'capturedAt', 'bytes'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: [...EVIDENCE_KINDS] },
    // Evidence is content-addressed: the object store takes no other key.
    key: { ...sha256Schema, description: "the object's sha256 (its key in the object store)" },
    sha256: sha256Schema,
    // Only the raster types the product makes; the API also checks the bytes (api/evidence/media-type.ts).
    contentType: { type: 'string', enum: ['image/jpeg', 'image/png', 'image/webp', 'video/mp4'] },
    capturedAt: isoDateTime,
    bytes: { type: 'integer', minimum: 1 },
    width: { type: 'integer', minimum: 1 },
    height: { type: 'integer', minimum: 1 },
    box: boxSchema,
  },
} as const;

/** JSON schema of a CaseObservation: the body of POST /v1/cases. */
export const caseObservationSchema = {
  type: 'object',
  required: ['dedupeKey', 'observationId', 'type', 'source', 'observedAt', 'score', 'box', 'model', 'evidence'],
  additionalProperties: false,
  properties: {
    dedupeKey: { type: 'string', minLength: 1, maxLength: 200 },
    observationId: { type: 'string', minLength: 1, maxLength: 200 },
    type: { type: 'string', enum: [...VIOLATION_TYPES] },
    source: {
      type: 'object',
      required: ['kind', 'id'],
      additionalProperties: false,
      properties: {
        kind: { type: 'string', enum: ['camera', 'survey'] },
        id: { type: 'string', minLength: 1, maxLength: 200 },
        name: { type: 'string', maxLength: 200 },
      },
    },
    observedAt: isoDateTime,
    startedAt: isoDateTime,
    score: { type: 'number', minimum: 0, maximum: 1 },
    box: boxSchema,
    zoneId: { type: 'string', maxLength: 200 },
    location: {
      type: 'object',
      required: ['lat', 'lon', 'accuracyM'],
      additionalProperties: false,
      properties: {
        lat: { type: 'number', minimum: -90, maximum: 90 },
        lon: { type: 'number', minimum: -180, maximum: 180 },
        accuracyM: { type: 'number', minimum: 0 },
      },
    },
    label: { type: 'string', maxLength: 100 },
    plate: { type: 'string', maxLength: 32 },
    attributes: { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }] } },
    verdict: {
      type: 'object',
      required: ['score', 'modelId'],
      additionalProperties: false,
      properties: {
        score: { type: 'number', minimum: 0, maximum: 1, description: 'probability that a reviewer confirms the case' },
        modelId: { type: 'string', minLength: 1, maxLength: 200 },
        modelSha256: sha256Schema,
      },
    },
    model: {
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      properties: { id: { type: 'string', minLength: 1, maxLength: 200 }, sha256: sha256Schema },
    },
    evidence: { type: 'array', maxItems: 20, items: evidenceItemSchema },
  },
} as const;
