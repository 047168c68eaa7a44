// Test runner configuration: one vitest project per package, plus cross-package scenarios under test/.
import { defineConfig } from 'vitest/config';

const pkg = (name: string, extra: Record<string, unknown> = {}) => ({
  test: {
    name,
    root: `./${name}`,
    include: ['**/*.test.ts', '**/*.test.tsx'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    ...extra,
  },
});

export default defineConfig({
  test: {
    projects: [
      pkg('schema'),
      pkg('client-core'),
      pkg('relay'),
      pkg('sync-server'),
      pkg('web'),
      pkg('test', { testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false }),
    ],
  },
});
