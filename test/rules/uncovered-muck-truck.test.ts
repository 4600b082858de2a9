// 渣土车未覆盖 as a pure function of tracks whose history carries the cover classifier's answers.
import { describe, expect, it } from 'vitest';
import type { Box } from '../../contracts/types.ts';
import type { RuleInput, RuleState } from '../../pipeline/rules/rule-types.ts';
import type { RuleEvent } from '../../pipeline/rules/rule-types.ts';
import { uncoveredMuckTruck } from '../../pipeline/rules/uncovered-muck-truck.ts';
import type { TrackedObject } from '../../pipeline/track/tracked-object.ts';

const T0 = Date.parse('2025-06-01T09:00:00+08:00');
const at = (s: number) => new Date(T0 + s * 1000);
const camera: RuleInput['camera'] = { id: 'cam-7', zones: [{ id: 'road', kind: 'roadway', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }] };
const frameSize = { width: 1280, height: 720 };

type Cover = 'covered' | 'uncovered' | undefined;

/** A truck seen once a second, driving right by 40 px a second; `covers` is the classifier's answer per sighting. */
function truck(id: number, covers: Cover[], extra: Partial<TrackedObject> = {}): TrackedObject {
  const history = covers.map((cover, i) => {
    const box: Box = [100 + 40 * i, 400, 400 + 40 * i, 600];
    return {
      at: at(i), box, score: 0.8,
      ...(cover ? { attributes: { cover, coverScore: 0.9, coverModelId: 'truck-cover', coverModelSha256: 'f'.repeat(64) } } : {}),
    };
  });
  const last = history.at(-1)!;
  return {
    id, label: 'truck', history, firstSeen: at(0), lastSeen: last.at, box: last.box, score: 0.8,
    visible: true, hiddenSeconds: 0, modelId: 'nanodet-coco-416', modelSha256: 'a'.repeat(64), ...extra,
  };
}

/** Runs the rule frame by frame over growing histories, as a worker would. */
function replay(covers: Cover[], settings = {}, extra: Partial<TrackedObject> = {}) {
  let state: RuleState = new Map();
  const events: Array<{ frame: number; event: RuleEvent }> = [];
  for (let i = 1; i <= covers.length; i++) {
    const r = uncoveredMuckTruck(state, { now: at(i - 1), tracks: [truck(1, covers.slice(0, i), extra)], camera, frameSize }, settings);
    state = r.state;
    for (const event of r.events) events.push({ frame: i - 1, event: event as RuleEvent });
  }
  return events;
}

describe('uncovered_muck_truck', () => {
  it('raises on the third uncovered sighting of five, while the truck drives on', () => {
    const events = replay(['covered', 'uncovered', 'uncovered', 'covered', 'uncovered', 'uncovered']);
    expect(events).toHaveLength(1);
    expect(events[0]!.frame).toBe(4);
    expect(events[0]!.event).toMatchObject({
      kind: 'violation', type: 'uncovered_muck_truck', cameraId: 'cam-7', zoneId: 'road', trackId: 1, label: 'truck',
      startedAt: at(1), at: at(4), score: 0.8,
      modelId: 'nanodet-coco-416', modelSha256: 'a'.repeat(64),
      attributes: { cover: 'uncovered', coverModelId: 'truck-cover', coverModelSha256: 'f'.repeat(64) },
    });
  });

  it('raises once per track however long it stays uncovered', () => {
    expect(replay(Array(20).fill('uncovered'))).toHaveLength(1);
  });

  it('ignores a flapping tarpaulin: two uncovered sightings in five', () => {
    expect(replay(['uncovered', 'covered', 'covered', 'uncovered', 'covered', 'covered', 'uncovered', 'covered'])).toEqual([]);
  });

  it('waits for a sighting that shows the open bed before raising (e.g. after a worker restart)', () => {
    const input = (covers: Cover[]): RuleInput => ({ now: at(covers.length - 1), tracks: [truck(1, covers)], camera, frameSize });
    const coveredNow = uncoveredMuckTruck(new Map(), input(['uncovered', 'uncovered', 'uncovered', 'covered']));
    expect(coveredNow.events).toEqual([]);
    const next = uncoveredMuckTruck(coveredNow.state, input(['uncovered', 'uncovered', 'uncovered', 'covered', 'uncovered']));
    expect(next.events).toHaveLength(1);
    expect(next.events[0]!.startedAt).toEqual(at(0));
  });

  it('counts sightings the classifier did not judge as not uncovered', () => {
    expect(replay(['uncovered', undefined, 'uncovered', undefined, undefined])).toEqual([]);
  });

  it('takes N of M and labels from settings (the label mapping), and the camera may switch it off', () => {
    expect(replay(['uncovered', 'uncovered'], { uncoveredFrames: 2, ofLastFrames: 3 })).toHaveLength(1);
    expect(replay(['uncovered', 'uncovered', 'uncovered'], { labels: ['muck truck'] })).toEqual([]);
    const off = { ...camera, rules: { uncovered_muck_truck: { enabled: false } } };
    const r = uncoveredMuckTruck(new Map(), { now: at(4), tracks: [truck(1, Array(5).fill('uncovered'))], camera: off, frameSize });
    expect(r.events).toEqual([]);
  });

  it('does not judge other labels or hidden trucks', () => {
    const bus = truck(2, Array(5).fill('uncovered'), { label: 'bus' });
    const hidden = truck(3, Array(5).fill('uncovered'), { visible: false, hiddenSeconds: 2 });
    expect(uncoveredMuckTruck(new Map(), { now: at(4), tracks: [bus, hidden], camera, frameSize }).events).toEqual([]);
  });

  it('names no zone for a truck outside every zone, and still raises', () => {
    const high = truck(4, Array(5).fill('uncovered'));
    high.box = [100, 50, 400, 200];
    const [event] = uncoveredMuckTruck(new Map(), { now: at(4), tracks: [high], camera, frameSize }).events;
    expect(event).toMatchObject({ zoneId: '', trackId: 4 });
  });
});
