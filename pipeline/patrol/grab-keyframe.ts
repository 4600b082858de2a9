// Patrol grab from the video stream: open the session, decode the next key frame (the H.264
// decoder shows nothing before one), scale it inside ffmpeg, take that one frame and close. Costs a
// session set-up per pass and waits up to one GOP for the key frame, but needs nothing of the
// camera beyond its stream. The ffmpeg arguments are the continuous watcher's (decode-args.ts),
// without -skip_frame nokey: on a stream with B-frames the decoder then holds the key frame until
// two more arrive, measured 6 s a grab on a 2 s GOP instead of 2 s.
import { spawn } from 'node:child_process';
import type { Frame } from '../../contracts/types.ts';
import { redactText } from '../../infra/redact.ts';
import { decodeArgs } from '../ingest/decode-args.ts';
import { parseShowinfo, type FrameInfo } from '../ingest/showinfo.ts';
import { ffmpegInput, sourceKind } from '../ingest/source-url.ts';
import { GrabError, type FrameGrabber } from './frame-grabber.ts';

export interface KeyframeGrabOptions {
  cameraId: string;
  url: string;
  width: number;
  rtspTransport: 'tcp' | 'udp';
  timeoutMs: number;
  clock: () => Date;
}

/** ffmpeg's arguments for one key frame as raw RGB on stdout. */
export function keyframeArgs(o: Pick<KeyframeGrabOptions, 'url' | 'width' | 'rtspTransport' | 'timeoutMs'>): string[] {
  const { inputOptions, outputOptions } = decodeArgs({
    kind: sourceKind(o.url),
    fps: 1,
    width: o.width,
    keyframesOnly: false,
    rtspTransport: o.rtspTransport,
    ioTimeoutSeconds: Math.max(1, o.timeoutMs / 1000),
    decodeThreads: 1,
    realtime: false,
    loop: false,
  });
  return [...inputOptions, '-i', ffmpegInput(o.url), ...outputOptions, '-frames:v', '1', 'pipe:1'];
}

export function keyframeGrabber(o: KeyframeGrabOptions): FrameGrabber {
  const args = keyframeArgs(o);
  return { method: 'keyframe', grab: (signal) => grabOnce(o, args, signal) };
}

function grabOnce(o: KeyframeGrabOptions, args: string[], signal?: AbortSignal): Promise<Frame> {
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let info: FrameInfo | undefined;
    let capturedAt: Date | undefined;
    let stderrTail = '';
    let partial = '';
    let failure: string | undefined;
    const stop = (reason: string) => {
      failure ??= reason;
      ff.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(`no key frame within ${o.timeoutMs / 1000} s`), o.timeoutMs);
    const onAbort = () => stop('aborted (patrol stopped)');
    signal?.addEventListener('abort', onAbort, { once: true });
    ff.stdout.on('data', (c: Buffer) => {
      chunks.push(c);
      capturedAt ??= o.clock();
    });
    ff.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderrTail = (stderrTail + text).slice(-4000);
      // A line may arrive in two chunks.
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) info ??= parseShowinfo(line);
    });
    ff.on('error', (error) => stop(`ffmpeg could not start: ${error.message}`));
    ff.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      info ??= parseShowinfo(partial);
      const pixels = Buffer.concat(chunks);
      if (!failure && info && pixels.length >= info.width * info.height * 3) {
        const size = info.width * info.height * 3;
        resolve({ sourceId: o.cameraId, capturedAt: capturedAt ?? o.clock(), width: info.width, height: info.height, pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, size) });
        return;
      }
      const last = stderrTail.split('\n').map((l) => l.trim()).filter((l) => l && !l.includes('Parsed_showinfo')).at(-1);
      reject(new GrabError(redactText(failure ?? `ffmpeg ended (code ${code}) without a key frame${last ? `: ${last}` : ''}`)));
    });
  });
}
