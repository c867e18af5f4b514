/**
 * Picks the engine for the page through @digitlab/backend: the wasm plugin (SIMD, threads when the
 * page is cross-origin isolated), else tfjs's cpu engine. tfjs-backend-wasm fetches its binaries from
 * the demo's own `wasm/` folder.
 */
import { createCpuPlugin, describeSelection, selectBackend } from '@digitlab/backend';
import { createWasmPlugin } from '@digitlab/backend-wasm';

export interface PageBackend {
  name: string;
  threads: number;
  /** One line for people: the engine, SIMD, threads and why anything was skipped. */
  description: string;
}

export async function startBackend(): Promise<PageBackend> {
  const wasm = createWasmPlugin({ wasmPaths: new URL('wasm/', document.baseURI).href });
  const selection = await selectBackend(['wasm', 'cpu'], { plugins: [wasm, createCpuPlugin()] });
  const threads = Number(selection.chosen.capabilities.threads ?? 1);
  return { name: selection.chosen.name, threads, description: describeSelection(selection) };
}
