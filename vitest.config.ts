import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests start worker pools and child processes; forks isolate them and keep a crash contained.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
