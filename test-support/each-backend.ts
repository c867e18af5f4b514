/**
 * "One suite, every backend" (tfjs `describeWithFlags`, Keras 3's per-backend CI matrix):
 * `describeEachBackend(title, fn)` runs `fn`'s suite once per backend named in `TEST_BACKENDS`
 * (comma list; default: every plugin whose detect() says available here), loading each through its
 * plugin, and fails any test that leaves more tensors alive than it found.
 *
 * Import it by relative path from a colocated test: `import { describeEachBackend } from '../../../test-support/each-backend.js'`.
 * Plugins are imported from source because the repository root is not a package.
 */
import { afterEach, beforeAll, beforeEach, describe } from 'vitest';
import {
  createBackendRegistry,
  createCpuPlugin,
  currentTfjsBackend,
  detectAll,
  liveTensorCount,
  selectBackend,
  TensorLeakError,
  UnknownBackendError,
  type BackendRegistry,
  type LoadedBackend,
} from '../packages/backend/src/index.js';
import { createCudaPlugin } from '../packages/backend-cuda/src/index.js';
import { createNodePlugin } from '../packages/backend-node/src/index.js';
import { createWasmPlugin } from '../packages/backend-wasm/src/index.js';

/** The backend a suite runs on. */
export interface BackendUnderTest {
  /** Plugin name: `cpu`, `wasm`, `tensorflow`, `cuda`. */
  name: string;
  /** What the plugin reported when it loaded; available inside tests and hooks, not while collecting. */
  loaded(): LoadedBackend;
}

/** Options of `describeEachBackend`. */
export interface DescribeEachBackendOptions {
  /** Backends this suite must not run on, with the reason shown in the skipped suite's title. */
  skip?: Readonly<Record<string, string>>;
}

/** Every plugin the test helpers know, highest priority first. */
export const testRegistry: BackendRegistry = createBackendRegistry([createCudaPlugin(), createNodePlugin(), createWasmPlugin(), createCpuPlugin()]);

/**
 * The backends suites run on: `TEST_BACKENDS` when set (unknown names fail loudly, and a named backend
 * that cannot load fails its suite rather than skipping), else every available plugin, cpu last.
 */
export const testBackends: readonly string[] = await resolveTestBackends(process.env.TEST_BACKENDS);

async function resolveTestBackends(requested: string | undefined): Promise<string[]> {
  const names = (requested ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length > 0) {
    const valid = testRegistry.list().map((plugin) => plugin.name);
    const unknown = names.find((name) => !valid.includes(name));
    if (unknown !== undefined) throw new UnknownBackendError(unknown, valid);
    return names;
  }
  const reports = await detectAll(testRegistry);
  // tfjs-node and tfjs-node-gpu register the same tfjs backend name; one process can hold only one.
  const available = reports.filter((report) => report.detection.available).map((report) => report.name);
  return available.includes('cuda') ? available.filter((name) => name !== 'tensorflow') : available;
}

/** Runs the suite `fn` once per test backend, as `title [backend]`, failing tests that leak tensors. */
export function describeEachBackend(title: string, fn: (backend: BackendUnderTest) => void, { skip = {} }: DescribeEachBackendOptions = {}): void {
  for (const name of testBackends) {
    const reason = skip[name];
    if (reason !== undefined) {
      // Its tests are still collected, so the run lists and counts each one as skipped, under a title that says why.
      describe.skip(`${title} [${name}] (skipped: ${reason})`, () =>
        fn({
          name,
          loaded() {
            throw new Error(`backend "${name}" is skipped for this suite: ${reason}`);
          },
        }),
      );
      continue;
    }
    describe(`${title} [${name}]`, () => {
      let loaded: LoadedBackend | undefined;
      let tensorsBefore = 0;
      beforeAll(async () => {
        loaded = (await selectBackend(name, { plugins: testRegistry })).chosen;
      });
      // Another suite in the same file may have switched engines since beforeAll: switch back.
      beforeEach(async () => {
        if (currentTfjsBackend() !== loaded?.tfjsBackendName) loaded = (await selectBackend(name, { plugins: testRegistry })).chosen;
        tensorsBefore = liveTensorCount();
      });
      afterEach((context) => {
        const leaked = liveTensorCount() - tensorsBefore;
        if (leaked > 0) throw new TensorLeakError(`test "${context.task.name}"`, leaked, loaded?.tfjsBackendName ?? name);
      });
      fn({
        name,
        loaded() {
          if (!loaded) throw new Error(`backend "${name}" is not loaded yet: call loaded() inside a test or hook, not while the suite is collected.`);
          return loaded;
        },
      });
    });
  }
}
