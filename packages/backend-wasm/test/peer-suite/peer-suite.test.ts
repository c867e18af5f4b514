/**
 * tfjs-core's own op tests for every kernel we register on `wasm`, run against our backend in
 * Node. Any failure not in peer-suite-known-failures.json (specs stock tfjs-backend-wasm fails
 * too, with the reason) fails; so does a listed spec that now passes, so the list stays exact.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wasmTrainingKernelNames } from '@digitlab/backend-wasm';
import { kernelSuites, peerSuiteFiles, unexercisedMappings, unreachableReasons } from './kernel-suites.mjs';
import { runPeerSuite } from './run-peer-suite.mjs';
import { checkAgainstKnownFailures, type KnownFailures } from './known-failures.js';

const known = JSON.parse(readFileSync(new URL('../peer-suite-known-failures.json', import.meta.url), 'utf8')) as KnownFailures;

describe("tfjs-core's op tests on our wasm kernels", () => {
  it('map every kernel we register to the tfjs-core tests that run it', () => {
    for (const kernel of wasmTrainingKernelNames()) {
      const files = kernelSuites[kernel];
      expect(files, `${kernel} is registered but has no entry in kernel-suites.mjs: add the tfjs-core test files that run it`).toBeDefined();
      if (files?.length === 0) expect(unreachableReasons[kernel], `${kernel} maps to no test file: say why in unreachableReasons`).toBeTruthy();
    }
  });

  it('pass, except the specs stock tfjs-backend-wasm fails too', async () => {
    const outcome = await runPeerSuite({ backend: 'ours', files: peerSuiteFiles() });
    expect(outcome.suiteErrors).toEqual([]);
    const passed = outcome.specs.filter((spec) => spec.status === 'passed').length;
    expect(outcome.specs.length, 'tfjs-core declared no specs: the spec files did not load').toBeGreaterThan(700);
    expect(checkAgainstKnownFailures(outcome, known)).toEqual({ unexpected: [], nowPassing: [], missing: [] });
    // Each file kernel-suites.mjs names for a kernel really runs it.
    expect(unexercisedMappings(outcome.kernelCalls), 'kernel-suites.mjs names these files for a kernel that they never call').toEqual([]);
    console.info(`peer suite: ${passed}/${outcome.specs.length} passed, ${outcome.specs.length - passed} known failures; bundle ${Math.round(outcome.bundleMs)} ms, run ${Math.round(outcome.runMs)} ms`);
  });
});
