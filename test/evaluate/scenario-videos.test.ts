// The scenario videos `eval -- rules` makes one ahead: the next scenario's video is being made
// when the current one is handed over, a video that cannot be made fails its own scenario's turn
// only, and a run that stops early leaves no folder behind. Real stills encoded by ffmpeg.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareScenarioVideo, type ScenarioVideo } from '../../models/evaluate/run-scenario.ts';
import { scenarioVideos } from '../../models/evaluate/scenario-videos.ts';
import type { ScenarioSource } from '../../models/evaluate/scenarios.ts';
import { samplePath } from '../support/samples.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'scenario-videos-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const still = (file: string): ScenarioSource => ({ kind: 'still', path: file, seconds: 2, fps: 1 });
const exists = async (p: string) => (await stat(p).catch(() => undefined)) !== undefined;

/** The real preparation, with the order in which sources were started written down. */
function recording() {
  const started: string[] = [];
  const made: ScenarioVideo[] = [];
  const prepare = async (source: ScenarioSource) => {
    started.push(source.kind === 'frames' ? source.dir : source.path);
    const video = await prepareScenarioVideo(source);
    made.push(video);
    return video;
  };
  return { started, made, prepare };
}

describe('scenarioVideos', () => {
  it("hands over each scenario's video and has the next one's under way by then", async () => {
    const [dog, person] = [samplePath('darknet/dog.jpg'), samplePath('darknet/person.jpg')];
    const { started, prepare } = recording();
    const videos = scenarioVideos([still(dog), still(person), still(dog)], prepare);
    expect(started).toEqual([]);
    const first = await videos.take(0);
    expect(started).toEqual([dog, person]);
    expect((await stat(first.file)).size).toBeGreaterThan(0);
    await first.dispose();
    expect(await exists(first.file)).toBe(false);
    const second = await videos.take(1);
    expect(started).toEqual([dog, person, dog]);
    await second.dispose();
    await (await videos.take(2)).dispose();
    // Nothing is started twice, nor beyond the last scenario.
    expect(started).toHaveLength(3);
    await videos.close();
  });

  it('fails a scenario whose video cannot be made at its own turn, after the one before it was handed over', async () => {
    const missing = path.join(dir, 'no-such.jpg');
    const videos = scenarioVideos([still(samplePath('darknet/dog.jpg')), still(missing)]);
    const first = await videos.take(0);
    // Scenario 1 has failed by now; the failure waits for its turn (no unhandled rejection in between).
    await new Promise((r) => setTimeout(r, 200));
    await first.dispose();
    await expect(videos.take(1)).rejects.toThrow(`${missing}: no such file`);
    await videos.close();
  });

  it('removes a video made ahead and never taken when the run stops', async () => {
    const { made, prepare } = recording();
    const videos = scenarioVideos([still(samplePath('darknet/dog.jpg')), still(samplePath('darknet/person.jpg'))], prepare);
    const first = await videos.take(0);
    await first.dispose();
    await videos.close();
    expect(made).toHaveLength(2);
    expect(await exists(made[1]!.file)).toBe(false);
    expect(await exists(path.dirname(made[1]!.file))).toBe(false);
  });

  it('refuses a scenario number the file does not have', () => {
    const videos = scenarioVideos([still(samplePath('darknet/dog.jpg'))]);
    expect(() => videos.take(1)).toThrow('scenarioVideos: no scenario 1 of 1');
    expect(() => videos.take(-1)).toThrow('scenarioVideos: no scenario -1 of 1');
  });
});
