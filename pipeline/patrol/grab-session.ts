// Patrol grab from a kept RTSP session: one ffmpeg per camera holds the session open for as long as
// the camera is patrolled and copies its H.264 out undecoded (-c:v copy, Annex B, SPS/PPS before
// every key frame). Between passes the bytes are dropped as they arrive, unparsed and undecoded; a
// pass takes the next key frame's access unit (h264-access-unit.ts) and decodes that one picture
// with a short ffmpeg. So a pass costs one key-frame decode, with no session set-up (no RTSP
// handshake, no new connection to the camera); the price is a connection and a copying ffmpeg
// kept per camera. H.264 only (most IP cameras' main or sub stream). A session that dies is opened
// again at the next pass; the pass it dies in is a miss.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Frame } from '../../contracts/types.ts';
import { redactText } from '../../infra/redact.ts';
import { parseShowinfo, type FrameInfo } from '../ingest/showinfo.ts';
import { ffmpegInput } from '../ingest/source-url.ts';
import { GrabError, type FrameGrabber } from './frame-grabber.ts';
import { KeyframeCollector } from './h264-access-unit.ts';

export interface SessionGrabOptions {
  cameraId: string;
  url: string;
  width: number;
  rtspTransport: 'tcp' | 'udp';
  timeoutMs: number;
  clock: () => Date;
}

/** The kept session: RTSP in, the video stream copied out as Annex B H.264. */
export function sessionArgs(o: Pick<SessionGrabOptions, 'url' | 'rtspTransport' | 'timeoutMs'>): string[] {
  return [
    '-nostdin', '-hide_banner', '-loglevel', 'error',
    '-rtsp_transport', o.rtspTransport, '-timeout', String(Math.round(Math.max(2, o.timeoutMs / 1000) * 1e6)),
    '-i', ffmpegInput(o.url),
    '-map', '0:v:0', '-an', '-sn', '-dn', '-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb,dump_extra=freq=keyframe', '-f', 'h264', 'pipe:1',
  ];
}

/** One key frame's access unit in, one picture out: scaled and converted as the watcher's frames are. */
export function decodeArgs(width: number): string[] {
  const filter = [`scale=w='min(${width}\\,iw)':h=-2:flags=bilinear`, 'format=rgb24', 'showinfo'].join(',');
  return ['-hide_banner', '-loglevel', 'info', '-f', 'h264', '-i', 'pipe:0', '-map', '0:v:0', '-vf', filter, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
}

export interface SessionGrabber extends FrameGrabber {
  /** Ends the kept session. */
  close(): Promise<void>;
}

export function sessionGrabber(o: SessionGrabOptions): SessionGrabber {
  let session: ChildProcess | undefined;
  let stderrTail = '';
  let waiter: { collector: KeyframeCollector; resolve: (unit: Buffer) => void; fail: (reason: string) => void } | undefined;

  const open = () => {
    const ff = spawn('ffmpeg', sessionArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
    session = ff;
    stderrTail = '';
    ff.stdout!.on('data', (chunk: Buffer) => {
      if (!waiter) return; // between passes: dropped as it comes
      const unit = waiter.collector.push(chunk);
      if (unit) waiter.resolve(unit);
    });
    ff.stderr!.setEncoding('utf8').on('data', (text: string) => void (stderrTail = (stderrTail + text).slice(-2000)));
    ff.on('error', (error) => waiter?.fail(`ffmpeg could not start: ${error.message}`));
    ff.on('close', (code) => {
      if (session === ff) session = undefined;
      const last = stderrTail.split('\n').map((l) => l.trim()).filter(Boolean).at(-1);
      waiter?.fail(`RTSP session ended (ffmpeg code ${code})${last ? `: ${last}` : ''}`);
    });
  };

  const nextKeyframe = (waitMs: number, signal?: AbortSignal) =>
    new Promise<Buffer>((resolve, reject) => {
      const done = (error?: string, unit?: Buffer) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        waiter = undefined;
        if (unit) resolve(unit);
        else reject(new GrabError(redactText(error ?? 'no key frame')));
      };
      const timer = setTimeout(() => done(`no key frame within ${o.timeoutMs / 1000} s on the kept session`), Math.max(0, waitMs));
      const onAbort = () => done('aborted (patrol stopped)');
      signal?.addEventListener('abort', onAbort, { once: true });
      waiter = { collector: new KeyframeCollector(), resolve: (unit) => done(undefined, unit), fail: (reason) => done(reason) };
    });

  return {
    method: 'session',
    async grab(signal) {
      if (!session) open();
      const deadline = Date.now() + o.timeoutMs;
      for (;;) {
        const unit = await nextKeyframe(deadline - Date.now(), signal);
        try {
          return await decodeUnit(unit, o, o.clock());
        } catch (error) {
          // A key frame damaged in transit (RTP over UDP loses packets) does not decode: the next
          // one may, if the pass has time left for it.
          if (signal?.aborted || Date.now() >= deadline) throw error;
        }
      }
    },
    async close() {
      const ff = session;
      session = undefined;
      if (!ff || ff.exitCode !== null || ff.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        ff.once('close', () => resolve());
        ff.kill('SIGKILL');
      });
    },
  };
}

function decodeUnit(unit: Buffer, o: SessionGrabOptions, capturedAt: Date): Promise<Frame> {
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', decodeArgs(o.width), { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let info: FrameInfo | undefined;
    let stderr = '';
    ff.stdout.on('data', (c: Buffer) => chunks.push(c));
    ff.stderr.setEncoding('utf8').on('data', (text: string) => void (stderr += text));
    ff.stdin.on('error', () => undefined); // ffmpeg may exit before reading it all; 'close' reports
    ff.on('error', (error) => reject(new GrabError(`ffmpeg could not start: ${error.message}`)));
    ff.on('close', (code) => {
      for (const line of stderr.split('\n')) info ??= parseShowinfo(line);
      const pixels = Buffer.concat(chunks);
      if (info && pixels.length >= info.width * info.height * 3) {
        const size = info.width * info.height * 3;
        resolve({ sourceId: o.cameraId, capturedAt, width: info.width, height: info.height, pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, size) });
        return;
      }
      const last = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.includes('Parsed_showinfo')).at(-1);
      reject(new GrabError(redactText(`the key frame did not decode (ffmpeg code ${code})${last ? `: ${last}` : ''}`)));
    });
    ff.stdin.end(unit);
  });
}
