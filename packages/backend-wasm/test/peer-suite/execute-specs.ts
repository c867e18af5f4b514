/**
 * The platform-neutral core of the peer suite, bundled with tfjs-core's spec files: imports them,
 * loads the backend (`ours`: createWasmPlugin through selectBackend, our kernels registered;
 * `stock`: tfjs-backend-wasm alone), runs every spec with jasmine and returns one result per spec.
 * node-main.ts and page-main.ts call it and hand the outcome back.
 */
import { getKernel, registerKernel, setBackend, unregisterKernel, type KernelFunc } from '@tensorflow/tfjs-core';
import { selectBackend } from '@digitlab/backend';
import { createWasmPlugin, wasmTrainingKernelNames } from '@digitlab/backend-wasm';
import { jasmine } from './install-jasmine.js';
import type { PeerSuiteOutcome, PeerSpecResult } from './peer-suite-result.js';

/** A spec file and how to import it (a literal `import()`, so the bundler includes it). */
export interface SpecFileLoader {
  file: string;
  load: () => Promise<unknown>;
}

/** What to run the specs on. */
export interface PeerBackendOptions {
  backend: string;
  /** Where tfjs-backend-wasm's `.wasm` files are: a folder (Node) or URL prefix (page), ending in `/`. */
  wasmPaths: string;
  /** Called as each spec starts (Node prints it: the last line names the spec to blame if the process dies). */
  onSpecStarted?: (name: string) => void;
}

/**
 * Wraps each of our kernels in a counter of its calls per spec file, so the test can check that
 * the files kernel-suites.mjs names for a kernel really run it. The wrapper only counts and calls
 * the kernel; setup and dispose stay as registered.
 */
function countKernelCalls(currentFile: () => string): PeerSuiteOutcome['kernelCalls'] {
  const calls: Record<string, Record<string, number>> = {};
  for (const kernelName of wasmTrainingKernelNames()) {
    const registered = getKernel(kernelName, 'wasm');
    if (!registered) throw new Error(`${kernelName} is not registered on wasm after loading our plugin.`);
    const perFile: Record<string, number> = {};
    calls[kernelName] = perFile;
    const kernelFunc: KernelFunc = (args) => {
      const file = currentFile();
      perFile[file] = (perFile[file] ?? 0) + 1;
      return registered.kernelFunc(args);
    };
    unregisterKernel(kernelName, 'wasm');
    registerKernel({ ...registered, kernelFunc });
  }
  return calls;
}

async function loadBackend({ backend, wasmPaths }: PeerBackendOptions): Promise<void> {
  if (backend === 'ours') {
    // One thread: the kernels' results do not depend on the thread count, and CI has two cores.
    await selectBackend('wasm', { plugins: [createWasmPlugin({ wasmPaths })], loadOptions: { threads: 1 } });
  } else if (backend === 'stock') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmPaths);
    wasm.setThreadsCount(1);
    await setBackend('wasm');
  } else {
    throw new Error(`the peer-suite backend must be "ours" or "stock", got ${JSON.stringify(backend)}.`);
  }
}

/**
 * Imports the spec files, loads the backend and runs the specs. Never throws: an import or load
 * error comes back in `suiteErrors` (jasmine's global error handlers would swallow a thrown one).
 */
export async function executeSpecs(specFiles: readonly SpecFileLoader[], options: PeerBackendOptions): Promise<PeerSuiteOutcome> {
  const suiteErrors: string[] = [];
  const failed = (what: string, error: unknown): PeerSuiteOutcome => ({
    backend: options.backend,
    specs: [],
    suiteErrors: [`${what}: ${(error as Error).stack ?? String(error)}`],
    kernelCalls: {},
  });
  // Each file's top-level suites, so each result names the file it came from.
  const fileOfSuite = new Map<string, string>();
  for (const { file, load } of specFiles) {
    try {
      await load();
    } catch (error) {
      return failed(`importing ${file} failed`, error);
    }
    for (const suite of jasmine.getEnv().topSuite().children) if (!fileOfSuite.has(suite.id)) fileOfSuite.set(suite.id, file);
  }
  const openSuites: string[] = [];
  const currentFile = (): string => fileOfSuite.get(openSuites[0] ?? '') ?? 'outside any spec';
  let kernelCalls: PeerSuiteOutcome['kernelCalls'] = {};
  try {
    await loadBackend(options);
    if (options.backend === 'ours') kernelCalls = countKernelCalls(currentFile);
  } catch (error) {
    return failed('loading the backend failed', error);
  }
  const specs = await execute(suiteErrors, openSuites, currentFile, options.onSpecStarted);
  return { backend: options.backend, specs, suiteErrors, kernelCalls };
}

async function execute(suiteErrors: string[], openSuites: string[], currentFile: () => string, onSpecStarted?: (name: string) => void): Promise<PeerSpecResult[]> {
  const specs: PeerSpecResult[] = [];
  const seen = new Map<string, number>();
  const env = jasmine.getEnv();
  env.addReporter({
    specStarted(result) {
      onSpecStarted?.(result.fullName);
    },
    specDone(result) {
      // A spec declared twice under the same name gets " #2", " #3": every result has its own key.
      const count = (seen.get(result.fullName) ?? 0) + 1;
      seen.set(result.fullName, count);
      const name = count === 1 ? result.fullName : `${result.fullName} #${count}`;
      specs.push({ name, file: currentFile(), status: result.status, messages: result.failedExpectations.map((failure) => failure.message) });
    },
    suiteStarted(result) {
      openSuites.push(result.id);
    },
    // An error in a beforeAll/afterAll fails the suite, not a spec: report it too.
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
