#!/usr/bin/env node
// The second half of `pnpm test`: the suites where the Node version changes behaviour, again on
// Node 24 (the current LTS, what most users run; the main run is on the machine's Node, 20 here).
// Node 24 comes from the npm registry (`npx -y node@24`), so a machine with Node 20 and npm is enough.
// What differs between them: relaxed SIMD and wasm threads (kernels, thread pool), Web Crypto and
// DecompressionStream (MNIST, IDX), file and folder I/O (models, checkpoints), and the CLI end to end.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const suites = [
  'packages/backend-wasm/src/kernels.test.ts',
  'packages/backend-wasm/src/threads.test.ts',
  'packages/backend-wasm/src/winograd-input-gradient.test.ts',
  'packages/backend-wasm/src/winograd-forward.test.ts',
  'packages/datasets',
  'packages/models/src/zoo.test.ts',
  'packages/models/src/node/save-load.test.ts',
  'packages/trainer/src/fit.test.ts',
  'packages/trainer/src/node',
  'test-support/examples.test.ts',
  'apps/cli/test/train-evaluate-predict.test.ts',
];
const root = fileURLToPath(new URL('..', import.meta.url));
const result = spawnSync('npx', ['-y', 'node@24', 'node_modules/vitest/vitest.mjs', 'run', ...suites], { cwd: root, stdio: 'inherit' });
if (result.error) {
  console.error(`Could not start Node 24 through npx (${result.error.message}). It comes from the npm registry: check that npm can reach it.`);
  process.exit(1);
}
process.exit(result.status ?? 1);
