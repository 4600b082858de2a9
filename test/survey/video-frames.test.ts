// A drone video with its DJI .srt beside it becomes frames that carry each moment's position: a
// real H.264 video made by ffmpeg, a real .srt in DJI's newer layout, and the survey worker's own
// telemetry reader on the frames.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stillVideo } from '../../pipeline/ingest/loopback-rtsp-server.ts';
import { readTelemetry } from '../../pipeline/survey/telemetry.ts';
import { framesFromVideo, srtBeside } from '../../pipeline/survey/video-frames.ts';
import { SrtError } from '../../pipeline/survey/srt.ts';
import { samplePath } from '../support/samples.ts';

let dir: string;
let video: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'video-frames-'));
  video = await stillVideo(samplePath('opencv/aero1.jpg'), path.join(dir, 'DJI_0007.MP4'), 6, 10);
  const cue = (i: number, from: number, lat: number, lon: number, rel: number) =>
    `${i}\n00:00:0${from},000 --> 00:00:0${from + 1},000\n<font size="28">FrameCnt: ${i}, DiffTime: 1000ms\n2024-05-01 10:00:0${from}.000\n[iso: 100] [latitude: ${lat}] [longitude: ${lon}] [rel_alt: ${rel} abs_alt: 120.5]</font>\n`;
  await writeFile(path.join(dir, 'DJI_0007.SRT'), [cue(1, 0, 31.2301, 121.4701, 60), cue(2, 2, 31.2305, 121.4705, 62.5), cue(3, 4, 31.2309, 121.4709, 65)].join('\n'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('turns a video and its .srt into frames every 2 s, each placed where the drone was', async () => {
  const srt = srtBeside(video);
  expect(srt).toBe(path.join(dir, 'DJI_0007.SRT'));
  const frames = await framesFromVideo(video, srt!, path.join(dir, 'frames'), 2);
  expect(frames.map((f) => path.basename(f))).toEqual(['DJI_0007_t00000s.jpg', 'DJI_0007_t00002s.jpg', 'DJI_0007_t00004s.jpg']);
  const read = await Promise.all(
    frames.map(async (f) => {
      const bytes = await readFile(f);
      const meta = await sharp(bytes).metadata();
      return (await readTelemetry(bytes, meta.width!, meta.height!)).telemetry;
    }),
  );
  expect(read.map((t) => [t.lat?.toFixed(4), t.lon?.toFixed(4), t.relativeAltitudeM])).toEqual([
    ['31.2301', '121.4701', 60],
    ['31.2305', '121.4705', 62.5],
    ['31.2309', '121.4709', 65],
  ]);
});

it('names the .srt line that is not a cue', async () => {
  const bad = path.join(dir, 'bad.srt');
  await writeFile(bad, '1\nnot a time\nlatitude: 1\n');
  await expect(framesFromVideo(video, bad, path.join(dir, 'bad'))).rejects.toThrow(SrtError);
  await expect(framesFromVideo(video, bad, path.join(dir, 'bad'))).rejects.toThrow(/bad\.srt:1: not an SRT cue/);
});

it('finds no .srt beside a video that has none', () => {
  expect(srtBeside(path.join(dir, 'DJI_0099.MP4'))).toBeUndefined();
});

it('is what survey:upload sends for a video with its .srt, and it says so; a video without one is skipped with the reason', async () => {
  const { startTestApi } = await import('../support/api.ts');
  const { freePort } = await import('../support/ports.ts');
  const { runScript } = await import('../support/run-script.ts');
  const { REPO_ROOT } = await import('../support/samples.ts');
  const { copyFile, mkdir } = await import('node:fs/promises');
  const folder = path.join(dir, 'flight');
  await mkdir(folder, { recursive: true });
  await copyFile(video, path.join(folder, 'DJI_0007.MP4'));
  await copyFile(path.join(dir, 'DJI_0007.SRT'), path.join(folder, 'DJI_0007.SRT'));
  await copyFile(video, path.join(folder, 'DJI_0008.MP4'));
  const api = await startTestApi({ kind: 'pglite' }, { now: () => new Date() });
  try {
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    const cli = await runScript(path.join(REPO_ROOT, 'scripts/survey-upload.ts'), [folder, '--create', '视频航拍', '--wait', '0', '--api', `http://127.0.0.1:${port}`, '--key', api.keys.operator]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain('DJI_0007.MP4: 3 frames, one every 2 s, positions from DJI_0007.SRT');
    expect(cli.stderr).toMatch(/skipping .*DJI_0008\.MP4: a video is placed by the DJI \.srt beside it, and there is none \(DJI_0008\.SRT\)/);
    expect(cli.stderr).toMatch(/flown at .* \(the upload time: no photo says when it was taken/);
    const [survey] = (await api.app.inject({ method: 'GET', url: '/v1/surveys', headers: api.headers('operator') })).json().items;
    const images = (await api.app.inject({ method: 'GET', url: `/v1/surveys/${survey.id}/images`, headers: api.headers('operator') })).json().items;
    expect(images.map((i: { fileName: string }) => i.fileName).sort()).toEqual(['DJI_0007_t00000s.jpg', 'DJI_0007_t00002s.jpg', 'DJI_0007_t00004s.jpg']);
  } finally {
    await api.close();
  }
}, 60_000);
