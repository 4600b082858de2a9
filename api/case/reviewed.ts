// Reviewed cases as training material (issue 6, "Learning from reviews"): every case a reviewer
// decided (confirmed and everything after it: positive; rejected: negative) whose last review
// action (confirm, reject, reclassify or a box correction) is in [since, until), with the evidence
// images the reviewer saw (the first and the latest sighting, as in the case detail) and their
// effective boxes. Paged by case id, so an export is the same whatever the page size.
import type { Db } from '../store/db.ts';
import { correctionsOf, effectiveBoxes, latestByImage, modelLabel, type LabelledBox, type TypeLabels } from './corrections.ts';

export type Decision = 'positive' | 'negative';

export interface ReviewedImage {
  sha256: string;
  kind: string;
  contentType: string;
  width: number | null;
  height: number | null;
  capturedAt: string;
  /** Effective boxes (the latest correction, else the model's box with the case's label). */
  boxes: LabelledBox[];
  /** The correction the boxes come from, or null. */
  correction: { id: number; actor: string; at: string } | null;
  /**
   * For an annotated frame: the same frame with nothing drawn, which a dataset should use instead
   * (the boxes fit it pixel for pixel). Null when the case predates clean frames.
   */
  cleanSha256: string | null;
  /** The detector's score of the sighting this image is evidence of (what a verdict model corrects); null when unknown. */
  score: number | null;
}

export interface ReviewedCase {
  caseId: number;
  type: string;
  status: string;
  decision: Decision;
  reclassified: boolean;
  /** The last review action on the case. */
  reviewedAt: string;
  source: { kind: string; id: string };
  location: { lat: number; lon: number } | null;
  images: ReviewedImage[];
  /** Attribute labels reviewers gave the case's object (e.g. { cover: 'uncovered' }); {} when none. */
  labels: Record<string, string>;
}

export interface ReviewedPage {
  items: ReviewedCase[];
  nextCursor: string | null;
}

export async function listReviewed(
  db: Db,
  opts: { since: Date; until?: Date; after?: number; limit: number },
  typeLabels: TypeLabels,
): Promise<ReviewedPage> {
  const params: unknown[] = [opts.since, opts.after ?? 0, opts.limit + 1];
  let untilSql = '';
  if (opts.until) {
    params.push(opts.until);
    untilSql = `AND r.reviewed_at < $${params.length}`;
  }
  const rows = await db.query(
    `SELECT c.id, c.type, c.status, c.label, c.source_kind, c.source_id, c.lat, c.lon, r.reviewed_at, r.reclassified,
            (SELECT jsonb_object_agg(l.attribute, l.value) FROM case_labels l WHERE l.case_id = c.id) AS attribute_labels
       FROM cases c
       JOIN LATERAL (
         SELECT max(x.at) AS reviewed_at, coalesce(bool_or(x.action = 'reclassify'), false) AS reclassified
           FROM (SELECT a.at, a.action FROM audit a WHERE a.case_id = c.id AND a.action IN ('confirm', 'reject', 'reclassify', 'label')
                 UNION ALL
                 SELECT b.at, 'correct' FROM box_corrections b WHERE b.case_id = c.id) x
       ) r ON true
      WHERE c.status <> 'pending_review' AND r.reviewed_at >= $1 AND c.id > $2 ${untilSql}
      ORDER BY c.id
      LIMIT $3`,
    params,
  );
  const more = rows.length > opts.limit;
  const page = rows.slice(0, opts.limit);
  const ids = page.map((r) => r.id as number);
  if (ids.length === 0) return { items: [], nextCursor: null };
  // The images the reviewer saw: the evidence of each case's first and latest sighting.
  const evidence = await db.query(
    `WITH seen AS (
       (SELECT DISTINCT ON (case_id) case_id, id FROM observations WHERE case_id = ANY($1::bigint[]) ORDER BY case_id, observed_at, id)
       UNION
       (SELECT DISTINCT ON (case_id) case_id, id FROM observations WHERE case_id = ANY($1::bigint[]) ORDER BY case_id, observed_at DESC, id)
     )
     SELECT e.*, o.score AS observation_score FROM evidence e JOIN seen s ON s.case_id = e.case_id AND s.id = e.observation_id
       LEFT JOIN observations o ON o.id = e.observation_id
      WHERE e.content_type LIKE 'image/%'
      ORDER BY e.case_id, e.id`,
    [ids],
  );
  const latest = latestByImage(await correctionsOf(db, ids));
  const items = page.map((r): ReviewedCase => {
    const caseId = r.id as number;
    const reclassified = r.reclassified as boolean;
    const label = modelLabel(r.type as string, (r.label as string | null) ?? null, reclassified, typeLabels);
    const seenSha = new Set<string>();
    const images: ReviewedImage[] = [];
    const cleanOf = new Map<string, string>();
    for (const e of evidence) {
      if (e.case_id === caseId && e.kind === 'clean_frame') cleanOf.set(`${e.observation_id}@${(e.captured_at as Date).toISOString()}`, e.sha256 as string);
    }
    for (const e of evidence) {
      // Clean frames travel with the annotated frame they copy, not as images of their own.
      // The side-by-side comparison is a drawing for reviewers, not a picture to train on.
      if (e.case_id !== caseId || e.kind === 'clean_frame' || e.kind === 'comparison' || seenSha.has(e.sha256 as string)) continue;
      seenSha.add(e.sha256 as string);
      const ev = { sha256: e.sha256 as string, box: (e.box as number[] | null) ?? null };
      images.push({
        sha256: ev.sha256,
        kind: e.kind as string,
        contentType: e.content_type as string,
        width: (e.width as number | null) ?? null,
        height: (e.height as number | null) ?? null,
        capturedAt: (e.captured_at as Date).toISOString(),
        cleanSha256: e.kind === 'frame' ? (cleanOf.get(`${e.observation_id}@${(e.captured_at as Date).toISOString()}`) ?? null) : null,
        score: (e.observation_score as number | null) ?? null,
        ...effectiveBoxes(caseId, ev, label, latest),
      });
    }
    return {
      caseId,
      type: r.type as string,
      status: r.status as string,
      decision: r.status === 'rejected' ? 'negative' : 'positive',
      reclassified,
      reviewedAt: (r.reviewed_at as Date).toISOString(),
      source: { kind: r.source_kind as string, id: r.source_id as string },
      location: r.lat == null ? null : { lat: r.lat as number, lon: r.lon as number },
      images,
      labels: (r.attribute_labels as Record<string, string> | null) ?? {},
    };
  });
  const last = page[page.length - 1];
  return { items, nextCursor: more && last ? String(last.id) : null };
}
