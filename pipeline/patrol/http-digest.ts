// HTTP Digest authentication (RFC 7616, and RFC 2617's MD5 most IP cameras still use), for
// snapshot URLs of cameras that refuse Basic. The password never travels: each request carries a
// hash of it with the server's nonce, a count and a client nonce.
import { createHash, randomBytes } from 'node:crypto';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** "auth" when the server offers it (auth-int is not used for GETs). */
  qop?: 'auth';
  algorithm: 'MD5' | 'SHA-256' | 'MD5-sess' | 'SHA-256-sess';
  opaque?: string;
  /** The server refused an old nonce, not the password: retry with the new one. */
  stale: boolean;
}

const ALGORITHMS: Record<string, DigestChallenge['algorithm']> = { MD5: 'MD5', 'MD5-SESS': 'MD5-sess', 'SHA-256': 'SHA-256', 'SHA-256-SESS': 'SHA-256-sess' };

/** The Digest challenge among a WWW-Authenticate header's, or undefined when there is none. */
export function parseDigestChallenge(header: string | null): DigestChallenge | undefined {
  const at = header?.search(/(^|[\s,])Digest\s/i) ?? -1;
  if (!header || at < 0) return undefined;
  const params = new Map<string, string>();
  // key=value or key="quoted", comma separated; the next scheme's name ("Basic realm=…") is not a
  // key=value pair, so the Digest parameters end there.
  const pair = /\s*,?\s*([a-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/iy;
  pair.lastIndex = header.toLowerCase().indexOf('digest', at) + 'digest'.length;
  for (let m = pair.exec(header); m; m = pair.exec(header)) {
    params.set(m[1]!.toLowerCase(), (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'));
  }
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  const algorithm = ALGORITHMS[(params.get('algorithm') ?? 'MD5').toUpperCase()];
  if (realm === undefined || !nonce || !algorithm) return undefined;
  const qops = (params.get('qop') ?? '').split(',').map((q) => q.trim());
  return {
    realm,
    nonce,
    ...(qops.includes('auth') ? { qop: 'auth' as const } : {}),
    algorithm,
    ...(params.has('opaque') ? { opaque: params.get('opaque')! } : {}),
    stale: (params.get('stale') ?? '').toLowerCase() === 'true',
  };
}

export interface DigestRequest {
  user: string;
  password: string;
  method: string;
  /** The request target as sent: path and query. */
  uri: string;
  /** Requests made with this nonce so far, this one included (1 for the first). */
  nc: number;
  /** Client nonce; random when absent (fixed only to check against published examples). */
  cnonce?: string;
}

/** The Authorization header answering `challenge` for one request. */
export function digestAuthorization(challenge: DigestChallenge, r: DigestRequest): string {
  const hashName = challenge.algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  const h = (s: string) => createHash(hashName).update(s).digest('hex');
  const cnonce = r.cnonce ?? randomBytes(8).toString('hex');
  const nc = r.nc.toString(16).padStart(8, '0');
  let ha1 = h(`${r.user}:${challenge.realm}:${r.password}`);
  if (challenge.algorithm.endsWith('-sess')) ha1 = h(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = h(`${r.method}:${r.uri}`);
  const response = challenge.qop ? h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`) : h(`${ha1}:${challenge.nonce}:${ha2}`);
  const q = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;
  const parts = [`username=${q(r.user)}`, `realm=${q(challenge.realm)}`, `nonce=${q(challenge.nonce)}`, `uri=${q(r.uri)}`, `algorithm=${challenge.algorithm}`, `response=${q(response)}`];
  if (challenge.qop) parts.push('qop=auth', `nc=${nc}`, `cnonce=${q(cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${q(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
