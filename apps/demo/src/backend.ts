/**
 * Picks the engine for the page (and the training worker) through @digitlab/backend, fastest first
 * by the plugins' own priorities: webgpu, webgl (both turn down software renderers, so a machine
 * without a GPU skips them and says why), wasm (SIMD, threads when the page is cross-origin
 * isolated, its binaries from the demo's own `wasm/` folder), cpu.
 */
import { createCpuPlugin, describeSelection, selectBackend } from '@digitlab/backend';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { createWebglPlugin } from '@digitlab/backend-webgl';
import { createWebgpuPlugin } from '@digitlab/backend-webgpu';

export interface PageBackend {
  name: string;
  threads: number;
  /** One line for people: the engine, SIMD, threads and why anything was skipped. */
  description: string;
}

/** Chooses and starts the engine; `baseUrl` is the page's URL (a worker has no document). */
export async function startBackend(baseUrl: string): Promise<PageBackend> {
  const plugins = [createWebgpuPlugin(), createWebglPlugin(), createWasmPlugin({ wasmPaths: new URL('wasm/', baseUrl).href }), createCpuPlugin()];
  const selection = await selectBackend('auto', { plugins });
  const threads = Number(selection.chosen.capabilities.threads ?? 1);
  return { name: selection.chosen.name, threads, description: describeSelection(selection) };
}
