// HTTP Digest auth for snapshot URLs, against a loopback camera that demands it: the grab learns
// the scheme from the first 401 and then takes one request a pass; a nonce the camera expired is
// renewed; a wrong password is a miss that says 401 and never shows the password; Basic cameras
// still work. The Digest arithmetic is checked against RFC 2617's own example.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { GrabError } from '../../pipeline/patrol/frame-grabber.ts';
import { snapshotGrabber } from '../../pipeline/patrol/grab-snapshot.ts';
import { digestAuthorization, parseDigestChallenge } from '../../pipeline/patrol/http-digest.ts';
import { startLoopbackSnapshotServer, type LoopbackSnapshotServer } from '../../pipeline/patrol/loopback-snapshot-server.ts';
import { samplePath } from '../support/samples.ts';

let server: LoopbackSnapshotServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const grabber = (url: string) => snapshotGrabber({ cameraId: 'gate', url, width: 640, timeoutMs: 5000, clock: () => new Date('2026-05-04T02:00:00Z') });

describe('Digest arithmetic', () => {
  it('answers RFC 2617 section 3.5 example exactly', () => {
    const challenge = parseDigestChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    expect(challenge).toMatchObject({ realm: 'testrealm@host.com', qop: 'auth', algorithm: 'MD5', opaque: '5ccc069c403ebaf9f0171e9517f40e41', stale: false });
    const header = digestAuthorization(challenge!, { user: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: '0a4f113b' });
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('nc=00000001');
    expect(header).not.toContain('Circle Of Life');
  });
  it('finds the Digest challenge beside a Basic one, and none where there is none', () => {
    expect(parseDigestChallenge('Basic realm="cam", Digest realm="cam", nonce="abc", algorithm=SHA-256, stale=true')).toMatchObject({ nonce: 'abc', algorithm: 'SHA-256', stale: true });
    expect(parseDigestChallenge('Digest realm="cam", nonce="abc", Basic realm="other"')).toMatchObject({ realm: 'cam', nonce: 'abc' });
    expect(parseDigestChallenge('Basic realm="cam"')).toBeUndefined();
    expect(parseDigestChallenge('Digest realm="cam"')).toBeUndefined(); // no nonce
    expect(parseDigestChallenge('Digest realm="cam", nonce="n", algorithm=SHA-512-256')).toBeUndefined();
    expect(parseDigestChallenge(null)).toBeUndefined();
  });
});

describe('snapshot grabs from a camera that demands Digest', () => {
  it.each(['MD5', 'SHA-256'] as const)('grabs with %s, one challenge, then one request a pass', async (algorithm) => {
    server = await startLoopbackSnapshotServer({ credentials: 'admin:s3cr:et', digest: { algorithm } });
    server.serve('/snap.jpg', [{ jpeg: await readFile(samplePath('darknet/dog.jpg')) }]);
    const grab = grabber(server.url('/snap.jpg', 'admin:s3cr%3Aet'));
    for (let pass = 0; pass < 3; pass++) {
      const frame = await grab.grab();
      expect([frame.width, frame.height]).toEqual([640, 480]);
    }
    expect(server.requests('/snap.jpg')).toBe(3);
    expect(server.refused).toBe(1);
  });

  it('renews a nonce the camera expired (stale) without failing the pass', async () => {
    server = await startLoopbackSnapshotServer({ credentials: 'admin:s3cret', digest: {} });
    server.serve('/snap.jpg', [{ jpeg: await readFile(samplePath('darknet/dog.jpg')) }]);
    const grab = grabber(server.url('/snap.jpg', 'admin:s3cret'));
    await grab.grab();
    server.expireNonces();
    await grab.grab();
    expect(server.requests('/snap.jpg')).toBe(2);
    expect(server.refused).toBe(2);
  });

  it('misses with HTTP 401 on a wrong password, which no reason shows', async () => {
    server = await startLoopbackSnapshotServer({ credentials: 'admin:s3cret', digest: {} });
    server.serve('/snap.jpg', [{ jpeg: await readFile(samplePath('darknet/dog.jpg')) }]);
    const grab = grabber(server.url('/snap.jpg', 'admin:hunter2'));
    const error = await grab.grab().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GrabError);
    expect((error as GrabError).reason).toMatch(/HTTP 401/);
    expect((error as GrabError).reason).not.toContain('hunter2');
    expect(server.requests('/snap.jpg')).toBe(0);
    // One challenge, one refused answer: no retry loop.
    expect(server.refused).toBe(2);
  });

  it('still grabs from a camera that wants Basic', async () => {
    server = await startLoopbackSnapshotServer({ credentials: 'admin:s3cret' });
    server.serve('/snap.jpg', [{ jpeg: await readFile(samplePath('darknet/dog.jpg')) }]);
    const grab = grabber(server.url('/snap.jpg', 'admin:s3cret'));
    await grab.grab();
    await grab.grab();
    expect(server.requests('/snap.jpg')).toBe(2);
    expect(server.refused).toBe(1); // only the first request went without credentials
  });
});
