import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { startRedis } from './redis-server.ts';

it('starts a real redis-server that keeps data across a crash (AOF)', async () => {
  const redis = await startRedis();
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  await client.set('k', 'v');
  await redis.restart();
  expect(await client.get('k')).toBe('v');
  client.disconnect();
  await redis.stop();
});
