// One camera's stream as a steady flow of raw RGB frames: ffmpeg (through fluent-ffmpeg) decodes
// and samples, a watchdog declares the stream stalled when no frame comes for `stallSeconds`, and
// a dead or stalled ffmpeg is restarted with backoff, for as long as the camera is watched.
//
// Live sources never queue: if analysis is slower than the stream, the newest frame replaces the
// waiting one (counted as dropped), so lag cannot build up. Replays keep every sampled frame and
// hold ffmpeg back instead (backpressure), so a replay gives the same result however slow the
// machine is.
import type { PassThrough } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { DEFAULT_ANALYSIS_WIDTH } from '../../contracts/camera.ts';
import type { Frame } from '../../contracts/types.ts';
import { createLogger, type Logger } from '../../infra/logger.ts';
import { redactText, redactUrl } from '../../infra/redact.ts';
import { restartDelayMs, type BackoffOptions } from './backoff.ts';
import { decodeArgs } from './decode-args.ts';
import { FrameSplitter } from './frame-splitter.ts';
import { parseShowinfo, type FrameInfo } from './showinfo.ts';
import { ffmpegInput, sourceKind } from './source-url.ts';
import { FpsMeter, type StreamHealth, type StreamState } from './stream-health.ts';

export interface CameraStreamOptions {
  cameraId: string;
  /** rtsp://, http(s):// or a file. May carry credentials: it is only ever shown redacted. */
  url: string;
  fps?: number;
  width?: number;
  /** Frames at exactly this size (the detector's input: analysis.frameSize "model"); overrides width. */
  frameSize?: { width: number; height: number };
  keyframesOnly?: boolean;
  rtspTransport?: 'tcp' | 'udp';
  stallSeconds?: number;
  backoff?: BackoffOptions;
  /** Files: read at the file's own pace (as a camera would deliver it). */
  realtime?: boolean;
  /** Files: start over at the end. */
  loop?: boolean;
  decodeThreads?: number;
  /** Scene clock: capture time of live frames, and the start of a replay's timeline. */
  clock?: () => Date;
  /** With the camera id already bound (the stream adds the redacted URL). */
  logger?: Logger;
}

export interface StreamFrame {
  frame: Frame;
  /** The frame's stream timestamp (seconds), as ffmpeg reports it. */
  streamSeconds: number;
  keyframe: boolean;
  /** Wall-clock ms when the frame came out of ffmpeg (for lag measurements). */
  receivedAtMs: number;
  /** Which ffmpeg run delivered it (0 first, +1 per restart). */
  run: number;
}

export interface CameraStream extends AsyncIterable<StreamFrame> {
  health(): StreamHealth;
  /** Ends the stream and ffmpeg; iteration finishes. */
  stop(): Promise<void>;
}

/** A run that lasted this long with frames counts as healthy: the next failure starts backoff afresh. */
const HEALTHY_RUN_MS = 30_000;

export function openCameraStream(options: CameraStreamOptions): CameraStream {
  const kind = sourceKind(options.url);
  const live = kind !== 'file' || options.loop === true;
  const safeUrl = redactUrl(options.url);
  const clock = options.clock ?? (() => new Date());
  const log = (options.logger ?? createLogger('ingest', { camera: options.cameraId })).child({ url: safeUrl });
  const stallMs = (options.stallSeconds ?? 10) * 1000;
  const args = decodeArgs({
    kind,
    fps: options.fps ?? 1,
    width: options.width ?? DEFAULT_ANALYSIS_WIDTH,
    ...(options.frameSize ? { size: options.frameSize } : {}),
    keyframesOnly: options.keyframesOnly ?? false,
    rtspTransport: options.rtspTransport ?? 'tcp',
    ioTimeoutSeconds: Math.max(2, stallMs / 1000),
    decodeThreads: options.decodeThreads ?? 1,
    realtime: options.realtime ?? false,
    loop: options.loop ?? false,
  });

  let state: StreamState = 'connecting';
  let since = Date.now();
  let lastFrameAt: number | null = null;
  let lastError: string | null = null;
  let restarts = 0;
  let frames = 0;
  let dropped = 0;
  const fps = new FpsMeter();

  let stopped = false;
  let run = -1;
  let attempt = 0;
  let command: ffmpeg.FfmpegCommand | undefined;
  let output: PassThrough | undefined;
  let runStartedAt = 0;
  let runFirstFrameAt: number | null = null;
  let progressAt = 0;
  let paused = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let replayStart: number | undefined;
  let replayFirstPts: number | undefined;

  // The hand-over to the consumer: at most one waiting frame for live sources, a short queue with
  // backpressure for replays.
  const queue: StreamFrame[] = [];
  const waiters: Array<(r: IteratorResult<StreamFrame>) => void> = [];
  let finished = false;
  const REPLAY_QUEUE = 2;

  const setState = (next: StreamState, error?: string) => {
    if (error !== undefined) lastError = redactText(error);
    if (next === state) return;
    state = next;
    since = Date.now();
    const entry = { state, ...(error !== undefined ? { error: lastError } : {}) };
    if (next === 'streaming' || next === 'stopped') log.info(entry, `stream ${next}`);
    else if (next === 'connecting') log.debug(entry, 'stream connecting');
    else log.warn(entry, `stream ${next}`);
  };

  const finish = () => {
    if (finished) return;
    finished = true;
    clearInterval(watchdog);
    for (const w of waiters.splice(0)) w({ value: undefined, done: true });
  };

  const deliver = (item: StreamFrame) => {
    const waiter = waiters.shift();
    if (waiter) {
      waiter({ value: item, done: false });
      return;
    }
    if (live) {
      dropped += queue.length;
      queue.length = 0;
      queue.push(item);
    } else {
      queue.push(item);
      if (queue.length >= REPLAY_QUEUE && output && !paused) {
        paused = true;
        output.pause();
      }
    }
  };

  const onFrame = (thisRun: number, info: FrameInfo, pixels: Uint8Array) => {
    if (thisRun !== run || stopped) return;
    const now = Date.now();
    frames++;
    lastFrameAt = now;
    progressAt = now;
    runFirstFrameAt ??= now;
    fps.tick(now);
    setState('streaming');
    let capturedAt: Date;
    if (live) capturedAt = clock();
    else {
      replayStart ??= clock().getTime();
      replayFirstPts ??= info.ptsTime;
      capturedAt = new Date(replayStart + (info.ptsTime - replayFirstPts) * 1000);
    }
    deliver({
      frame: { sourceId: options.cameraId, capturedAt, width: info.width, height: info.height, pixels },
      streamSeconds: info.ptsTime,
      keyframe: info.keyframe,
      receivedAtMs: now,
      run: thisRun,
    });
  };

  const scheduleRestart = () => {
    if (stopped) return;
    if (!live) {
      finish();
      return;
    }
    if (runFirstFrameAt !== null && Date.now() - runFirstFrameAt >= HEALTHY_RUN_MS) attempt = 0;
    const delay = restartDelayMs(attempt++, options.backoff);
    log.info({ delayMs: delay, attempt }, 'restarting stream');
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (stopped) return;
      restarts++;
      start();
    }, delay);
  };

  const start = () => {
    const thisRun = ++run;
    runStartedAt = Date.now();
    progressAt = runStartedAt;
    runFirstFrameAt = null;
    paused = false;
    setState('connecting');
    const recent: string[] = [];
    const splitter = new FrameSplitter((info, pixels) => onFrame(thisRun, info, pixels));
    let ended = false;
    const cmd = ffmpeg(ffmpegInput(options.url)).inputOptions(args.inputOptions).outputOptions(args.outputOptions);
    command = cmd;
    cmd.on('start', () => log.debug({ run: thisRun }, 'ffmpeg started'));
    cmd.on('stderr', (line: string) => {
      const info = parseShowinfo(line);
      if (info) splitter.pushInfo(info);
      else if (/error|failed|refused|not found|invalid|unauthori[sz]ed|timed out|denied|unable|could not/i.test(line) && !line.includes('Parsed_showinfo')) {
        recent.push(redactText(line.trim()));
        if (recent.length > 3) recent.shift();
      }
    });
    const onEnd = (error?: Error) => {
      if (ended) return;
      ended = true;
      if (thisRun !== run || stopped) return;
      command = undefined;
      output = undefined;
      if (state === 'stalled') {
        scheduleRestart();
        return;
      }
      // A stream that was delivering and stopped is "stalled" (it dropped out, a reconnect is
      // due); one that could not deliver a first frame is "failed" (refused, not found, bad
      // credentials, …).
      const lost: StreamState = runFirstFrameAt !== null ? 'stalled' : 'failed';
      if (error) {
        const detail = recent.length > 0 ? recent.join(' | ') : error.message.split('\n')[0]!;
        setState(lost, `ffmpeg: ${detail}`);
      } else if (live) {
        setState(lost, 'stream ended');
      } else {
        if (splitter.pendingBytes > 0) log.warn({ bytes: splitter.pendingBytes }, 'replay ended inside a frame');
        setState('stopped');
      }
      scheduleRestart();
    };
    cmd.on('error', (error: Error) => onEnd(error));
    cmd.on('end', () => onEnd());
    const out = cmd.pipe() as PassThrough;
    output = out;
    out.on('data', (chunk: Buffer) => {
      if (thisRun === run) {
        progressAt = Date.now();
        splitter.pushBytes(chunk);
      }
    });
    out.on('error', () => {
      // Reported through the command's 'error' event; a pipe error alone must not crash the process.
    });
  };

  // Stall watchdog, on the wall clock: a stream that sends nothing is restarted. A replay held
  // back by a slow consumer is not stalled.
  const watchdog = setInterval(() => {
    if (stopped || !command) return;
    if (paused) {
      progressAt = Date.now();
      return;
    }
    if ((state === 'connecting' || state === 'streaming') && Date.now() - progressAt > stallMs) {
      setState('stalled', `no frame for ${Math.round((Date.now() - Math.max(lastFrameAt ?? 0, runStartedAt)) / 1000)} s`);
      command.kill('SIGKILL');
    }
  }, Math.min(500, stallMs / 4));
  watchdog.unref?.();

  start();

  const iterator: AsyncIterator<StreamFrame> = {
    next() {
      const item = queue.shift();
      if (item) {
        if (paused && queue.length < REPLAY_QUEUE && output) {
          paused = false;
          output.resume();
        }
        return Promise.resolve({ value: item, done: false });
      }
      if (finished) return Promise.resolve({ value: undefined, done: true });
      if (paused && output) {
        paused = false;
        output.resume();
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
    return() {
      void stream.stop();
      return Promise.resolve({ value: undefined, done: true });
    },
  };

  const stream: CameraStream = {
    [Symbol.asyncIterator]: () => iterator,
    health: () => {
      const now = Date.now();
      return {
        cameraId: options.cameraId,
        url: safeUrl,
        state,
        since: new Date(since).toISOString(),
        lastFrameAt: lastFrameAt === null ? null : new Date(lastFrameAt).toISOString(),
        fps: fps.rate(now),
        restarts,
        lastError,
        frames,
        dropped,
      };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      const cmd = command;
      command = undefined;
      if (cmd) {
        await new Promise<void>((resolve) => {
          const proc = (cmd as unknown as { ffmpegProc?: { exitCode: number | null; once(e: string, f: () => void): void } }).ffmpegProc;
          if (!proc || proc.exitCode !== null) return resolve();
          const t = setTimeout(resolve, 3000);
          proc.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
          cmd.kill('SIGKILL');
        });
      }
      setState('stopped');
      finish();
    },
  };
  return stream;
}
