import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { defineConfig } from 'vitest/config';

// The repository root is not a package, so tests here reach tfjs-core through @digitlab/backend's
// own dependency: the very copy the plugins use.
const tfjsCore = dirname(createRequire(new URL('../packages/backend/package.json', import.meta.url)).resolve('@tensorflow/tfjs-core/package.json'));

/** Runs the tests of the test helpers themselves: `npx vitest run --config test-support/vitest.config.ts`. */
export default defineConfig({
  resolve: { conditions: ['@digitlab/source'], alias: { '@tensorflow/tfjs-core': tfjsCore } },
  ssr: { resolve: { conditions: ['@digitlab/source'], externalConditions: ['@digitlab/source'] } },
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: [process.env.DIGITLAB_TEST_SUPPORT_INCLUDE ?? 'test-support/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
