import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own servers on ephemeral ports; two cores do not gain from more.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
