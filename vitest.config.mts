import { defineConfig } from 'vitest/config';

/**
 * One run holds every test: unit tests next to the code (`*.test.ts`) and the suites that run
 * against the real services in test/. Each file runs in its own process
 * (forks): embedded ClickHouse (chDB) binds one data directory per process.
 */
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '.local/**', 'dist/**'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
