// Test runner configuration: one vitest project per package, plus cross-package scenarios under test/.
import { defineConfig } from 'vitest/config';

const pkg = (name: string, extra: Record<string, unknown> = {}) => ({
  test: {
    name,
    root: `./${name}`,
    include: ['**/*.test.ts', '**/*.test.tsx'],
    // measurements print figures and take long on a busy machine: `npm run test:measure`
    exclude: ['**/node_modules/**', '**/dist/**', ...(process.env.MEKONG_MEASURE === '1' ? [] : ['**/*.measure.test.ts'])],
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
      pkg('test', { testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false, exclude: ['**/node_modules/**', '**/dist/**', 'chaos/**'] }),
      // the full convergence fuzz (`npm run test:chaos`); `npm test` runs its seeded slice in test/sim
      { test: { name: 'chaos', root: './test', include: ['chaos/**/*.test.ts'], environment: 'node', testTimeout: 1_800_000, hookTimeout: 60_000, fileParallelism: false } },
    ],
  },
});
