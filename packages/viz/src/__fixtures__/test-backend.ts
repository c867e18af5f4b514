/**
 * Test backend of the viz suites: the first name in `TEST_BACKENDS` (default `wasm`, the engine users
 * run, with our kernels; about 10x faster here than `cpu`). `TEST_BACKENDS=cpu` runs them on the
 * reference backend instead.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
// Gradients are registered by tfjs-layers; attributions of bare tfjs-core math need them too.
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export async function useTestBackend(): Promise<string> {
  const wanted = (process.env.TEST_BACKENDS ?? 'wasm').split(',')[0]!.trim();
  if (wanted === 'wasm') {
    const { createWasmPlugin } = await import('@digitlab/backend-wasm');
    await createWasmPlugin().load({ threads: 1 });
  } else {
    await tf.setBackend('cpu');
  }
  await tf.ready();
  return tf.getBackend();
}
