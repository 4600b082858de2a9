// The tracker with appearance: a stranger at a parked car's place never takes its id or clock,
// a car that drives off takes its look with it, weak sightings never start a dwell, and all of it
// at one frame per 30 s as at 2 fps. Looks here are unit vectors made for the test (what the
// embedder gives is tested in test/embed/ and, end to end, in illegal-parking-identity.test.ts).
import { describe, expect, it } from 'vitest';
import type { Box } from '../../contracts/types.ts';
import type { Sighting } from '../../pipeline/track/appearance.ts';
import { createTracker } from '../../pipeline/track/tracker.ts';

const T0 = Date.parse('2026-05-04T09:00:00+08:00');
const at = (s: number) => new Date(T0 + s * 1000);

/** A unit vector: `base` with `noise` of another direction mixed in (similarity to base ≈ 1 - noise²/2). */
function look(base: number, noise = 0, other = base + 1): Float32Array {
  const v = new Float32Array(16);
  v[base] = Math.sqrt(1 - noise * noise);
  v[other % 16] = noise;
  return v;
}
const car = (box: Box, embedding: Float32Array, score = 0.6): Sighting => ({ label: 'car', box, score, embedding });
const SPOT: Box = [300, 200, 450, 290];

describe('tracker identity', () => {
  it('gives a car that takes a parked car’s place its own id and a fresh clock', () => {
    const tracker = createTracker();
    for (let t = 0; t <= 10; t++) tracker.update([car(SPOT, look(0, 0.05 * (t % 3)))], at(t));
    const parked = tracker.tracks()[0]!;
    expect(parked.stationarySince).toEqual(at(0));
    expect(parked.appearanceSimilarity).toBeGreaterThan(0.99);
    // The first car is gone from one pass to the next and a different one stands there.
    const next = tracker.update([car(SPOT, look(5))], at(11));
    const stranger = next.find((x) => x.visible)!;
    expect(stranger.id).not.toBe(parked.id);
    expect(stranger.stationarySince).toBeUndefined();
    expect(next.find((x) => x.id === parked.id)!.visible).toBe(false);
  });

  it('without looks, the same stranger is taken for the parked car (why looks matter)', () => {
    const tracker = createTracker();
    for (let t = 0; t <= 10; t++) tracker.update([{ label: 'car', box: SPOT, score: 0.6 }], at(t));
    const [same] = tracker.update([{ label: 'car', box: SPOT, score: 0.6 }], at(11));
    expect(same!.stationarySince).toEqual(at(0));
  });

  it('follows a parked car that drives off by its look, so the next car at the stop line starts over', () => {
    const tracker = createTracker();
    for (let t = 0; t <= 6; t++) tracker.update([car(SPOT, look(0))], at(t));
    const first = tracker.tracks()[0]!;
    expect(first.stationarySince).toBeDefined();
    // Pulls away 60 px a pass: past the anchor's overlap, still overlapping its last box.
    let moving = tracker.update([car([360, 200, 510, 290], look(0, 0.1))], at(7));
    expect(moving.find((x) => x.id === first.id)).toMatchObject({ visible: true });
    expect(moving.find((x) => x.id === first.id)!.stationarySince).toBeUndefined();
    moving = tracker.update([car([420, 200, 570, 290], look(0, 0.1)), car([100, 200, 250, 290], look(7))], at(8));
    // The next car arrives at the line: a new track whose clock starts when it is seen still there.
    tracker.update([car([480, 200, 630, 290], look(0)), car(SPOT, look(7))], at(9));
    const ids = tracker.update([car(SPOT, look(7))], at(10)).filter((x) => x.visible).map((x) => x.id);
    expect(ids).not.toContain(first.id);
  });

  it('keeps a parked car’s clock through weak sightings, but weak sightings alone never start one', () => {
    const strong = createTracker();
    for (let t = 0; t <= 3; t++) strong.update([car(SPOT, look(0), 0.5)], at(t));
    for (let t = 4; t <= 20; t++) strong.update([car(SPOT, look(0), 0.22)], at(t));
    expect(strong.tracks()[0]!.stationarySince).toEqual(at(0));

    const weak = createTracker({ highScore: 0.2 });
    for (let t = 0; t <= 20; t++) weak.update([car(SPOT, look(0), 0.25)], at(t));
    expect(weak.tracks()[0]!.stationarySince).toBeUndefined();
  });

  it('does not continue a moving track with a box that jumps in size or a score that collapses', () => {
    const tracker = createTracker();
    tracker.update([car([100, 100, 200, 160], look(0), 0.8)], at(0));
    const [a] = tracker.update([car([110, 100, 210, 160], look(0), 0.8)], at(1));
    const grown = tracker.update([car([110, 60, 330, 240], look(0), 0.8)], at(2));
    expect(grown.find((x) => x.visible)!.id).not.toBe(a!.id);

    const t2 = createTracker();
    t2.update([car([100, 100, 200, 160], look(0), 0.8)], at(0));
    const [b] = t2.update([car([105, 100, 205, 160], look(0), 0.8)], at(1));
    // 0.25 is a third of 0.8: another, barely seen object, not the car; and too weak to start a track.
    const after = t2.update([car([108, 100, 208, 160], look(0), 0.25)], at(2));
    expect(after.find((x) => x.id === b!.id)!.visible).toBe(false);
  });

  it('works at one frame per 30 s: one parked car keeps its id, cars passing one spot never become one', () => {
    const parked = createTracker();
    for (let t = 0; t <= 600; t += 30) parked.update([car(SPOT, look(0, 0.1 * ((t / 30) % 2)))], at(t));
    const p = parked.tracks();
    expect(p).toHaveLength(1);
    expect(p[0]!.stationarySince).toEqual(at(0));
    expect(p[0]!.appearanceSimilarity).toBeGreaterThan(0.9);

    const passing = createTracker();
    const ids = new Set<number>();
    for (let k = 0; k <= 20; k++) {
      const seen = passing.update([car(SPOT, look(k % 8))], at(30 * k));
      for (const x of seen) if (x.visible) ids.add(x.id);
      expect(seen.every((x) => x.stationarySince === undefined)).toBe(true);
    }
    expect(ids.size).toBe(21);
  });
});
