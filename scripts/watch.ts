// npm run watch -- <rtsp-url|video file> --camera <camera config file> [options]
//
// Watches one source with one camera's zones and rules and prints each warning and violation as a
// JSON line on stdout, until stopped (Ctrl-C) or until a file source ends. Logs and a final
// health line go to stderr. The source replaces the config's url (which may be a real camera).
//
// Options:
//   --camera FILE      camera config (JSON or YAML), required
//   --start ISO-TIME   scene time of a file's first frame (default now): zone schedules use it
//   --realtime         read a file at its own pace, as a camera would deliver it
//   --fps N, --width N, --keyframes-only    override the config's analysis settings
import { CameraConfigError } from '../contracts/camera.ts';
import { redactText } from '../infra/redact.ts';
import { createCameraDetector } from '../pipeline/cameras/camera-detector.ts';
import { loadCameraConfig } from '../pipeline/cameras/camera-config-file.ts';
import { watchCamera } from '../pipeline/cameras/camera-watch.ts';
import { queueDetector } from '../pipeline/cameras/detector-queue.ts';
import type { Violation } from '../contracts/types.ts';
import type { ViolationWarning } from '../pipeline/cameras/violation-sink.ts';
import { parseCli, usageError } from './cli/args.ts';

const cli = {
  command: 'npm run watch',
  usage: 'usage: npm run watch -- <rtsp-url|video file> --camera <camera config file> [--start ISO] [--realtime] [--fps N] [--width N] [--keyframes-only]',
};

const round = (b: number[]) => b.map((v) => Math.round(v * 10) / 10);

async function main(): Promise<number> {
  const { values, positionals } = parseCli({
    ...cli,
    positionals: true,
    options: {
      camera: { type: 'string' },
      start: { type: 'string' },
      realtime: { type: 'boolean', default: false },
      fps: { type: 'string' },
      width: { type: 'string' },
      'keyframes-only': { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) usageError(cli, positionals.length === 0 ? 'no source given (an RTSP/HTTP URL or a video file)' : `one source at a time, got ${positionals.length}`);
  if (!values.camera) usageError(cli, '--camera is required');
  const source = positionals[0]!;
  let config;
  try {
    config = await loadCameraConfig(values.camera);
  } catch (error) {
    if (error instanceof CameraConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  config = { ...config, url: source, analysis: { ...config.analysis } };
  if (values.fps) config.analysis!.fps = Number(values.fps);
  if (values.width) config.analysis!.width = Number(values.width);
  if (values['keyframes-only'] !== undefined) config.analysis!.keyframesOnly = values['keyframes-only'];

  let startAt: Date | undefined;
  if (values.start) {
    startAt = new Date(values.start);
    if (Number.isNaN(startAt.getTime())) {
      process.stderr.write(`--start: "${values.start}" is not a date-time (e.g. 2026-05-01T09:00:00+08:00)\n`);
      return 2;
    }
  }
  // A replay's timeline starts at --start; a live stream is always "now".
  const offset = startAt ? startAt.getTime() - Date.now() : 0;
  const clock = () => new Date(Date.now() + offset);

  const detector = queueDetector(await createCameraDetector());
  const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
  const watch = watchCamera({
    config,
    detector,
    clock,
    stream: { realtime: values.realtime },
    sink: async (v: Violation) => {
      out({
        kind: 'violation',
        type: v.type,
        camera: v.sourceId,
        zone: v.zoneId,
        trackId: v.trackId,
        label: v.label,
        firstSeen: v.startedAt?.toISOString(),
        confirmedAt: v.observedAt.toISOString(),
        box: round(v.box),
        score: Math.round(v.score * 1000) / 1000,
      });
    },
    onWarning: (w: ViolationWarning) => {
      out({
        kind: 'warning',
        type: w.type,
        camera: w.sourceId,
        zone: w.zoneId,
        trackId: w.trackId,
        label: w.label,
        firstSeen: w.startedAt.toISOString(),
        warnedAt: w.observedAt.toISOString(),
        box: round(w.box),
        score: Math.round(w.score * 1000) / 1000,
      });
    },
  });
  const stop = () => void watch.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await watch.done;
  const health = watch.health();
  process.stderr.write(`${JSON.stringify({ health })}\n`);
  return health.state === 'failed' ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${redactText(error.message)}\n`);
    process.exit(1);
  },
);
