// Reviewers' box corrections (issue 6, "Learning from reviews"). A correction is the complete set
// of boxes a reviewer says are on one evidence image of one case: the model's box (moved,
// relabelled, or left out) and the boxes they drew (a missed garbage pile, a stall, a car seen
// from above). Each save appends a row to box_corrections; the latest row for an image is the one
// that counts, the older ones are the history. Evidence rows and bytes are never touched.
//
// "Effective boxes" of an image: the latest correction's boxes, or, without one, the model's box
// with the case's label. The case detail, the reviewer page and the dataset export all use this one
// function, so what a reviewer sees is what a model is trained on.
import type { Box } from '../../contracts/types.ts';
import type { Db, Queryable } from '../store/db.ts';
import type { Actor } from './actor.ts';
import { CaseNotFoundError } from './lifecycle.ts';

export type BoxOrigin = 'model' | 'drawn';

export interface LabelledBox {
  /** [x1, y1, x2, y2] in the evidence image's pixels. */
  box: Box;
  label: string;
  /** model: the detector's box (possibly moved or relabelled); drawn: a box a reviewer added. */
  origin: BoxOrigin;
}

export interface CorrectionInput {
  /** The evidence image (its sha256, which is also its object-store key). */
  sha256: string;
  boxes: LabelledBox[];
  note?: string;
}

export interface Correction {
  id: number;
  /** The case whose evidence image this is, or null for a survey image (surveyId). */
  caseId: number | null;
  /** The drone survey whose uploaded image this is, or null for case evidence. */
  surveyId: string | null;
  sha256: string;
  imageWidth: number;
  imageHeight: number;
  boxes: LabelledBox[];
  note: string | null;
  at: string;
  actor: string;
  actorRole: string;
}

/** Labels for boxes: lower-case words joined by _ or -, or a space (`muck_truck`, `dining table`, `垃圾`). */
export const LABEL_PATTERN = '^[\\p{L}\\p{N}][\\p{L}\\p{N} _-]{0,47}$';
const LABEL_RE = new RegExp(LABEL_PATTERN, 'u');

/** Labels that matter for the five violation types and that no installed model may have yet. */
export const VIOLATION_LABELS = ['garbage', 'stall', 'cart', 'umbrella', 'structure', 'muck_truck', 'truck', 'car', 'bus', 'motorcycle', 'tricycle', 'person'];

/** The label a box of this type gets when the case has none, or when the case was put under another type. */
export const TYPE_LABEL: Record<string, string> = {
  street_vending: 'stall',
  illegal_parking: 'car',
  exposed_garbage: 'garbage',
  illegal_construction: 'structure',
  uncovered_muck_truck: 'muck_truck',
};

/** Thrown for a body that is well-formed JSON but wrong for this image; the route answers 400/404. */
export class CorrectionRefused extends Error {
  constructor(
    readonly status: 400 | 404 | 422,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ImageSize {
  width: number;
  height: number;
}

/**
 * Checks and stores one correction. `sizeOf` gives the image's size when the evidence row does not
 * record it (it reads the object). Boxes must lie inside the image and have an area.
 */
export async function addCorrection(
  db: Db,
  caseId: number,
  input: CorrectionInput,
  actor: Actor,
  now: Date,
  sizeOf: (key: string) => Promise<ImageSize | null>,
): Promise<Correction> {
  const [c] = await db.query('SELECT id FROM cases WHERE id = $1', [caseId]);
  if (!c) throw new CaseNotFoundError(caseId);
  const [ev] = await db.query<{ object_key: string; content_type: string; width: number | null; height: number | null }>(
    'SELECT object_key, content_type, width, height FROM evidence WHERE case_id = $1 AND sha256 = $2 ORDER BY id LIMIT 1',
    [caseId, input.sha256],
  );
  if (!ev) throw new CorrectionRefused(404, 'sha256', `case ${caseId} has no evidence image ${input.sha256}`);
  if (!ev.content_type.startsWith('image/')) throw new CorrectionRefused(422, 'sha256', `evidence ${input.sha256} is ${ev.content_type}, not an image; boxes go on images`);
  const size = ev.width && ev.height ? { width: ev.width, height: ev.height } : await sizeOf(ev.object_key);
  if (!size) throw new CorrectionRefused(422, 'sha256', `evidence ${input.sha256} is missing from the object store; its size is unknown`);
  const boxes = checkedBoxes(input.boxes, size);
  const [row] = await db.query(
    `INSERT INTO box_corrections (case_id, evidence_sha256, image_width, image_height, boxes, note, at, actor, actor_role)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
    [caseId, input.sha256, size.width, size.height, JSON.stringify(boxes), input.note ?? null, now, actor.name, actor.role],
  );
  return toCorrection(row!);
}

/** The boxes as stored: labels trimmed, coordinates to 0.1 px; a box off the image or without area is refused. */
export function checkedBoxes(boxes: LabelledBox[], size: ImageSize): LabelledBox[] {
  return boxes.map((b, i) => checkBox(b, i, size));
}

function checkBox(b: LabelledBox, i: number, size: ImageSize): LabelledBox {
  const field = `boxes.${i}`;
  const label = b.label.trim();
  if (!LABEL_RE.test(label)) throw new CorrectionRefused(400, `${field}.label`, `${field}.label ${JSON.stringify(b.label)} is not a label: letters, digits, space, _ or -, up to 48 characters`);
  const [x1, y1, x2, y2] = b.box;
  if (![x1, y1, x2, y2].every(Number.isFinite)) throw new CorrectionRefused(400, `${field}.box`, `${field}.box must be four finite numbers`);
  if (!(x2 > x1 && y2 > y1)) throw new CorrectionRefused(400, `${field}.box`, `${field}.box [${b.box.join(', ')}] must have x2 > x1 and y2 > y1`);
  if (x1 < 0 || y1 < 0 || x2 > size.width || y2 > size.height) {
    throw new CorrectionRefused(400, `${field}.box`, `${field}.box [${b.box.join(', ')}] is outside the ${size.width}x${size.height} image`);
  }
  const round = (v: number) => Math.round(v * 10) / 10;
  return { box: [round(x1), round(y1), round(x2), round(y2)], label, origin: b.origin };
}

export function toCorrection(r: Record<string, unknown>): Correction {
  return {
    id: r.id as number,
    caseId: r.case_id == null ? null : Number(r.case_id),
    surveyId: r.survey_id == null ? null : String(r.survey_id),
    sha256: r.evidence_sha256 as string,
    imageWidth: r.image_width as number,
    imageHeight: r.image_height as number,
    boxes: r.boxes as LabelledBox[],
    note: (r.note as string | null) ?? null,
    at: (r.at as Date).toISOString(),
    actor: r.actor as string,
    actorRole: r.actor_role as string,
  };
}

/** Every correction of these cases, oldest first. */
export async function correctionsOf(db: Queryable, caseIds: number[]): Promise<Correction[]> {
  if (caseIds.length === 0) return [];
  const rows = await db.query('SELECT * FROM box_corrections WHERE case_id = ANY($1::bigint[]) ORDER BY id', [caseIds]);
  return rows.map(toCorrection);
}

/** The latest correction per (case, image): later rows win. */
export function latestByImage(history: Correction[]): Map<string, Correction> {
  const latest = new Map<string, Correction>();
  for (const c of history) latest.set(c.caseId !== null ? `${c.caseId}:${c.sha256}` : `survey:${c.surveyId}:${c.sha256}`, c);
  return latest;
}

/**
 * The label the detector's box stands for: the case's label (what the detector called it). A case a
 * reviewer put under another type keeps it only when that label belongs to the new type
 * (violation-labels.json); otherwise the box gets the new type's own label (an "umbrella" case
 * reclassified as exposed garbage is a "garbage" box). No label at all: the type's label.
 */
export function modelLabel(caseType: string, caseLabel: string | null, reclassified: boolean, typeLabels: Record<string, string[]>): string {
  const fallback = TYPE_LABEL[caseType] ?? caseType;
  if (!caseLabel) return fallback;
  if (!reclassified) return caseLabel;
  return typeLabels[caseType]?.includes(caseLabel) ? caseLabel : fallback;
}

export interface EffectiveBoxes {
  boxes: LabelledBox[];
  /** The correction they come from, or null: the model's box as found. */
  correction: { id: number; actor: string; at: string } | null;
}

export function effectiveBoxes(
  caseId: number,
  evidence: { sha256: string; box: number[] | null },
  label: string,
  latest: Map<string, Correction>,
): EffectiveBoxes {
  const c = latest.get(`${caseId}:${evidence.sha256}`);
  if (c) return { boxes: c.boxes, correction: { id: c.id, actor: c.actor, at: c.at } };
  return { boxes: evidence.box ? [{ box: evidence.box as Box, label, origin: 'model' }] : [], correction: null };
}

/** Label names per violation type from violation-labels.json; empty when the file cannot be read. */
export type TypeLabels = Record<string, string[]>;

export function wasReclassified(audit: Array<{ action: string }>): boolean {
  return audit.some((a) => a.action === 'reclassify');
}

/**
 * The case detail with corrections: each evidence image gets its effective `boxes` and the
 * `correction` they come from; `corrections` is the whole history, oldest first.
 */
export async function withCorrections<
  D extends { id: number; type: string; label: string | null; audit: Array<{ action: string }>; evidence: Array<{ sha256: string; contentType: string; box: number[] | null }> },
>(db: Db, detail: D, typeLabels: TypeLabels) {
  const history = await correctionsOf(db, [detail.id]);
  const latest = latestByImage(history);
  const label = modelLabel(detail.type, detail.label, wasReclassified(detail.audit), typeLabels);
  return {
    ...detail,
    modelLabel: label,
    evidence: detail.evidence.map((e) => (e.contentType.startsWith('image/') ? { ...e, ...effectiveBoxes(detail.id, e, label, latest) } : e)),
    corrections: history,
  };
}
