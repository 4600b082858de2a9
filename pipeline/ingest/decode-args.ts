// The ffmpeg command line for one camera: decode, keep one frame per analysis interval, scale
// inside ffmpeg (no JPEG round trip), and write raw RGB to stdout. Pure, so the choices are
// tested without a stream.
//
// Why these choices:
// - `select` on the frame time, not the `fps` filter: `fps` makes a constant rate by duplicating
//   frames, which with keyframe-only decoding would hand the detector the same picture twice and
//   delay each frame until the next arrives. `select` passes the first frame of each interval as
//   soon as it is decoded.
// - `showinfo` after the scaler prints each delivered frame's timestamp, size and key flag on
//   stderr; the raw bytes on stdout are cut by that size, so a camera that changes resolution
//   mid-stream is followed, and replays get exact scene time.
// - `-skip_frame nokey` makes the decoder drop every non-key frame before decoding it: for a 2 s
//   GOP at 1 fps analysis that is 1 decode in 50 instead of 50 (bench:streams measures it). The
//   catches: at most one frame per GOP reaches the detector, and on a stream with B-frames the
//   H.264 decoder holds each key frame until two more are decoded (two GOPs of lag; most IP
//   cameras send no B-frames).
// - `size` (a camera analysed at the model's input size, analysis.frameSize "model"): ffmpeg
//   stretches each frame to exactly the model's width x height in rgb24, the layout the detector's
//   tensor is made from, so detect() does no resampling at all, and a fifth of a 1280 px frame's
//   bytes crosses the pipe. Only for models fed stretched (the default detector): a letterbox model
//   would need the padding too.
import type { SourceKind } from './source-url.ts';

export interface DecodeSettings {
  kind: SourceKind;
  /** Frames per second kept for analysis. */
  fps: number;
  /** Largest width delivered; smaller sources keep their size. */
  width: number;
  /** Exact frame size delivered (stretched, aspect not kept); overrides `width`. */
  size?: { width: number; height: number };
  keyframesOnly: boolean;
  rtspTransport: 'tcp' | 'udp';
  /** Socket I/O timeout for network sources. */
  ioTimeoutSeconds: number;
  decodeThreads: number;
  /** Files only: read at the file's own pace (-re) rather than as fast as possible. */
  realtime: boolean;
  /** Files only: start again at the end, for demo "cameras" made from a video. */
  loop: boolean;
}

export function decodeArgs(s: DecodeSettings): { inputOptions: string[]; outputOptions: string[] } {
  const inputOptions = ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'info'];
  if (s.kind === 'rtsp') {
    inputOptions.push('-rtsp_transport', s.rtspTransport, '-timeout', String(Math.round(s.ioTimeoutSeconds * 1e6)));
  } else if (s.kind === 'http') {
    inputOptions.push('-rw_timeout', String(Math.round(s.ioTimeoutSeconds * 1e6)));
  } else {
    if (s.realtime) inputOptions.push('-re');
    if (s.loop) inputOptions.push('-stream_loop', '-1');
  }
  inputOptions.push('-threads', String(s.decodeThreads));
  if (s.keyframesOnly) inputOptions.push('-skip_frame', 'nokey');

  // Slightly under the interval, so a 25 fps stream sampled at 1 fps keeps frame 25, not 26.
  const interval = (0.95 / s.fps).toFixed(4);
  const filter = [
    `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${interval})'`,
    s.size ? `scale=w=${s.size.width}:h=${s.size.height}:flags=bilinear` : `scale=w='min(${s.width}\\,iw)':h=-2:flags=bilinear`,
    'format=rgb24',
    'showinfo',
  ].join(',');
  const outputOptions = ['-map', '0:v:0', '-an', '-sn', '-dn', '-vf', filter, '-fps_mode', 'vfr', '-f', 'rawvideo', '-pix_fmt', 'rgb24'];
  return { inputOptions, outputOptions };
}
