// The reviewers' decisions as a YOLO-format detection dataset (issue 6, "Learning from reviews"):
//
//   out/images/{train,val}/c<case>-<kind>-<sha12>.jpg   the evidence image, bytes as stored (JPEG)
//   out/labels/{train,val}/c<case>-<kind>-<sha12>.txt   one "class cx cy w h" line per box, 0-1
//   out/data.yaml                                        path, train, val, nc, names (Ultralytics)
//   out/names.txt                                        the class names, one a line (for `npm run models -- validate --labels`)
//   out/export.json                                      what each file is: case, decision, source, split, boxes
//
// Positives are confirmed cases (and every status after confirmed): their effective boxes, i.e. the
// latest reviewer correction of that image, else the model's box with the case's label (relabelled
// when the case was put under another type). Negatives are rejected cases: the same images without
// the model's box (an empty label file: a hard negative), keeping boxes a reviewer drew on them.
//
// It reads through the API (`GET /v1/export/reviewed`, `GET /v1/evidence/{sha256}`), not the store:
// the API is the single writer, and reading through it too keeps evidence access uniform: the same
// role check, the same sha256 check before any byte is served, the same code for S3 or a folder,
// and a trainer's machine needs a URL and a reviewer key, not database and bucket credentials.
//
// Deterministic: cases in id order, images in evidence order, class ids from the sorted names, the
// split from a hash of the source; no clock or randomness, so the same reviews give the same bytes.
// The split is by camera, or for drone surveys by place (a ~500 m cell of the case's location), so
// pictures of one street corner never land on both sides of it.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { LabelledBox } from '../../api/case/corrections.ts';
import type { ReviewedCase, ReviewedImage, ReviewedPage } from '../../api/case/reviewed.ts';

export class DatasetExportError extends Error {
  override name = 'DatasetExportError';
}

/** How the exporter reaches the API: GET a path, get status and bytes. */
export type Transport = (urlPath: string) => Promise<{ status: number; body: Buffer }>;

/** Over HTTP with an API key (a reviewer's or an admin's). */
export function httpTransport(baseUrl: string, key: string): Transport {
  const base = baseUrl.replace(/\/+$/, '');
  return async (urlPath) => {
    let res: Response;
    try {
      res = await fetch(`${base}${urlPath}`, { headers: { authorization: `Bearer ${key}` } });
    } catch (err) {
      throw new DatasetExportError(`cannot reach the API at ${base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    }
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
  };
}

export interface ExportOptions {
  since: Date;
  until?: Date;
  out: string;
  /** Replace what an earlier export wrote in a non-empty out folder. */
  force?: boolean;
  /** Share of sources (cameras, places) that go to val (default 0.2). */
  valFraction?: number;
  /** Cases per API page (default 100). */
  pageSize?: number;
  log?: (line: string) => void;
}

export type Split = 'train' | 'val';

export interface ExportedImage {
  file: string;
  split: Split;
  caseId: number;
  type: string;
  decision: 'positive' | 'negative';
  reclassified: boolean;
  sha256: string;
  kind: string;
  source: { kind: string; id: string };
  splitKey: string;
  width: number;
  height: number;
  /** Reviewer correction id the boxes come from, or null (the model's box as found). */
  correctionId: number | null;
  boxes: LabelledBox[];
  /** The image the reviewer saw, when the exported bytes are its clean copy (sha256 is the copy's). */
  reviewedSha256?: string;
  /** True when the pixels carry our drawn box and caption (cases from before clean frames were kept). */
  annotated: boolean;
}

export interface ExportSummary {
  out: string;
  since: string;
  until: string | null;
  valFraction: number;
  names: string[];
  counts: Record<Split, { images: number; positives: number; negatives: number; boxes: number; sources: number }>;
  /** Images skipped because an earlier case already exported the same bytes. */
  duplicates: number;
  /** Images exported with our box and caption drawn in, for want of a clean copy. */
  annotated: number;
  images: ExportedImage[];
}

/** Ours in an out folder: what --force replaces (nothing else is deleted). */
const OWN_ENTRIES = ['images', 'labels', 'data.yaml', 'names.txt', 'export.json'];

/** ~500 m: drone cases closer than this to each other are one place for the split. */
const PLACE_CELL_DEG = 0.005;

/** What keeps related images on one side of the split: the camera, or the place a drone saw. */
export function splitKeyOf(c: Pick<ReviewedCase, 'source' | 'location'>): string {
  if (c.source.kind === 'camera') return `camera:${c.source.id}`;
  if (c.location) return `place:${Math.floor(c.location.lat / PLACE_CELL_DEG)}:${Math.floor(c.location.lon / PLACE_CELL_DEG)}`;
  return `${c.source.kind}:${c.source.id}`;
}

/** train or val from the first 32 bits of sha256(key): stable, and independent of what else is exported. */
export function splitOf(key: string, valFraction: number): Split {
  const h = createHash('sha256').update(key).digest().readUInt32BE(0);
  return h / 2 ** 32 < valFraction ? 'val' : 'train';
}

/** The boxes a training image gets: all effective boxes of a positive, only drawn ones of a negative. */
export function trainingBoxes(decision: 'positive' | 'negative', image: Pick<ReviewedImage, 'boxes'>): LabelledBox[] {
  return decision === 'positive' ? image.boxes : image.boxes.filter((b) => b.origin === 'drawn');
}

/** One YOLO label line: class, then centre x, centre y, width, height as fractions of the image; null for a box with no area inside it. */
export function yoloLine(cls: number, box: readonly number[], width: number, height: number): string | null {
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const x1 = clamp(box[0]!, width);
  const y1 = clamp(box[1]!, height);
  const x2 = clamp(box[2]!, width);
  const y2 = clamp(box[3]!, height);
  if (x2 <= x1 || y2 <= y1) return null;
  const f = (v: number) => v.toFixed(6);
  return `${cls} ${f((x1 + x2) / 2 / width)} ${f((y1 + y2) / 2 / height)} ${f((x2 - x1) / width)} ${f((y2 - y1) / height)}`;
}

async function getJson<T>(transport: Transport, urlPath: string): Promise<T> {
  const res = await transport(urlPath);
  const text = res.body.toString('utf8');
  if (res.status !== 200) {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the text
    }
    const hint = res.status === 401 ? ' (is the key right?)' : res.status === 403 ? ' (the export needs a reviewer or admin key)' : '';
    throw new DatasetExportError(`GET ${urlPath.split('?')[0]}: HTTP ${res.status}: ${message}${hint}`);
  }
  return JSON.parse(text) as T;
}

async function isNonEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new DatasetExportError(`--out ${dir} is a file, not a folder`);
    throw err;
  }
}

export async function exportDataset(transport: Transport, options: ExportOptions): Promise<ExportSummary> {
  const out = path.resolve(options.out);
  const valFraction = options.valFraction ?? 0.2;
  if (!(valFraction >= 0 && valFraction <= 1)) throw new DatasetExportError(`--val-fraction ${valFraction} must be between 0 and 1`);
  if (Number.isNaN(options.since.getTime())) throw new DatasetExportError('since is not a valid date');
  if (options.until && !(options.until > options.since)) throw new DatasetExportError(`--until (${options.until.toISOString()}) must be after --since (${options.since.toISOString()})`);
  if ((await isNonEmptyDir(out)) && !options.force) {
    throw new DatasetExportError(`--out ${out} exists and is not empty; choose a new or empty folder, or pass --force to replace an earlier export there (${OWN_ENTRIES.join(', ')})`);
  }
  const log = options.log ?? (() => {});

  // 1. The reviewed cases, all pages (metadata only; images come one by one below).
  const cases: ReviewedCase[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ since: options.since.toISOString(), limit: String(options.pageSize ?? 100) });
    if (options.until) q.set('until', options.until.toISOString());
    if (cursor) q.set('cursor', cursor);
    const page: ReviewedPage = await getJson<ReviewedPage>(transport, `/v1/export/reviewed?${q}`);
    cases.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  log(`${cases.length} reviewed case(s) since ${options.since.toISOString()}`);

  // 2. Class names: every label a training box has, sorted, so class ids do not depend on case order.
  const names = [...new Set(cases.flatMap((c) => c.images.flatMap((i) => trainingBoxes(c.decision, i).map((b) => b.label))))].sort();
  const classOf = new Map(names.map((n, i) => [n, i]));

  // 3. Images and label files, into a staging folder next to out, moved in at the end: an export
  //    that fails half-way leaves out as it was.
  const stage = `${out}.partial-${process.pid}`;
  await rm(stage, { recursive: true, force: true });
  for (const split of ['train', 'val'] as const) {
    await mkdir(path.join(stage, 'images', split), { recursive: true });
    await mkdir(path.join(stage, 'labels', split), { recursive: true });
  }
  try {
    const images: ExportedImage[] = [];
    const written = new Set<string>();
    let duplicates = 0;
    let annotatedCount = 0;
    for (const c of cases) {
      const splitKey = splitKeyOf(c);
      const split = splitOf(splitKey, valFraction);
      for (const img of c.images) {
        // Train on the frame as the camera saw it: the reviewer's boxes fit its clean copy exactly.
        const sha256 = img.cleanSha256 ?? img.sha256;
        if (written.has(sha256)) {
          duplicates++;
          continue;
        }
        written.add(sha256);
        const res = await transport(`/v1/evidence/${sha256}`);
        if (res.status !== 200) {
          throw new DatasetExportError(`evidence ${sha256} of case ${c.caseId}: HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
        }
        const actual = createHash('sha256').update(res.body).digest('hex');
        if (actual !== sha256) throw new DatasetExportError(`evidence ${sha256} of case ${c.caseId} arrived with sha256 ${actual}; not exported`);
        const meta = await sharp(res.body).metadata();
        if (!meta.width || !meta.height) throw new DatasetExportError(`evidence ${sha256} of case ${c.caseId} is not a readable image`);
        const annotated = (img.kind === 'frame' || img.kind === 'start_frame') && !img.cleanSha256;
        if (annotated) annotatedCount++;
        // JPEG evidence is copied byte for byte; anything else (PNG, TIFF) is encoded as JPEG, unrotated, so boxes still fit.
        const jpeg = meta.format === 'jpeg' ? res.body : await sharp(res.body).jpeg({ quality: 95 }).toBuffer();
        const base = `c${c.caseId}-${img.cleanSha256 ? 'clean_frame' : img.kind}-${sha256.slice(0, 12)}`;
        const boxes = trainingBoxes(c.decision, img);
        const lines = boxes.map((b) => yoloLine(classOf.get(b.label)!, b.box, meta.width!, meta.height!)).filter((l): l is string => l !== null);
        await writeFile(path.join(stage, 'images', split, `${base}.jpg`), jpeg);
        await writeFile(path.join(stage, 'labels', split, `${base}.txt`), lines.length ? `${lines.join('\n')}\n` : '');
        images.push({
          file: `images/${split}/${base}.jpg`,
          split,
          caseId: c.caseId,
          type: c.type,
          decision: c.decision,
          reclassified: c.reclassified,
          sha256,
          kind: img.cleanSha256 ? 'clean_frame' : img.kind,
          ...(img.cleanSha256 ? { reviewedSha256: img.sha256 } : {}),
          annotated,
          source: c.source,
          splitKey,
          width: meta.width,
          height: meta.height,
          correctionId: img.correction?.id ?? null,
          boxes,
        });
      }
    }
    const counts = {} as ExportSummary['counts'];
    for (const split of ['train', 'val'] as const) {
      const mine = images.filter((i) => i.split === split);
      counts[split] = {
        images: mine.length,
        positives: mine.filter((i) => i.decision === 'positive').length,
        negatives: mine.filter((i) => i.decision === 'negative').length,
        boxes: mine.reduce((n, i) => n + i.boxes.length, 0),
        sources: new Set(mine.map((i) => i.splitKey)).size,
      };
    }
    const summary: ExportSummary = { out, since: options.since.toISOString(), until: options.until?.toISOString() ?? null, valFraction, names, counts, duplicates, annotated: annotatedCount, images };
    await writeFile(path.join(stage, 'data.yaml'), dataYaml(out, names, summary));
    await writeFile(path.join(stage, 'names.txt'), names.length ? `${names.join('\n')}\n` : '');
    const { out: _out, ...recorded } = summary;
    await writeFile(path.join(stage, 'export.json'), `${JSON.stringify(recorded, null, 2)}\n`);

    // 4. Move into place.
    await mkdir(out, { recursive: true });
    for (const entry of OWN_ENTRIES) {
      await rm(path.join(out, entry), { recursive: true, force: true });
      await rename(path.join(stage, entry), path.join(out, entry));
    }
    await rm(stage, { recursive: true, force: true });
    if (counts.val.images === 0 && images.length > 0) log(`warning: the val split is empty (${counts.train.sources} source(s), --val-fraction ${valFraction}); review cases from more cameras or places, or raise --val-fraction`);
    if (counts.train.images === 0 && images.length > 0) log('warning: the train split is empty; lower --val-fraction or review cases from more cameras or places');
    return summary;
  } catch (err) {
    await rm(stage, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}

function dataYaml(out: string, names: string[], s: ExportSummary): string {
  // JSON strings are valid YAML double-quoted scalars: any label (spaces, 中文) stays one name.
  return [
    '# YOLO detection dataset written by `npm run dataset:export` from reviewed cases',
    `# since ${s.since}${s.until ? `, until ${s.until}` : ''}; split by camera or place, val fraction ${s.valFraction}`,
    `# train: ${s.counts.train.images} images (${s.counts.train.negatives} hard negatives); val: ${s.counts.val.images} images (${s.counts.val.negatives} hard negatives)`,
    `path: ${JSON.stringify(out)}`,
    'train: images/train',
    'val: images/val',
    `nc: ${names.length}`,
    names.length ? 'names:' : 'names: {}',
    ...names.map((n, i) => `  ${i}: ${JSON.stringify(n)}`),
    '',
  ].join('\n');
}

/** Reads --since/--until: YYYY-MM-DD (midnight China Standard Time, UTC+8) or an ISO 8601 time with its zone. */
export function parseDateArg(flag: string, value: string): Date {
  const bare = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const full = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.exec(value);
  const hint = `use YYYY-MM-DD (midnight UTC+8) or an ISO 8601 time with a zone, e.g. 2026-03-01T08:00:00+08:00`;
  const m = bare ?? full;
  if (!m) throw new DatasetExportError(`${flag} ${JSON.stringify(value)} is not a date: ${hint}`);
  const [, y, mo, d] = m.map(Number) as [number, number, number, number];
  // Date() rolls 2026-02-30 over to March; a calendar check refuses it instead.
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > days) throw new DatasetExportError(`${flag} ${JSON.stringify(value)} is not a date on the calendar: ${hint}`);
  const date = new Date(bare ? `${value}T00:00:00+08:00` : value);
  if (Number.isNaN(date.getTime())) throw new DatasetExportError(`${flag} ${JSON.stringify(value)} is not a date: ${hint}`);
  return date;
}
