import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// No tfjs-core import here: the repository root cannot resolve it, so this file also runs under the
// root vitest config; the leaking fixture runs in a child vitest under test-support/vitest.config.ts.
import { currentTfjsBackend, detectAll } from '../packages/backend/src/index.js';
import { describeEachBackend, testBackends, testRegistry } from './each-backend.js';

const seen: string[] = [];

describe('testBackends', () => {
  it.skipIf(process.env.TEST_BACKENDS !== undefined)('defaults to every plugin available here', async () => {
    const available = (await detectAll(testRegistry)).filter((report) => report.detection.available).map((report) => report.name);
    expect(testBackends).toEqual(available.includes('cuda') ? available.filter((name) => name !== 'tensorflow') : available);
    expect(testBackends).toContain('cpu');
    expect(testBackends).toContain('wasm');
  });
});

describeEachBackend('each backend', (backend) => {
  it('runs on the backend named in its title, loaded through the plugin', () => {
    seen.push(backend.name);
    expect(backend.loaded().name).toBe(backend.name);
    expect(currentTfjsBackend()).toBe(backend.loaded().tfjsBackendName);
  });
});

describeEachBackend(
  'skip list',
  () => {
    it('runs everywhere but cpu', () => {
      expect(currentTfjsBackend()).not.toBe('cpu');
    });
  },
  { skip: { cpu: 'exercises the skip list' } },
);

describe('coverage of the run', () => {
  it('visited every test backend once', () => {
    expect(seen).toEqual([...testBackends]);
  });
});

describe('leak check', () => {
  it('fails the test that leaks and only that one', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    let output: string;
    try {
      output = execFileSync(process.execPath, [vitestEntry(), 'run', '--config', 'test-support/vitest.config.ts', '--reporter=json'], {
        cwd: root,
        env: { ...process.env, TEST_BACKENDS: 'cpu', DIGITLAB_TEST_SUPPORT_INCLUDE: 'test-support/__fixtures__/leaky.fixture.ts' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      output = (error as { stdout: string }).stdout;
    }
    const report = JSON.parse(output.slice(output.indexOf('{'))) as {
      testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
    };
    const results = report.testResults.flatMap((file) => file.assertionResults);
    expect(results.map((result) => [result.title, result.status])).toEqual([
      ['disposes what it makes', 'passed'],
      ['keeps a tensor alive', 'failed'],
    ]);
    expect(results[1]?.failureMessages.join('\n')).toContain('test "keeps a tensor alive" leaked 1 tensor on backend "cpu"');
  });
});

/** The vitest CLI entry of this workspace. */
function vitestEntry(): string {
  return fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
}
