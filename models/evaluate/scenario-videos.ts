// The videos of a scenario file's scenarios, each made while the one before it replays. A replay
// keeps about one core busy (the model runs on one thread) and a composition's render is mostly
// ffmpeg's encoder: taking turns left a core idle. Replays stay one at a time and hold their
// decoder back when the model is busy, so what each one raises does not depend on this overlap.
import { prepareScenarioVideo, type ScenarioVideo } from './run-scenario.ts';
import type { ScenarioSource } from './scenarios.ts';

export interface ScenarioVideos {
  /** Scenario i's video (made now if it was not yet started); starts making scenario i + 1's. */
  take(i: number): Promise<ScenarioVideo>;
  /** Removes videos made ahead and never taken (a run that stopped on an error). */
  close(): Promise<void>;
}

export function scenarioVideos(sources: readonly ScenarioSource[], prepare = prepareScenarioVideo): ScenarioVideos {
  const started = new Map<number, Promise<ScenarioVideo>>();
  const taken = new Set<number>();
  const start = (i: number): Promise<ScenarioVideo> => {
    let video = started.get(i);
    if (!video) {
      video = prepare(sources[i]!);
      // A failure is reported when its scenario's turn comes, not while another one replays.
      video.catch(() => undefined);
      started.set(i, video);
    }
    return video;
  };
  return {
    take(i) {
      if (!Number.isInteger(i) || i < 0 || i >= sources.length) throw new RangeError(`scenarioVideos: no scenario ${i} of ${sources.length}`);
      const video = start(i);
      started.delete(i);
      taken.add(i);
      if (i + 1 < sources.length && !taken.has(i + 1)) start(i + 1);
      return video;
    },
    async close() {
      const left = [...started.values()];
      started.clear();
      await Promise.all(left.map((v) => v.then((made) => made.dispose(), () => undefined)));
    },
  };
}
