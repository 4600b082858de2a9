// A real RTSP server on loopback for camera tests, fed by real ffmpeg publishers that loop
// videos made from real sample media. The server runs in a child process so "the camera's server
// crashed" is a real SIGKILL. rtsp-streaming-server only offers RTP over UDP, so cameras in tests
// set analysis.rtspTransport = "udp" (production defaults to TCP).
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPort } from './ports.ts';
import { REPO_ROOT } from './samples.ts';

const run = promisify(execFile);

export interface TestRtspServer {
  /** URL a camera client reads `name` from. */
  url(name: string, credentials?: string): string;
  /** Starts an ffmpeg that publishes `file` in a loop under `name` (at its own pace). */
  publish(name: string, file: string): Promise<void>;
  /** SIGKILL the server and its publishers, as a crash would. */
  kill(): Promise<void>;
  /** Start the server again on the same ports, and the publishers it had. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRtspServer(): Promise<TestRtspServer> {
  const publishPort = await freePort();
  const clientPort = await freePort();
  // RTP ports are UDP and picked by the server from a range; a random even base keeps parallel
  // test files apart.
  const rtpStart = 20_000 + 2 * Math.floor(Math.random() * 10_000);
  let server: ChildProcess | undefined;
  const publishers = new Map<string, { file: string; child?: ChildProcess }>();

  const launch = async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/support/rtsp-server-main.ts'), String(publishPort), String(clientPort), String(rtpStart)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    server = child;
    await waitForPort(publishPort, 20_000);
    await waitForPort(clientPort, 20_000);
  };
  const startPublisher = async (name: string) => {
    const p = publishers.get(name)!;
    p.child = spawn('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', p.file, '-c', 'copy', '-f', 'rtsp', `rtsp://127.0.0.1:${publishPort}/${name}`], {
      stdio: 'ignore',
    });
    // The mount exists once ffmpeg has announced it; give it a moment.
    await new Promise((r) => setTimeout(r, 700));
  };
  const killAll = async () => {
    const all = [server, ...[...publishers.values()].map((p) => p.child)].filter((c): c is ChildProcess => !!c && c.exitCode === null && c.signalCode === null);
    await Promise.all(all.map((c) => new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    })));
  };

  await launch();
  return {
    url: (name, credentials) => `rtsp://${credentials ? `${credentials}@` : ''}127.0.0.1:${clientPort}/${name}`,
    async publish(name, file) {
      publishers.set(name, { file });
      await startPublisher(name);
    },
    kill: killAll,
    async restart() {
      await killAll();
      await launch();
      for (const name of publishers.keys()) await startPublisher(name);
    },
    stop: killAll,
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
