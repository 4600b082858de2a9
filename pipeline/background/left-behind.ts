// 暴露垃圾 without a garbage detector: what was left behind. Each analysed frame is compared with
// the camera's long-term empty scene (scene-background.ts); a changed region in a sidewalk, roadway
// or watch zone that no tracked person or vehicle explains, larger than the zone's minAreaRatio,
// is timed, and once it has stayed the zone's persistSeconds it is an exposed_garbage violation,
// "unidentified object left behind", with the frame before it appeared as first evidence.
//
// - A person standing still is tracked, so the blocks under any track (hidden ones too, where they
//   were last seen) are neither judged nor learned.
// - Someone stepping in front of a timed thing hides it: its clock keeps running, nothing is raised
//   until it shows again. A thing that is gone (its region no longer differs, nothing hides it)
//   drops its clock.
// - Once raised, the thing becomes part of the scene (absorbed), so it is one case, not one a frame.
// - Something the scene had that is gone (a car that stood half out of the picture when the camera
//   started, never tracked) leaves a "ghost" that looks like the ground around it: it is taken into
//   the scene at once, never timed.
import { LEFT_BEHIND_KINDS, type CameraConfig, type Zone } from '../../contracts/camera.ts';
import type { Box, Frame } from '../../contracts/types.ts';
import type { RuleEvent } from '../rules/rule-types.ts';
import { boxInZone } from '../rules/zones.ts';
import type { TrackedObject } from '../track/tracked-object.ts';
import { blockBox, blockGrid, type BlockGrid } from './block-grid.ts';
import { changedRegions, type ChangedRegion } from './changed-regions.ts';
import { createSceneBackground, type SceneBackground, type SceneBackgroundOptions } from './scene-background.ts';

export const LEFT_BEHIND_DEFAULTS = {
  persistSeconds: 60,
  /** 0.002 is about 40x40 pixels at 1280x720: a bin bag, not a cigarette packet. */
  minAreaRatio: 0.002,
};

export const LEFT_BEHIND_LABEL = 'unidentified object left behind';
/** Candidates get ids far above the tracker's, so their dedupe keys never meet a track's. */
const FIRST_ID = 2 ** 30;
/** Share of a region under tracked boxes that makes it theirs (a person's shadow, a bag they carry). */
const EXPLAINED_SHARE = 0.4;
/** Tracked boxes are widened by this share each side: detector boxes cut off feet and shadows. */
const TRACK_MARGIN = 0.15;
/** Overlap (of the smaller block set) for a region to be the same thing as a timed candidate. */
const SAME_THING = 0.3;
/**
 * Scene seconds a block must have been part of the scene before a change there is judged: at start
 * and wherever untracked things keep coming and going (a car half out of the picture), the scene is
 * taken as it is until it has settled.
 */
const SETTLE_SECONDS = 10;
/** Timed things at most per camera; each holds its before-frame. */
const MAX_CANDIDATES = 8;

export interface LeftBehindFinding {
  event: RuleEvent;
  /** The last analysed frame before it appeared. */
  before: Frame;
}

export interface LeftBehindWatch {
  /** After the tracker, on every analysed frame. */
  update(frame: Frame, tracks: readonly TrackedObject[]): LeftBehindFinding[];
}

interface WatchedZone {
  zone: Zone;
  persistSeconds: number;
  minAreaRatio: number;
}

interface LeftBehindCandidate {
  id: number;
  zoneId: string;
  blocks: number[];
  box: Box;
  area: number;
  startedAt: Date;
  before: Frame;
  /** Frames it was seen on, and frames since it started: how steadily it differs. */
  seen: number;
  frames: number;
}

/**
 * The zones the watch runs in: every watch zone, and sidewalk or roadway zones that set
 * persistSeconds; a zone or camera whose rules.exposed_garbage.enabled is false is left out.
 */
export function leftBehindZones(config: Pick<CameraConfig, 'zones' | 'rules'>): WatchedZone[] {
  if (config.rules?.exposed_garbage?.enabled === false) return [];
  return config.zones
    .filter((z) => LEFT_BEHIND_KINDS.includes(z.kind) && (z.kind === 'watch' || z.persistSeconds !== undefined))
    .filter((z) => z.rules?.exposed_garbage?.enabled !== false)
    .map((zone) => ({
      zone,
      persistSeconds: zone.persistSeconds ?? LEFT_BEHIND_DEFAULTS.persistSeconds,
      minAreaRatio: zone.minAreaRatio ?? LEFT_BEHIND_DEFAULTS.minAreaRatio,
    }));
}

export function createLeftBehindWatch(config: Pick<CameraConfig, 'id' | 'zones' | 'rules'>, background: Partial<SceneBackgroundOptions> = {}): LeftBehindWatch {
  const zones = leftBehindZones(config);
  const scene = createSceneBackground(background);
  let candidates: LeftBehindCandidate[] = [];
  let previous: Frame | undefined;
  let nextId = FIRST_ID;
  let gridSize = '';

  return {
    update(frame, tracks) {
      if (zones.length === 0) return [];
      const now = frame.capturedAt;
      const grid = blockGrid(frame);
      // Frames of another size (analysis.width changed): the background starts again, and so do the clocks.
      if (`${grid.cols}x${grid.rows}` !== gridSize) {
        gridSize = `${grid.cols}x${grid.rows}`;
        candidates = [];
      }
      const covered = blocksUnderTracks(grid, tracks);
      const changed = settledChanges(scene, grid, covered, now);
      const found = newThings(scene, grid, changed, covered, zones, frame);

      // Each thing found continues a candidate's clock or starts one.
      const matched = new Set<LeftBehindCandidate>();
      const next: LeftBehindCandidate[] = [];
      for (const { region, where } of found) {
        const same = candidates.find((c) => !matched.has(c) && overlap(c.blocks, region.blocks) >= SAME_THING);
        const c = same ? follow(same, region, where.zone.id) : start(region, where.zone.id, previous ?? frame, now, nextId++);
        matched.add(c);
        next.push(c);
      }
      // Unseen this frame: hidden behind someone (clock runs on), or gone.
      for (const c of candidates) if (!matched.has(c) && share(c.blocks, covered) >= EXPLAINED_SHARE) next.push({ ...c, frames: c.frames + 1 });

      const findings: LeftBehindFinding[] = [];
      const kept: LeftBehindCandidate[] = [];
      for (const c of next) {
        const w = zones.find((z) => z.zone.id === c.zoneId)!;
        if (matched.has(c) && (now.getTime() - c.startedAt.getTime()) / 1000 >= w.persistSeconds) {
          findings.push({ event: leftBehindEvent(config.id, c, w, now), before: c.before });
          scene.absorb(grid, c.blocks, now);
        } else {
          kept.push(c);
        }
      }
      // The newest are kept when too many: an old one that never confirmed is the likelier noise.
      candidates = kept.slice(-MAX_CANDIDATES);
      scene.learn(grid, learnable(changed.length, covered, candidates), now);
      previous = frame;
      return findings;
    },
  };
}

/**
 * Changed regions that are new things in a watched zone: not under a tracked person or vehicle, not
 * a ghost (taken into the scene at once), big enough for their zone.
 */
function newThings(scene: SceneBackground, grid: BlockGrid, changed: Uint8Array, covered: Uint8Array, zones: readonly WatchedZone[], frame: Frame): Array<{ region: ChangedRegion; where: WatchedZone }> {
  return changedRegions(grid, changed).flatMap((region) => {
    if (share(region.blocks, covered) >= EXPLAINED_SHARE) return [];
    if (scene.isGhost(grid, region.blocks)) {
      scene.absorb(grid, region.blocks, frame.capturedAt);
      return [];
    }
    const where = zones.find((w) => boxInZone(region.box, w.zone, frame));
    if (!where || region.area < where.minAreaRatio * frame.width * frame.height) return [];
    return [{ region, where }];
  });
}

/** Changed blocks of a settled scene; unsettled changed blocks (not under a track) are taken as they are. */
function settledChanges(scene: SceneBackground, grid: BlockGrid, covered: Uint8Array, now: Date): Uint8Array {
  const { changed, seededAt } = scene.compare(grid);
  const unsettled: number[] = [];
  for (let k = 0; k < changed.length; k++) {
    if (!changed[k] || covered[k] || !(now.getTime() - seededAt[k]! < SETTLE_SECONDS * 1000)) continue;
    unsettled.push(k);
    changed[k] = 0;
  }
  scene.absorb(grid, unsettled, now);
  return changed;
}

function start(region: ChangedRegion, zoneId: string, before: Frame, now: Date, id: number): LeftBehindCandidate {
  return { id, zoneId, blocks: region.blocks, box: region.box, area: region.area, startedAt: now, before, seen: 1, frames: 1 };
}

function follow(c: LeftBehindCandidate, region: ChangedRegion, zoneId: string): LeftBehindCandidate {
  return { ...c, zoneId, blocks: region.blocks, box: region.box, area: region.area, seen: c.seen + 1, frames: c.frames + 1 };
}

function leftBehindEvent(cameraId: string, c: LeftBehindCandidate, w: WatchedZone, now: Date): RuleEvent {
  const since = c.startedAt.toISOString().slice(11, 19);
  return {
    kind: 'violation',
    type: 'exposed_garbage',
    cameraId,
    zoneId: c.zoneId,
    trackId: c.id,
    label: LEFT_BEHIND_LABEL,
    startedAt: c.startedAt,
    at: now,
    box: c.box,
    score: Math.round((c.seen / c.frames) * 100) / 100,
    // No detector found it: the case names the comparison that did.
    modelId: 'scene-background',
    attributes: {
      reason: `${LEFT_BEHIND_LABEL}: differs from the empty scene since ${since} UTC (${w.persistSeconds} s needed), ${Math.round(c.area)} px², no tracked person or vehicle there`,
      foundBy: 'background',
    },
  };
}

/** 1 for every block whose centre lies in a tracked box (widened by TRACK_MARGIN). */
function blocksUnderTracks(grid: BlockGrid, tracks: readonly TrackedObject[]): Uint8Array {
  const out = new Uint8Array(grid.cols * grid.rows);
  for (const t of tracks) {
    const [x1, y1, x2, y2] = t.box;
    const mx = (x2 - x1) * TRACK_MARGIN;
    const my = (y2 - y1) * TRACK_MARGIN;
    for (let k = 0; k < out.length; k++) {
      const [bx1, by1, bx2, by2] = blockBox(grid, k);
      const cx = (bx1 + bx2) / 2;
      const cy = (by1 + by2) / 2;
      if (cx >= x1 - mx && cx <= x2 + mx && cy >= y1 - my && cy <= y2 + my) out[k] = 1;
    }
  }
  return out;
}

/** The scene learns everywhere but under tracked things and under things being timed. */
function learnable(n: number, covered: Uint8Array, candidates: readonly LeftBehindCandidate[]): Uint8Array {
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) out[k] = covered[k] ? 0 : 1;
  for (const c of candidates) for (const k of c.blocks) out[k] = 0;
  return out;
}

function share(blocks: readonly number[], mask: Uint8Array): number {
  if (blocks.length === 0) return 0;
  let n = 0;
  for (const k of blocks) if (mask[k]) n++;
  return n / blocks.length;
}

function overlap(a: readonly number[], b: readonly number[]): number {
  const set = new Set(a);
  let n = 0;
  for (const k of b) if (set.has(k)) n++;
  return n / Math.min(a.length, b.length);
}
