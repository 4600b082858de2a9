// The camera-streams queue keeps each camera's config in Redis for as long as it is watched, so a
// password goes there sealed or as a secret name: a clear one is sealed with the key given, and
// refused (naming the camera) without one.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CameraConfig } from '../../contracts/camera.ts';
import { parseCameraSecretKey } from '../../infra/camera-secret-key.ts';
import { resolveCameraUrl } from '../../infra/camera-secrets.ts';
import { QUEUES } from '../../infra/queues.ts';
import { cameraJobId, openCameraQueue } from '../../pipeline/cameras/camera-queue.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

let redis: TestRedis;
const key = parseCameraSecretKey('5a'.repeat(32), 'test');
const camera = (id: string, url: string): CameraConfig => ({ id, name: id, url, zones: [{ id: 'z', kind: 'other', polygon: [[0, 0], [1, 0], [1, 1]] }] });

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

it('seals a clear password before queueing it, refuses one without a key, and keeps names as they are', async () => {
  const withKey = openCameraQueue(redis.url, { secretKey: key });
  const withoutKey = openCameraQueue(redis.url);
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const jobs = new Queue<CameraConfig>(QUEUES.cameraStreams, { connection });
  try {
    await withKey.addCamera(camera('sealed-cam', 'rtsp://admin:clear-Pa55@10.0.0.5/s'));
    const job = await jobs.getJob(cameraJobId('sealed-cam'));
    expect(job!.data.url).not.toContain('clear-Pa55');
    expect(resolveCameraUrl(job!.data.url, 'sealed-cam', key, () => undefined)).toEqual({ url: 'rtsp://admin:clear-Pa55@10.0.0.5/s' });

    await expect(withoutKey.addCamera(camera('clear-cam', 'rtsp://admin:clear-Pa55@10.0.0.5/s'))).rejects.toThrow(
      'camera clear-cam: its URL holds a password in clear; the camera-streams queue takes only sealed passwords (a camera secret key) or secret names ({CAMERA_…})',
    );
    expect(await jobs.getJob(cameraJobId('clear-cam'))).toBeUndefined();

    await withoutKey.addCamera(camera('named-cam', 'rtsp://admin:{CAMERA_PASSWORD_X}@10.0.0.5/s'));
    expect((await jobs.getJob(cameraJobId('named-cam')))!.data.url).toBe('rtsp://admin:{CAMERA_PASSWORD_X}@10.0.0.5/s');
    const conn = new Redis(redis.url);
    const keys = await conn.keys('*');
    const values = await Promise.all(keys.map(async (k) => ((await conn.type(k)) === 'hash' ? JSON.stringify(await conn.hgetall(k)) : '')));
    conn.disconnect();
    expect(values.join('')).not.toContain('clear-Pa55');
  } finally {
    await jobs.close();
    connection.disconnect();
    await withKey.close();
    await withoutKey.close();
  }
});
