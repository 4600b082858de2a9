// The pure parts of ingestion: the ffmpeg command line, showinfo lines, cutting raw frames,
// restart delays.
import { describe, expect, it } from 'vitest';
import { restartDelayMs } from '../../pipeline/ingest/backoff.ts';
import { decodeArgs, type DecodeSettings } from '../../pipeline/ingest/decode-args.ts';
import { FrameSplitter } from '../../pipeline/ingest/frame-splitter.ts';
import { parseShowinfo, type FrameInfo } from '../../pipeline/ingest/showinfo.ts';
import { ffmpegInput, sourceKind } from '../../pipeline/ingest/source-url.ts';

const base: DecodeSettings = { kind: 'rtsp', fps: 1, width: 1280, keyframesOnly: false, rtspTransport: 'tcp', ioTimeoutSeconds: 10, decodeThreads: 1, realtime: false, loop: false };
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('decode arguments', () => {
  it('pulls RTSP over TCP by default, with a socket timeout', () => {
    const { inputOptions } = decodeArgs(base);
    expect(after(inputOptions, '-rtsp_transport')).toBe('tcp');
    expect(after(inputOptions, '-timeout')).toBe('10000000');
    expect(inputOptions).not.toContain('-skip_frame');
    expect(decodeArgs({ ...base, rtspTransport: 'udp' }).inputOptions).toContain('udp');
  });
  it('decodes keyframes only when asked', () => {
    expect(after(decodeArgs({ ...base, keyframesOnly: true }).inputOptions, '-skip_frame')).toBe('nokey');
  });
  it('samples, scales and converts inside ffmpeg, to raw RGB', () => {
    const { outputOptions } = decodeArgs({ ...base, fps: 2, width: 640 });
    const vf = after(outputOptions, '-vf')!;
    expect(vf).toContain('gte(t-prev_selected_t\\,0.4750)');
    expect(vf).toContain("scale=w='min(640\\,iw)'");
    expect(vf).toMatch(/format=rgb24,showinfo$/);
    expect(after(outputOptions, '-f')).toBe('rawvideo');
    expect(after(outputOptions, '-pix_fmt')).toBe('rgb24');
    expect(outputOptions).toContain('-an');
  });
  it('reads files as fast as they decode unless asked for their own pace or a loop', () => {
    const file = decodeArgs({ ...base, kind: 'file' }).inputOptions;
    expect(file).not.toContain('-re');
    expect(file).not.toContain('-rtsp_transport');
    const demo = decodeArgs({ ...base, kind: 'file', realtime: true, loop: true }).inputOptions;
    expect(demo).toContain('-re');
    expect(after(demo, '-stream_loop')).toBe('-1');
    expect(after(decodeArgs({ ...base, kind: 'http' }).inputOptions, '-rw_timeout')).toBe('10000000');
  });
  it('tells live sources from replays', () => {
    expect(sourceKind('rtsp://a:b@cam/1')).toBe('rtsp');
    expect(sourceKind('RTSPS://cam/1')).toBe('rtsp');
    expect(sourceKind('https://cam/live.m3u8')).toBe('http');
    expect(sourceKind('/data/replay.mp4')).toBe('file');
    expect(ffmpegInput('file:///data/a%20b.mp4')).toBe('/data/a b.mp4');
  });
});

describe('showinfo lines', () => {
  it('reads time, size and key flag of a delivered frame, and ignores other lines', () => {
    const line = '[Parsed_showinfo_3 @ 0x55f426fbfe40] n:   2 pts: 338400 pts_time:3.76    pos:       -1 fmt:rgb24 sar:0/1 s:768x576 i:P iskey:1 type:I checksum:8208CC5B plane_checksum:[8208CC5B] mean:[127] stdev:[54.0]';
    expect(parseShowinfo(line)).toEqual({ ptsTime: 3.76, width: 768, height: 576, keyframe: true });
    expect(parseShowinfo('[Parsed_showinfo_3 @ 0x55] color_range:pc color_space:gbr')).toBeUndefined();
    expect(parseShowinfo('frame=    3 fps=0.7 q=-0.0 size=N/A time=00:00:03.80')).toBeUndefined();
  });
});

describe('frame splitter', () => {
  it('cuts frames by the announced size whatever the chunking and order of the two pipes', () => {
    const got: Array<[FrameInfo, number[]]> = [];
    const s = new FrameSplitter((info, px) => got.push([info, [...px]]));
    const a: FrameInfo = { ptsTime: 0, width: 2, height: 1, keyframe: true };
    const b: FrameInfo = { ptsTime: 1, width: 1, height: 1, keyframe: false };
    s.pushBytes(Buffer.from([1, 2, 3, 4]));
    s.pushInfo(a);
    expect(got).toEqual([]);
    s.pushBytes(Buffer.from([5, 6, 7, 8]));
    s.pushInfo(b);
    s.pushBytes(Buffer.from([9, 10]));
    expect(got).toEqual([[a, [1, 2, 3, 4, 5, 6]], [b, [7, 8, 9]]]);
    expect(s.pendingBytes).toBe(1);
  });
});

describe('restart backoff', () => {
  it('doubles from 1 s, caps at 30 s, and jitters between half and all of it', () => {
    expect(restartDelayMs(0, {}, () => 1)).toBe(1000);
    expect(restartDelayMs(0, {}, () => 0)).toBe(500);
    expect(restartDelayMs(3, {}, () => 1)).toBe(8000);
    expect(restartDelayMs(10, {}, () => 1)).toBe(30_000);
    expect(restartDelayMs(100, {}, () => 0)).toBe(15_000);
    const spread = new Set(Array.from({ length: 20 }, () => restartDelayMs(4)));
    expect(spread.size).toBeGreaterThan(1);
  });
});
