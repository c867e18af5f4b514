// A page entry: loads the wasm plugin with the options in `?config=` (JSON: threads, wasmPaths),
// runs a convolution and its gradients on it, and leaves what happened in `pageResult`.
import * as tf from '@tensorflow/tfjs-core';
// Gradients are registered by tfjs-layers or by this module; a page that trains imports one of them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createWasmPlugin, type WasmPaths } from '../index.js';

interface PageConfig {
  threads?: number;
  wasmPaths?: WasmPaths;
}

const config = JSON.parse(new URLSearchParams(location.search).get('config') ?? '{}') as PageConfig;
const messages: string[] = [];
const result: Record<string, unknown> = { hardwareConcurrency: navigator.hardwareConcurrency, isolated: globalThis.crossOriginIsolated };
try {
  const loaded = await createWasmPlugin({ log: (message) => messages.push(message), ...(config.wasmPaths ? { wasmPaths: config.wasmPaths } : {}) }).load(
    config.threads === undefined ? {} : { threads: config.threads },
  );
  const before = tf.memory().numTensors;
  const x = tf.tensor4d(Array.from({ length: 2 * 10 * 10 * 8 }, (_, i) => Math.sin(i)), [2, 10, 10, 8]);
  const filter = tf.tensor4d(Array.from({ length: 3 * 3 * 8 * 16 }, (_, i) => Math.cos(i)), [3, 3, 8, 16]);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([x, filter]);
  result.gradients = [Array.from(await dx!.data()), Array.from(await dw!.data())];
  tf.dispose([x, filter, dx!, dw!]);
  tf.disposeVariables();
  Object.assign(result, {
    backend: tf.getBackend(),
    capabilities: loaded.capabilities,
    messages,
    hardwareConcurrencyAfter: navigator.hardwareConcurrency,
    leaked: tf.memory().numTensors - before,
  });
} catch (error) {
  Object.assign(result, { error: error instanceof Error ? error.message : String(error), messages });
}
(globalThis as { pageResult?: unknown }).pageResult = result;
