// 暴露垃圾 as a pure function of tracks: big enough, still, and there long enough.
import { describe, expect, it } from 'vitest';
import type { Box } from '../../contracts/types.ts';
import { exposedGarbage } from '../../pipeline/rules/exposed-garbage.ts';
import type { RuleInput, RuleState } from '../../pipeline/rules/rule-types.ts';
import type { TrackedObject } from '../../pipeline/track/tracked-object.ts';
import type { RuleEvent } from '../../pipeline/rules/rule-types.ts';

const T0 = Date.parse('2025-06-01T09:00:00+08:00');
const at = (s: number) => new Date(T0 + s * 1000);
const camera: RuleInput['camera'] = { id: 'cam-3', zones: [{ id: 'kerb', kind: 'sidewalk', polygon: [[0, 0.6], [1, 0.6], [1, 1], [0, 1]] }] };
const frameSize = { width: 1280, height: 720 };
// 1280 x 720 x 0.0005 = 460.8 px²: a 30x20 pile passes, a 20x20 bag does not.
const PILE: Box = [600, 600, 630, 620];
const BAG: Box = [600, 600, 620, 620];

function pile(t: number, box: Box, extra: Partial<TrackedObject> = {}): TrackedObject {
  return {
    id: 9, label: 'garbage', history: [{ at: at(t), box, score: 0.7 }], firstSeen: at(0), lastSeen: at(t), box, score: 0.7,
    visible: true, hiddenSeconds: 0, stationarySince: at(0), modelId: 'city-garbage', modelSha256: 'c'.repeat(64), ...extra,
  };
}

/** One frame every 10 s; `frames[i]` is the track at t = 10 i (or undefined when the tracker dropped it). */
function replay(frames: Array<(t: number) => TrackedObject | undefined>, settings = {}) {
  let state: RuleState = new Map();
  const events: RuleEvent[] = [];
  frames.forEach((make, i) => {
    const t = i * 10;
    const track = make(t);
    const r = exposedGarbage(state, { now: at(t), tracks: track ? [track] : [], camera, frameSize }, settings);
    state = r.state;
    events.push(...(r.events as RuleEvent[]));
  });
  return events;
}

describe('exposed_garbage', () => {
  it('raises once a pile has stayed 60 s, naming the model that found it', () => {
    const events = replay(Array(10).fill((t: number) => pile(t, PILE)));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'violation', type: 'exposed_garbage', cameraId: 'cam-3', zoneId: 'kerb', trackId: 9, label: 'garbage',
      startedAt: at(0), at: at(60), box: PILE, modelId: 'city-garbage', modelSha256: 'c'.repeat(64),
    });
  });

  it('ignores boxes below the minimum area', () => {
    expect(replay(Array(10).fill((t: number) => pile(t, BAG)))).toEqual([]);
  });

  it('does not restart the clock for one small box (someone standing in front of it)', () => {
    const frames = Array(8).fill((t: number) => pile(t, PILE));
    frames[3] = (t: number) => pile(t, BAG);
    expect(replay(frames).map((e) => e.at)).toEqual([at(60)]);
  });

  it('restarts the clock when the object moves: someone is carrying it', () => {
    const frames = Array(12).fill((t: number) => pile(t, PILE, { stationarySince: t >= 30 ? at(30) : at(0) }));
    frames[2] = (t: number) => pile(t, PILE, { stationarySince: undefined });
    expect(replay(frames).map((e) => e.at)).toEqual([at(90)]);
  });

  it('uses the mapping\'s minimum area and persistence', () => {
    const frames = Array(4).fill((t: number) => pile(t, BAG));
    expect(replay(frames, { minAreaRatio: 0.0001, persistSeconds: 30 }).map((e) => e.at)).toEqual([at(30)]);
  });

  it('leaves other labels alone, and a camera may turn it off', () => {
    expect(replay(Array(10).fill((t: number) => pile(t, PILE, { label: 'suitcase' })))).toEqual([]);
    const off = { ...camera, rules: { exposed_garbage: { enabled: false } } };
    const r = exposedGarbage(new Map([[9, { zoneId: '', startedAt: at(0), warned: false, violated: false, heldAt: at(0) }]]),
      { now: at(100), tracks: [pile(100, PILE)], camera: off, frameSize });
    expect(r.events).toEqual([]);
  });

  it('raises on a visible frame only, and once per pile', () => {
    const frames = Array(15).fill((t: number) => pile(t, PILE, t === 60 ? { visible: false, hiddenSeconds: 10 } : {}));
    expect(replay(frames).map((e) => e.at)).toEqual([at(70)]);
  });
});
