/**
 * The peer-suite bundle's main in Node: runs the specs on the backend named by `PEER_BACKEND`
 * (`ours` or `stock`), with the `.wasm` files in `PEER_WASM_PATHS`, and writes the outcome as JSON
 * to the file named by the first argument; exit code 1 when the specs could not run.
 */
import { writeFileSync } from 'node:fs';
import { executeSpecs, type SpecFileLoader } from './execute-specs.js';

/** Runs the specs and writes the results file. */
export async function runInNode(specFiles: readonly SpecFileLoader[]): Promise<void> {
  const [resultsFile] = process.argv.slice(2);
  const wasmPaths = process.env['PEER_WASM_PATHS'];
  if (!resultsFile || !wasmPaths) throw new Error('usage: PEER_BACKEND=ours|stock PEER_WASM_PATHS=<dir>/ node peer-suite.mjs <results.json>');
  const outcome = await executeSpecs(specFiles, {
    backend: process.env['PEER_BACKEND'] ?? '',
    wasmPaths,
    onSpecStarted: (name) => process.stderr.write(`started: ${name}\n`),
  });
  writeFileSync(resultsFile, JSON.stringify(outcome));
  if (outcome.specs.length === 0) process.exitCode = 1;
}
