// A loopback HTTP "camera snapshot" server: what an IP camera's /snapshot.jpg answers, from real
// JPEGs, for the patrol tests and bench:streams. Each path serves a sequence of answers in turn
// (a parked car, or an empty road and a car by turns), and can answer the ways cameras fail:
// an HTTP error, something that is not a JPEG, or nothing at all.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type SnapshotAnswer =
  | { jpeg: Buffer }
  | { status: number }
  | { body: Buffer | string; contentType: string }
  /** Never answers: the grab must time out. */
  | { hang: true };

export interface LoopbackSnapshotServer {
  /** The snapshot URL of `path` ("/cam-1.jpg"), with `credentials` ("user:pass") when given. */
  url(path: string, credentials?: string): string;
  /** `path` answers these in turn, round and round. */
  serve(path: string, answers: SnapshotAnswer[]): void;
  /** Requests `path` has had. */
  requests(path: string): number;
  stop(): Promise<void>;
}

/** `credentials`: every request must carry them as HTTP Basic auth, or gets 401. */
export async function startLoopbackSnapshotServer(options: { credentials?: string } = {}): Promise<LoopbackSnapshotServer> {
  const routes = new Map<string, { answers: SnapshotAnswer[]; count: number }>();
  const expected = options.credentials ? `Basic ${Buffer.from(options.credentials).toString('base64')}` : undefined;
  const server = http.createServer((req, res) => {
    const route = routes.get((req.url ?? '').split('?')[0]!);
    if (expected && req.headers.authorization !== expected) return void res.writeHead(401).end();
    if (!route || route.answers.length === 0) return void res.writeHead(404).end();
    const answer = route.answers[route.count++ % route.answers.length]!;
    if ('hang' in answer) return;
    if ('status' in answer) return void res.writeHead(answer.status).end('camera error');
    if ('jpeg' in answer) return void res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': answer.jpeg.length }).end(answer.jpeg);
    res.writeHead(200, { 'content-type': answer.contentType }).end(answer.body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path, credentials) => `http://${credentials ? `${credentials}@` : ''}127.0.0.1:${port}${path}`,
    serve(path, answers) {
      routes.set(path, { answers, count: 0 });
    },
    requests: (path) => routes.get(path)?.count ?? 0,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
