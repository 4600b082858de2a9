// A real RTSP server on loopback, fed by real ffmpeg publishers that loop videos made from real
// sample media: the demo's "cameras" and the camera tests' and stream benchmark's. The server runs
// in a child process so "the camera's server crashed" is a real SIGKILL. rtsp-streaming-server
// only offers RTP over UDP, so cameras reading it set analysis.rtspTransport = "udp" (production
// defaults to TCP).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, waitForPort } from '../../infra/ports.ts';

const run = promisify(execFile);
const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'loopback-rtsp-server-main.ts');

export interface LoopbackRtspServer {
  readonly publishPort: number;
  readonly clientPort: number;
  /** URL a camera client reads `name` from. */
  url(name: string, credentials?: string): string;
  /** Starts an ffmpeg that publishes `file` in a loop under `name` (at its own pace). */
  publish(name: string, file: string): Promise<void>;
  /** Process ids of the server and its publishers (for checks that nothing is left behind). */
  pids(): number[];
  /** SIGKILL the server and its publishers, as a crash would. */
  kill(): Promise<void>;
  /** Start the server again on the same ports, and the publishers it had. */
  restart(): Promise<void>;
  /** Stops the server and its publishers. */
  stop(): Promise<void>;
}

export interface LoopbackRtspOptions {
  /** Where publishers (ffmpeg) push; 0 or absent: a free port. */
  publishPort?: number;
  /** Where cameras read; 0 or absent: a free port. */
  clientPort?: number;
  /** First UDP port for RTP (400 are used); absent: a random even base from 20000. */
  rtpPortStart?: number;
  /**
   * Own process group for the server and publishers (the demo): a Ctrl-C in the terminal then
   * reaches only the demo, which stops them in order instead of having them die under it.
   */
  detached?: boolean;
}

export async function startLoopbackRtspServer(options: LoopbackRtspOptions = {}): Promise<LoopbackRtspServer> {
  const publishPort = options.publishPort || (await freePort());
  const clientPort = options.clientPort || (await freePort());
  // RTP ports are UDP and picked by the server from a range; a random even base keeps parallel
  // servers (test files) apart.
  const rtpStart = options.rtpPortStart ?? 20_000 + 2 * Math.floor(Math.random() * 10_000);
  let server: ChildProcess | undefined;
  const publishers = new Map<string, { file: string; child?: ChildProcess }>();

  const launch = async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, String(publishPort), String(clientPort), String(rtpStart)], {
      stdio: ['pipe', 'pipe', 'ignore'],
      detached: options.detached ?? false,
    });
    server = child;
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the loopback RTSP server exited (${code}) before it listened on ${publishPort}/${clientPort}`))));
    exited.catch(() => undefined);
    await Promise.race([Promise.all([waitForPort(publishPort, 20_000), waitForPort(clientPort, 20_000)]), exited]);
  };
  const startPublisher = async (name: string) => {
    const p = publishers.get(name)!;
    p.child = spawn('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', p.file, '-c', 'copy', '-f', 'rtsp', `rtsp://127.0.0.1:${publishPort}/${name}`], {
      stdio: 'ignore',
      detached: options.detached ?? false,
    });
    // The mount exists once ffmpeg has announced it; give it a moment.
    await new Promise((r) => setTimeout(r, 700));
  };
  const children = () => [server, ...[...publishers.values()].map((p) => p.child)].filter((c): c is ChildProcess => !!c && c.exitCode === null && c.signalCode === null);
  const signalAll = async (signal: NodeJS.Signals) => {
    await Promise.all(children().map((c) => new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
      // A process that ignores SIGTERM is not left behind.
      if (signal !== 'SIGKILL') setTimeout(() => c.kill('SIGKILL'), 3000).unref();
    })));
  };

  await launch();
  return {
    publishPort,
    clientPort,
    url: (name, credentials) => `rtsp://${credentials ? `${credentials}@` : ''}127.0.0.1:${clientPort}/${name}`,
    async publish(name, file) {
      publishers.set(name, { file });
      await startPublisher(name);
    },
    pids: () => children().map((c) => c.pid!).filter(Boolean),
    kill: () => signalAll('SIGKILL'),
    async restart() {
      await signalAll('SIGKILL');
      await launch();
      for (const name of publishers.keys()) await startPublisher(name);
    },
    stop: () => signalAll('SIGTERM'),
  };
}

/** An H.264 video of a still image (a parked scene), `seconds` long, with a 2 s GOP. */
export async function stillVideo(image: string, out: string, seconds = 10, fps = 25): Promise<string> {
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-loop', '1', '-framerate', String(fps), '-i', image, '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'stillimage', '-g', String(2 * fps), '-pix_fmt', 'yuv420p', out]);
  return out;
}

/** A video re-encoded to H.264 (RTSP carries it; vtest.avi's MS-MPEG4 it does not). */
export async function h264Video(input: string, out: string, extra: string[] = []): Promise<string> {
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', input, ...extra, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-pix_fmt', 'yuv420p', '-an', out]);
  return out;
}

