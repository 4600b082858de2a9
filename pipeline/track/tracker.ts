// Follows detections over time with stable ids: an IoU tracker in the ByteTrack manner (confident
// detections start and continue tracks, weak ones only continue them), plus the one thing users
// complain about most: a parked car briefly hidden (a bus passes, the detector misses a frame, the
// stream drops) must come back with the same id and the same dwell clock.
//
// How that is kept:
// - A stationary object has an anchor, the box where it stopped. It is matched only by detections
//   that fit the anchor (same place, or a part of it when something covers half of it), so a car
//   driving past cannot steal its id, and a half-covered detection does not restart its clock.
// - A stationary object that is not seen is kept, hidden, for `stationaryMemorySeconds`; a moving
//   one only for `movingMemorySeconds`.
// - Hidden time is *watched* time: the gap between two updates counts at most `maxGapSeconds`.
//   While the stream is down, or motion gating skips frames, nobody looked, and "not seen" means
//   nothing; only passes where the detector looked and did not find it make it older.
//
// And what a stationary clock must never do: run across different vehicles. Traffic through one
// spot (a queue at a stop line, cars on a crest far from the camera) puts a new car where the last
// one stood every few seconds; by position alone they are one "parked" car. So, when detections
// carry an appearance embedding (appearance.ts):
// - a detection that looks different (similarity below `appearanceThreshold` to the track's last
//   look, and for a still object also to its first look where it stands) never continues the track;
// - a still object that drives off is followed by its look, so its anchor does not wait for the
//   next car to arrive and claim its clock;
// - a box that jumps in size or a score that collapses does not continue a moving track;
// - the clock starts only after `minStillObservations` still sightings at or above `startScore`:
//   weak, far detections keep a track alive but never start a dwell alone;
// - a still object that is out of sight while another vehicle drives into its place has left
//   (through-traffic.ts): it is forgotten, so whatever is seen there later starts its own clock.
// Nothing here needs motion history, so it holds at one frame per 30 s (patrol mode) as at 2 fps.
import type { Box, Detection } from '../../contracts/types.ts';
import { APPEARANCE_THRESHOLD, lookSimilarity, type Sighting } from './appearance.ts';
import { containment, iou, area } from './box-overlap.ts';
import { droveThrough } from './through-traffic.ts';
import type { TrackedObject } from './tracked-object.ts';

export interface TrackerOptions {
  /** Detections at or above this score start tracks; lower ones only continue existing ones. */
  highScore?: number;
  /** Overlap a detection needs with a moving track's last box to continue it. */
  matchIou?: number;
  /** Overlap with the anchor below which a stationary object has moved. */
  stationaryIou?: number;
  /** A detection this much inside the anchor is the same object, partly covered. */
  occludedContainment?: number;
  movingMemorySeconds?: number;
  stationaryMemorySeconds?: number;
  /** The most one gap between updates adds to watched time. */
  maxGapSeconds?: number;
  /** Seen still for at least this long before it counts as stationary. */
  minStillSeconds?: number;
  /**
   * Seen at the same place in this many consecutive passes before it counts as stationary. One
   * repeat is not enough: in a crowd, two walkers crossing the same spot a second apart would make
   * a "person standing still".
   */
  minStillObservations?: number;
  /** Labels one object may flip between (a pick-up is "car" one frame and "truck" the next). */
  labelFamilies?: string[][];
  /** Two detections of one family overlapping this much are one object (the detector's NMS is per label). */
  familyNmsIou?: number;
  historyLength?: number;
  /** Appearance similarity below which a detection is another object (only when detections carry embeddings). */
  appearanceThreshold?: number;
  /** Still sightings below this score keep a track but do not count towards its stationary clock. */
  startScore?: number;
  /** A moving track is not continued by a detection scoring below this share of its last score. */
  scoreCollapseRatio?: number;
  /** A moving track is not continued by a box this many times larger or smaller. */
  maxAreaRatio?: number;
}

export const TRACKER_DEFAULTS: Required<TrackerOptions> = {
  // NanoDet scores a clear pick-up at 0.35: COCO detectors are modest on street cameras.
  highScore: 0.3,
  matchIou: 0.3,
  stationaryIou: 0.6,
  occludedContainment: 0.85,
  movingMemorySeconds: 3,
  stationaryMemorySeconds: 120,
  maxGapSeconds: 15,
  minStillSeconds: 0.5,
  minStillObservations: 3,
  labelFamilies: [['car', 'truck', 'bus'], ['motorcycle', 'bicycle']],
  historyLength: 30,
  familyNmsIou: 0.7,
  appearanceThreshold: APPEARANCE_THRESHOLD,
  startScore: 0.3,
  scoreCollapseRatio: 0.4,
  maxAreaRatio: 2.5,
};

interface State {
  id: number;
  labelVotes: Map<string, number>;
  history: TrackedObject['history'];
  firstSeen: Date;
  lastSeen: Date;
  lastSeenWatched: number;
  box: Box;
  score: number;
  anchor: { box: Box; at: Date };
  /** Consecutive observations at the anchor. */
  stillCount: number;
  /** Passes since it was last matched. */
  missed: number;
  stationary: boolean;
  /** The model of the detection that last updated it. */
  modelId?: string;
  modelSha256?: string;
  /** Its look when first seen where it stands now (the anchor), and in its last sighting. */
  firstLook?: Float32Array;
  lastLook?: Float32Array;
  /** The last sighting's look against `firstLook`. */
  lookSimilarity?: number;
}

/** A history entry: where and how sure, plus the detection's second-stage results (cover, plate). */
function sighting(d: Detection, at: Date): TrackedObject['history'][number] {
  return { at, box: d.box, score: d.score, ...(d.attributes ? { attributes: { ...d.attributes } } : {}) };
}

export interface Tracker {
  /** One detector pass at `at`; returns every live track, hidden ones included. */
  update(detections: readonly Sighting[], at: Date): TrackedObject[];
  /** Live tracks as of the last update, without changing anything. */
  tracks(): TrackedObject[];
  readonly options: Required<TrackerOptions>;
}

export function createTracker(options: TrackerOptions = {}): Tracker {
  const o: Required<TrackerOptions> = { ...TRACKER_DEFAULTS, ...options };
  const family = new Map<string, number>();
  o.labelFamilies.forEach((labels, i) => labels.forEach((l) => family.set(l, i)));
  const compatible = (a: string, b: string) => a === b || (family.has(a) && family.get(a) === family.get(b));

  let nextId = 1;
  let states: State[] = [];
  let watched = 0;
  let lastUpdate: number | undefined;
  let visibleIds = new Set<number>();

  const labelOf = (s: State) => [...s.labelVotes.entries()].sort((a, b) => b[1] - a[1])[0]![0];

  const fitsAnchor = (s: State, box: Box) =>
    iou(box, s.anchor.box) >= o.stationaryIou ||
    (containment(box, s.anchor.box) >= o.occludedContainment && area(box) >= 0.2 * area(s.anchor.box));

  const snapshot = (s: State): TrackedObject => ({
    id: s.id,
    label: labelOf(s),
    history: s.history.slice(),
    firstSeen: s.firstSeen,
    lastSeen: s.lastSeen,
    ...(s.stationary ? { stationarySince: s.anchor.at } : {}),
    box: s.box,
    score: s.score,
    visible: visibleIds.has(s.id),
    hiddenSeconds: Math.max(0, watched - s.lastSeenWatched),
    stillSince: s.anchor.at,
    ...(s.lookSimilarity !== undefined ? { appearanceSimilarity: s.lookSimilarity } : {}),
    ...(s.firstLook ? { look: s.firstLook } : {}),
    ...(s.modelId !== undefined ? { modelId: s.modelId } : {}),
    ...(s.modelSha256 !== undefined ? { modelSha256: s.modelSha256 } : {}),
  });

  const observe = (s: State, d: Sighting, at: Date) => {
    s.labelVotes.set(d.label, (s.labelVotes.get(d.label) ?? 0) + 1);
    s.history.push(sighting(d, at));
    if (d.modelId !== undefined) s.modelId = d.modelId;
    if (d.modelSha256 !== undefined) s.modelSha256 = d.modelSha256;
    if (s.history.length > o.historyLength) s.history.shift();
    s.lastSeen = at;
    s.lastSeenWatched = watched;
    s.box = d.box;
    s.score = d.score;
    // A moving object that was missed in a pass starts its stillness over: whatever is found
    // where it was may be someone else.
    if (fitsAnchor(s, d.box) && (s.stationary || s.missed === 0)) {
      // A weak sighting keeps the count where it is: it neither proves nor disproves stillness.
      if (s.stationary || d.score >= o.startScore) s.stillCount++;
      if (s.stillCount >= o.minStillObservations && (at.getTime() - s.anchor.at.getTime()) / 1000 >= o.minStillSeconds) s.stationary = true;
    } else {
      s.anchor = { box: d.box, at };
      s.stillCount = d.score >= o.startScore ? 1 : 0;
      s.stationary = false;
      s.firstLook = d.embedding;
    }
    if (d.embedding) s.lastLook = d.embedding;
    s.lookSimilarity = lookSimilarity(d.embedding, s.firstLook);
    s.missed = 0;
  };

  // The same look: like its last sighting, and a still object also like its first one where it
  // stands, so a slow drift of looks over many frames cannot hand a clock to another car.
  const looksSame = (s: State, d: Sighting) => {
    const last = lookSimilarity(d.embedding, s.lastLook);
    if (last !== undefined && last < o.appearanceThreshold) return false;
    const first = s.stationary ? lookSimilarity(d.embedding, s.firstLook) : undefined;
    return first === undefined || first >= o.appearanceThreshold;
  };
  const sizeHolds = (s: State, d: Detection) => {
    const r = area(d.box) / Math.max(area(s.box), 1e-9);
    return r <= o.maxAreaRatio && r >= 1 / o.maxAreaRatio;
  };

  // Greedy assignment by overlap, best pairs first; enough for street scenes, where crowded
  // crossings matter less than the parked and standing objects the rules are about.
  const assign = (tracks: State[], dets: Sighting[], accept: (s: State, d: Sighting) => number | null, at: Date) => {
    const pairs: Array<{ s: State; d: Sighting; score: number }> = [];
    for (const s of tracks) {
      for (const d of dets) {
        if (!compatible(labelOf(s), d.label)) continue;
        const score = accept(s, d);
        if (score !== null) pairs.push({ s, d, score });
      }
    }
    pairs.sort((a, b) => b.score - a.score);
    const usedS = new Set<State>();
    const usedD = new Set<Sighting>();
    for (const p of pairs) {
      if (usedS.has(p.s) || usedD.has(p.d)) continue;
      usedS.add(p.s);
      usedD.add(p.d);
      observe(p.s, p.d, at);
      visibleIds.add(p.s.id);
    }
    return { tracks: tracks.filter((s) => !usedS.has(s)), dets: dets.filter((d) => !usedD.has(d)) };
  };

  const strict = (s: State, d: Sighting) => (s.stationary && fitsAnchor(s, d.box) && looksSame(s, d) ? 1 + iou(d.box, s.anchor.box) : null);
  const loose = (s: State, d: Sighting) => {
    const v = iou(d.box, s.box);
    if (s.stationary) {
      const still = strict(s, d);
      if (still !== null) return still;
      // Driving off: only its own look may take it away from where it stood.
      return d.embedding && s.lastLook && v >= o.matchIou && looksSame(s, d) ? v : null;
    }
    return v >= o.matchIou && looksSame(s, d) && sizeHolds(s, d) && d.score >= o.scoreCollapseRatio * s.score ? v : null;
  };

  return {
    options: o,
    update(detections, at) {
      const t = at.getTime();
      if (lastUpdate !== undefined) watched += Math.min(Math.max(0, (t - lastUpdate) / 1000), o.maxGapSeconds);
      lastUpdate = t;
      visibleIds = new Set();

      const merged = mergeFamilies(detections, compatible, o.familyNmsIou);
      const high = merged.filter((d) => d.score >= o.highScore);
      const low = merged.filter((d) => d.score < o.highScore);
      // 1. parked things claim what fits where they stand; 2. everything else by overlap;
      // 3. weak detections keep unmatched tracks alive (ByteTrack's second association).
      let r = assign(states.filter((s) => s.stationary), high, strict, at);
      const rest = [...r.tracks, ...states.filter((s) => !s.stationary)];
      const r2 = assign(rest, r.dets, loose, at);
      assign(r2.tracks, low, loose, at);

      for (const d of r2.dets) {
        const s: State = {
          id: nextId++,
          ...(d.embedding ? { firstLook: d.embedding, lastLook: d.embedding, lookSimilarity: 1 } : {}),
          labelVotes: new Map([[d.label, 1]]),
          history: [sighting(d, at)],
          firstSeen: at,
          lastSeen: at,
          lastSeenWatched: watched,
          box: d.box,
          score: d.score,
          anchor: { box: d.box, at },
          stillCount: 1,
          missed: 0,
          stationary: false,
          ...(d.modelId !== undefined ? { modelId: d.modelId } : {}),
          ...(d.modelSha256 !== undefined ? { modelSha256: d.modelSha256 } : {}),
        };
        states.push(s);
        visibleIds.add(s.id);
      }

      for (const s of states) if (!visibleIds.has(s.id)) s.missed++;
      const movers = states.filter((m) => visibleIds.has(m.id) && !m.stationary);
      const left = new Set(
        states.filter((s) => {
          if (!s.stationary || visibleIds.has(s.id)) return false;
          const same = movers.filter((m) => compatible(labelOf(m), labelOf(s)));
          return droveThrough(s.anchor.box, same.map((m) => ({ box: m.box, firstBox: m.history[0]!.box })));
        }),
      );
      states = states.filter((s) => {
        if (left.has(s)) return false;
        const hidden = watched - s.lastSeenWatched;
        return hidden <= (s.stationary ? o.stationaryMemorySeconds : o.movingMemorySeconds);
      });
      return states.map(snapshot);
    },
    tracks: () => states.map(snapshot),
  };
}

/** Keeps the best of detections that are one object under two labels of a family ("truck" 0.36 and "car" 0.35 on one pick-up). */
export function mergeFamilies<D extends Detection>(detections: readonly D[], compatible: (a: string, b: string) => boolean, minIou: number): D[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: D[] = [];
  for (const d of sorted) {
    if (!kept.some((k) => k.label !== d.label && compatible(k.label, d.label) && iou(k.box, d.box) >= minIou)) kept.push(d);
  }
  return kept;
}
