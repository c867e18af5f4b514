/**
 * The peer-suite bundle's main: imports the spec files, loads the backend named by `PEER_BACKEND`
 * (`ours`: createWasmPlugin through selectBackend, our kernels registered; `stock`:
 * tfjs-backend-wasm alone), runs every spec and writes one JSON result per spec to the file named
 * by the first argument.
 */
import { writeFileSync } from 'node:fs';
import { setBackend } from '@tensorflow/tfjs-core';
import { selectBackend } from '@digitlab/backend';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { jasmine } from './install-jasmine.js';
import type { PeerSuiteOutcome, PeerSpecResult } from './peer-suite-result.js';

async function loadBackend(backend: string, wasmPaths: string): Promise<void> {
  if (backend === 'ours') {
    // One thread: the kernels' results do not depend on the thread count, and CI has two cores.
    await selectBackend('wasm', { plugins: [createWasmPlugin({ wasmPaths })], loadOptions: { threads: 1 } });
  } else if (backend === 'stock') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmPaths);
    wasm.setThreadsCount(1);
    await setBackend('wasm');
  } else {
    throw new Error(`PEER_BACKEND must be "ours" or "stock", got ${JSON.stringify(backend)}.`);
  }
}

/** A spec file and how to import it (a literal `import()`, so the bundler includes it). */
export interface SpecFileLoader {
  file: string;
  load: () => Promise<unknown>;
}

/**
 * Runs the specs. Errors are written to the results file, not thrown: jasmine's global error
 * handlers swallow an uncaught error and the process would exit 0 with nothing said.
 */
export async function runSpecs(specFiles: readonly SpecFileLoader[]): Promise<void> {
  const [resultsFile] = process.argv.slice(2);
  const backend = process.env['PEER_BACKEND'] ?? '';
  const wasmPaths = process.env['PEER_WASM_PATHS'] ?? '';
  if (!resultsFile || !wasmPaths) throw new Error('usage: PEER_BACKEND=ours|stock PEER_WASM_PATHS=<dir>/ node peer-suite.mjs <results.json>');
  const suiteErrors: string[] = [];
  const fail = (what: string, error: unknown): never => {
    suiteErrors.push(`${what}: ${(error as Error).stack ?? String(error)}`);
    writeFileSync(resultsFile, JSON.stringify({ backend, specs: [], suiteErrors } satisfies PeerSuiteOutcome));
    process.exit(1);
  };
  // Each file's top-level suites, so each result names the file it came from.
  const fileOfSuite = new Map<string, string>();
  for (const { file, load } of specFiles) {
    try {
      await load();
    } catch (error) {
      fail(`importing ${file} failed`, error);
    }
    for (const suite of jasmine.getEnv().topSuite().children) if (!fileOfSuite.has(suite.id)) fileOfSuite.set(suite.id, file);
  }
  try {
    await loadBackend(backend, wasmPaths);
  } catch (error) {
    fail('loading the backend failed', error);
  }
  const specs = await execute(suiteErrors, fileOfSuite);
  writeFileSync(resultsFile, JSON.stringify({ backend, specs, suiteErrors } satisfies PeerSuiteOutcome));
}

async function execute(suiteErrors: string[], fileOfSuite: ReadonlyMap<string, string>): Promise<PeerSpecResult[]> {
  const specs: PeerSpecResult[] = [];
  const openSuites: string[] = [];
  const seen = new Map<string, number>();
  const env = jasmine.getEnv();
  env.addReporter({
    // The last spec started is the one to blame when the process dies: the runner shows the output's tail.
    specStarted(result) {
      process.stderr.write(`started: ${result.fullName}\n`);
    },
    specDone(result) {
      // A spec declared twice under the same name gets " #2", " #3": every result has its own key.
      const count = (seen.get(result.fullName) ?? 0) + 1;
      seen.set(result.fullName, count);
      const name = count === 1 ? result.fullName : `${result.fullName} #${count}`;
      specs.push({ name, file: fileOfSuite.get(openSuites[0] ?? '') ?? 'unknown', status: result.status, messages: result.failedExpectations.map((failure) => failure.message) });
    },
    // An error in a beforeAll/afterAll fails the suite, not a spec: report it too.
    suiteStarted(result) {
      openSuites.push(result.id);
    },
    suiteDone(result) {
      openSuites.pop();
      for (const failure of result.failedExpectations) suiteErrors.push(`${result.fullName}: ${failure.message}`);
    },
    jasmineDone(result) {
      for (const failure of result.failedExpectations) suiteErrors.push(`top level: ${failure.message}`);
    },
  });
  await env.execute();
  return specs;
}
