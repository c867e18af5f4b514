/**
 * The peer-suite bundle's main in a page: runs the specs on the backend named by the page's
 * `?backend=` (`ours` or `stock`), with the `.wasm` files served under `/wasm-files/`, and sets
 * `globalThis.peerSuiteOutcome` when done.
 */
import { executeSpecs, type SpecFileLoader } from './execute-specs.js';

/** Runs the specs and publishes the outcome on the page. */
export async function runInPage(specFiles: readonly SpecFileLoader[]): Promise<void> {
  const backend = new URLSearchParams(location.search).get('backend') ?? '';
  const outcome = await executeSpecs(specFiles, { backend, wasmPaths: '/wasm-files/' });
  (globalThis as { peerSuiteOutcome?: unknown }).peerSuiteOutcome = outcome;
}
