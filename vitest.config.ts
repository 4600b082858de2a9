import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Model sessions and real servers take longer than vitest's 5 s default on two cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
