import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own servers on ephemeral ports; two cores do not gain from more.
    maxWorkers: 2,
    // expect.poll waits for something a person would wait for (a frame, a patch, a focus move). Its default
    // of 1 s is a timing threshold in disguise: beside the rest of the suite on two cores a frame can take longer.
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default'],
  },
});
