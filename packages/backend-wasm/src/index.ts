/**
 * @digitlab/backend-wasm — the `wasm` engine for digitlab: tfjs-backend-wasm (SIMD) plus the
 * training kernels it lacks or runs slowly (Conv2DBackpropFilter, Conv2DBackpropInput,
 * MaxPoolGrad, transposed BatchMatMul), each checked against the tfjs `cpu` backend.
 *
 * - `createWasmPlugin()` — the backend plugin (`@digitlab/backend` contract v1).
 * - `registerWasmTrainingKernels()` — registers our kernels on an already imported wasm backend.
 */
export { createWasmPlugin, WASM_BINARY_NAMES, WASM_PLUGIN_PRIORITY } from './plugin.js';
export type { WasmPaths, WasmPluginOptions } from './plugin.js';
export { registerWasmTrainingKernels, wasmTrainingKernelNames } from './register-kernels.js';
export type { RegisteredKernels } from './register-kernels.js';
export { WasmBackendError } from './errors.js';
