// Short-lived links for evidence images: a browser <img> cannot send an API key, so the case
// detail hands out URLs that carry an expiry and an HMAC of (hash, expiry). The secret lives in
// the store (settings), so every API instance on one database accepts the others' links.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/db.ts';

export class UrlSigner {
  constructor(
    private readonly secret: Buffer,
    readonly ttlSeconds: number,
  ) {}

  static async fromStore(db: Db, ttlSeconds: number): Promise<UrlSigner> {
    const fresh = randomBytes(32).toString('hex');
    // First instance to start writes the secret; everyone (including it) reads the winner back.
    await db.query(`INSERT INTO settings (name, value) VALUES ('url_signing_secret', $1) ON CONFLICT (name) DO NOTHING`, [JSON.stringify(fresh)]);
    const [row] = await db.query<{ value: string }>(`SELECT value FROM settings WHERE name = 'url_signing_secret'`);
    return new UrlSigner(Buffer.from(row!.value, 'hex'), ttlSeconds);
  }

  /** Query string (without "?") granting access to one evidence object until now + ttl. */
  sign(sha256: string, now: Date): string {
    const exp = Math.floor(now.getTime() / 1000) + this.ttlSeconds;
    return `exp=${exp}&sig=${this.mac(sha256, exp)}`;
  }

  verify(sha256: string, exp: unknown, sig: unknown, now: Date): boolean {
    if (typeof exp !== 'string' || typeof sig !== 'string' || !/^\d+$/.test(exp)) return false;
    if (Number(exp) < now.getTime() / 1000) return false;
    const want = Buffer.from(this.mac(sha256, Number(exp)));
    const got = Buffer.from(sig);
    return want.length === got.length && timingSafeEqual(want, got);
  }

  private mac(sha256: string, exp: number): string {
    return createHmac('sha256', this.secret).update(`${sha256}.${exp}`).digest('base64url');
  }
}
