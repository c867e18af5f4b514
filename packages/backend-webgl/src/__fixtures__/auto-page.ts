// A page entry: `auto` over every browser plugin with default options; reports the choice and the
// one-line description (which says why each plugin tried before it was skipped).
import { createCpuPlugin, describeSelection, selectBackend } from '@digitlab/backend';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { createWebgpuPlugin } from '@digitlab/backend-webgpu';
import { createWebglPlugin } from '../index.js';

const result: Record<string, unknown> = {};
try {
  const plugins = [createCpuPlugin(), createWasmPlugin({ wasmPaths: '/wasm-files/' }), createWebglPlugin(), createWebgpuPlugin()];
  const selection = await selectBackend('auto', { plugins });
  Object.assign(result, { chosen: selection.chosen.name, skipped: selection.skipped, line: describeSelection(selection) });
} catch (error) {
  result.error = error instanceof Error ? error.message : String(error);
}
(globalThis as { pageResult?: unknown }).pageResult = result;
