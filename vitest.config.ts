import { defineConfig } from 'vitest/config';

// Tests run against each package's `src/` through the `@digitlab/source` export condition,
// so no package has to be built before its dependents are tested.
export default defineConfig({
  resolve: { conditions: ['@digitlab/source'] },
  ssr: { resolve: { conditions: ['@digitlab/source'], externalConditions: ['@digitlab/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test-support/**/*.test.ts', 'examples/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
