// Box corrections on drone survey images (issue 6, "Learning from reviews"). The COCO detector sees
// almost nothing from the air, so most of what a reviewer wants a future aerial model to learn (a
// garbage pile, a car seen from above) is on images that raised no case. A reviewer opens such an
// image, keeps, moves or removes the detector's boxes and draws the missed ones; each save appends
// the complete set of boxes on that image. The latest save is the image's reviewed truth: every box
// on it, so an image saved with no boxes says "nothing here" (a hard negative for training).
//
// Without a correction, an image's boxes are the detections the survey worker kept (the ones that
// passed the air allow-list and thresholds): what the product acted on.
import type { Box } from '../../contracts/types.ts';
import type { SurveyImageResult } from '../../contracts/survey.ts';
import type { Actor } from '../case/actor.ts';
import { checkedBoxes, CorrectionRefused, toCorrection, type Correction, type CorrectionInput, type EffectiveBoxes, type LabelledBox } from '../case/corrections.ts';
import type { Db, Queryable } from '../store/db.ts';

/** The detections the worker kept on an image, as boxes a reviewer starts from. */
export function keptDetectionBoxes(result: SurveyImageResult | undefined): LabelledBox[] {
  return (result?.detections ?? []).filter((d) => d.kept).map((d) => ({ box: [...d.box] as Box, label: d.label, origin: 'model' as const }));
}

/** The latest correction's boxes, else the kept detections. */
export function surveyImageBoxes(result: SurveyImageResult | undefined, latest: Correction | undefined): EffectiveBoxes {
  if (latest) return { boxes: latest.boxes, correction: { id: latest.id, actor: latest.actor, at: latest.at } };
  return { boxes: keptDetectionBoxes(result), correction: null };
}

export async function addSurveyImageCorrection(db: Db, surveyId: string, input: CorrectionInput, actor: Actor, now: Date): Promise<Correction> {
  const [image] = await db.query<{ width: number; height: number }>('SELECT width, height FROM survey_images WHERE survey_id = $1 AND sha256 = $2', [Number(surveyId), input.sha256]);
  if (!image) throw new CorrectionRefused(404, 'sha256', `survey ${surveyId} has no image ${input.sha256}`);
  const boxes = checkedBoxes(input.boxes, { width: image.width, height: image.height });
  const [row] = await db.query(
    `INSERT INTO box_corrections (survey_id, evidence_sha256, image_width, image_height, boxes, note, at, actor, actor_role)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
    [Number(surveyId), input.sha256, image.width, image.height, JSON.stringify(boxes), input.note ?? null, now, actor.name, actor.role],
  );
  return toCorrection(row!);
}

/** Every correction of a survey's images (or of one of them), oldest first. */
export async function surveyImageCorrections(db: Queryable, surveyId: string, sha256?: string): Promise<Correction[]> {
  const rows = sha256
    ? await db.query('SELECT * FROM box_corrections WHERE survey_id = $1 AND evidence_sha256 = $2 ORDER BY id', [Number(surveyId), sha256])
    : await db.query('SELECT * FROM box_corrections WHERE survey_id = $1 ORDER BY id', [Number(surveyId)]);
  return rows.map(toCorrection);
}

/** The latest correction of each image of a survey, by sha256 (the history stays in the store). */
export async function latestSurveyImageCorrections(db: Queryable, surveyId: string): Promise<Map<string, Correction>> {
  const rows = await db.query(
    'SELECT DISTINCT ON (evidence_sha256) * FROM box_corrections WHERE survey_id = $1 ORDER BY evidence_sha256, id DESC',
    [Number(surveyId)],
  );
  return new Map(rows.map((r) => [r.evidence_sha256 as string, toCorrection(r)]));
}

export interface ReviewedSurveyImage {
  surveyId: string;
  surveyName: string;
  sha256: string;
  fileName: string;
  contentType: string;
  width: number;
  height: number;
  /** Where the drone was (the image's telemetry), for the train/val split by place; null when unknown. */
  location: { lat: number; lon: number } | null;
  /** The latest correction: the image's reviewed truth. */
  reviewedAt: string;
  boxes: LabelledBox[];
  correction: { id: number; actor: string; at: string };
}

export interface ReviewedSurveyImagePage {
  items: ReviewedSurveyImage[];
  nextCursor: string | null;
}

/**
 * Survey images whose latest correction is in [since, until), paged by (survey, sha256) so an
 * export is the same whatever the page size. The cursor is "<surveyId>:<sha256>" of the last item.
 */
export async function listReviewedSurveyImages(db: Db, opts: { since: Date; until?: Date; after?: string; limit: number }): Promise<ReviewedSurveyImagePage> {
  const [afterSurvey, afterSha] = opts.after ? opts.after.split(':') : ['0', ''];
  const params: unknown[] = [opts.since, Number(afterSurvey), afterSha, opts.limit + 1];
  let untilSql = '';
  if (opts.until) {
    params.push(opts.until);
    untilSql = `AND b.at < $${params.length}`;
  }
  const rows = await db.query(
    `SELECT b.*, i.file_name, i.content_type, i.result, s.name AS survey_name
       FROM (SELECT DISTINCT ON (survey_id, evidence_sha256) * FROM box_corrections
              WHERE survey_id IS NOT NULL ORDER BY survey_id, evidence_sha256, id DESC) b
       JOIN survey_images i ON i.survey_id = b.survey_id AND i.sha256 = b.evidence_sha256
       JOIN surveys s ON s.id = b.survey_id
      WHERE b.at >= $1 AND (b.survey_id, b.evidence_sha256) > ($2::bigint, $3::text) ${untilSql}
      ORDER BY b.survey_id, b.evidence_sha256
      LIMIT $4`,
    params,
  );
  const more = rows.length > opts.limit;
  const items = rows.slice(0, opts.limit).map((r): ReviewedSurveyImage => {
    const c = toCorrection(r);
    const telemetry = (r.result as SurveyImageResult | null)?.telemetry;
    return {
      surveyId: c.surveyId!,
      surveyName: r.survey_name as string,
      sha256: c.sha256,
      fileName: r.file_name as string,
      contentType: r.content_type as string,
      width: c.imageWidth,
      height: c.imageHeight,
      location: telemetry?.lat !== undefined && telemetry.lon !== undefined ? { lat: telemetry.lat, lon: telemetry.lon } : null,
      reviewedAt: c.at,
      boxes: c.boxes,
      correction: { id: c.id, actor: c.actor, at: c.at },
    };
  });
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? `${last.surveyId}:${last.sha256}` : null };
}
