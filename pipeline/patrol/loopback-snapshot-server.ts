// A loopback HTTP "camera snapshot" server: what an IP camera's /snapshot.jpg answers, from real
// JPEGs, for the patrol tests and bench:streams. Each path serves a sequence of answers in turn
// (a parked car, or an empty road and a car by turns), and can answer the ways cameras fail:
// an HTTP error, something that is not a JPEG, or nothing at all.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { digestAuthorization } from './http-digest.ts';

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
  /** 401 answers sent (requests without valid credentials). */
  readonly refused: number;
  /** Digest: forget every nonce issued, as a camera does after a while (the next request is told stale=true). */
  expireNonces(): void;
  stop(): Promise<void>;
}

/**
 * `credentials` ("user:pass"): every request must carry them, as HTTP Basic auth, or with `digest`
 * as HTTP Digest (qop auth, MD5 unless said), or gets 401 (with a Digest challenge when digest).
 */
export async function startLoopbackSnapshotServer(
  options: { credentials?: string; digest?: { algorithm?: 'MD5' | 'SHA-256' } } = {},
): Promise<LoopbackSnapshotServer> {
  const routes = new Map<string, { answers: SnapshotAnswer[]; count: number }>();
  const expected = options.credentials ? `Basic ${Buffer.from(options.credentials).toString('base64')}` : undefined;
  const nonces = new Set<string>();
  let refused = 0;
  const refuse = (res: http.ServerResponse, stale = false) => {
    refused++;
    if (!options.digest) return void res.writeHead(401).end();
    const nonce = randomBytes(12).toString('hex');
    nonces.add(nonce);
    const challenge = `Digest realm="loopback camera", qop="auth", nonce="${nonce}", opaque="cafe", algorithm=${options.digest.algorithm ?? 'MD5'}${stale ? ', stale=true' : ''}`;
    res.writeHead(401, { 'www-authenticate': challenge }).end();
  };
  const authorised = (req: http.IncomingMessage): boolean | 'stale' => {
    if (!options.credentials) return true;
    if (!options.digest) return req.headers.authorization === expected;
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Digest ')) return false;
    const fields = Object.fromEntries([...header.matchAll(/([a-z]+)=(?:"([^"]*)"|([^\s,]+))/g)].map((m) => [m[1], m[2] ?? m[3]]));
    if (!fields.nonce) return false;
    if (!nonces.has(fields.nonce)) return 'stale';
    const colon = options.credentials.indexOf(':');
    const [user, password] = [options.credentials.slice(0, colon), options.credentials.slice(colon + 1)];
    const want = digestAuthorization(
      { realm: 'loopback camera', nonce: fields.nonce, qop: 'auth', algorithm: options.digest.algorithm ?? 'MD5', opaque: 'cafe', stale: false },
      { user, password, method: req.method ?? 'GET', uri: req.url ?? '', nc: parseInt(fields.nc ?? '0', 16), cnonce: fields.cnonce ?? '' },
    );
    return fields.username === user && fields.uri === req.url && want.includes(`response="${fields.response}"`);
  };
  const server = http.createServer((req, res) => {
    const route = routes.get((req.url ?? '').split('?')[0]!);
    const ok = authorised(req);
    if (ok !== true) return refuse(res, ok === 'stale');
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
    get refused() {
      return refused;
    },
    expireNonces: () => nonces.clear(),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
