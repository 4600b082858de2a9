// Evidence of a structure that appeared between two surveys: the before and after crops side by
// side with the candidate's outline on both, each captioned with its survey and date, the area and
// score under the after one; and each crop alone (the after crop is the case's main picture, with
// the outline's bounding box as the case's box, so reviewers can adjust it as on any evidence).
// Stored content-addressed, like all evidence.
import sharp from 'sharp';
import type { Box } from '../../contracts/types.ts';
import type { EvidenceItem, EvidenceKind } from '../../contracts/case.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import { annotate } from '../evidence/annotate.ts';
import { formatLocal } from '../evidence/capture.ts';
import type { CandidateCrops } from './candidate-crops.ts';

export interface ConstructionCaption {
  beforeName: string;
  afterName: string;
  beforeDate: Date;
  afterDate: Date;
  areaM2: number;
  score: number;
  /** Mean rise of the surface, metres, when surface models showed it. */
  rise?: number;
  timezone: string;
}

/** Panels narrower than this are enlarged (a shed at 0.25 m/px is a few dozen pixels: too small to judge). */
const MIN_PANEL_SIDE = 360;
const GAP = 8;

export function outlineBox(outline: readonly [number, number][]): Box {
  const xs = outline.map((p) => p[0]), ys = outline.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].map((v) => Math.round(v * 10) / 10) as Box;
}

export async function constructionEvidence(crops: CandidateCrops, c: ConstructionCaption, objects: ObjectStore): Promise<EvidenceItem[]> {
  const scale = Math.max(1, Math.ceil(MIN_PANEL_SIDE / Math.min(crops.width, crops.height)));
  const width = crops.width * scale, height = crops.height * scale;
  const zones = [{ polygon: crops.outline.map(([x, y]) => [x / crops.width, y / crops.height] as const), name: '变化 change' }];
  const area = `${c.areaM2.toFixed(1)} m²${c.rise !== undefined ? ` · 升高 rise ${c.rise.toFixed(1)} m` : ''} · score ${c.score.toFixed(2)}`;
  const panel = async (pixels: Uint8Array, caption: string) => {
    const base = sharp(pixels, { raw: { width: crops.width, height: crops.height, channels: 3 } });
    const sized = scale === 1 ? base : sharp(await base.resize(width, height, { kernel: 'nearest' }).raw().toBuffer(), { raw: { width, height, channels: 3 } });
    return annotate(sized, width, height, [], { caption, zones });
  };
  const [before, after] = await Promise.all([
    panel(crops.before, `${c.beforeName} · 之前 before ${formatLocal(c.beforeDate, c.timezone).slice(0, 10)}`),
    panel(crops.after, `${c.afterName} · 之后 after ${formatLocal(c.afterDate, c.timezone).slice(0, 10)} · 违法建筑 ${area}`),
  ]);
  const pair = await sharp({ create: { width: 2 * width + GAP, height, channels: 3, background: '#202020' } })
    .composite([{ input: before, left: 0, top: 0 }, { input: after, left: width + GAP, top: 0 }])
    .jpeg({ quality: 90 })
    .toBuffer();
  const box = outlineBox(crops.outline.map(([x, y]) => [x * scale, y * scale]));
  return [
    await store(objects, 'frame', after, c.afterDate, { width, height }, box),
    await store(objects, 'comparison', pair, c.afterDate, { width: 2 * width + GAP, height }),
    await store(objects, 'start_frame', before, c.beforeDate, { width, height }, box),
  ];
}

async function store(objects: ObjectStore, kind: EvidenceKind, jpeg: Buffer, at: Date, size: { width: number; height: number }, box?: Box): Promise<EvidenceItem> {
  const stored = await objects.put(jpeg, 'image/jpeg');
  return { kind, key: stored.key, sha256: stored.sha256, contentType: 'image/jpeg', capturedAt: at.toISOString(), bytes: stored.bytes, ...size, ...(box ? { box } : {}) };
}
