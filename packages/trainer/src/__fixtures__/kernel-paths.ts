/**
 * For code that runs a backend's fused kernel where one is registered and tfjs ops elsewhere: runs
 * `run` twice on the current backend, first with `kernelName` counting its calls, then with it
 * out of the registry (the ops' path), and restores the registration whatever happens.
 */
import * as tf from '@tensorflow/tfjs-core';

export function withAndWithoutKernel<T>(kernelName: string, run: () => T): { calls: number; fused: T; ops: T } {
  const registered = tf.getKernel(kernelName, tf.getBackend());
  if (!registered) throw new Error(`${kernelName} is not registered on ${tf.getBackend()}`);
  let calls = 0;
  const counting = (args: Parameters<tf.KernelFunc>[0]) => {
    calls += 1;
    return registered.kernelFunc(args);
  };
  tf.unregisterKernel(kernelName, registered.backendName);
  try {
    tf.registerKernel({ ...registered, kernelFunc: counting });
    const fused = run();
    tf.unregisterKernel(kernelName, registered.backendName);
    const ops = run();
    return { calls, fused, ops };
  } finally {
    if (tf.getKernel(kernelName, registered.backendName)) tf.unregisterKernel(kernelName, registered.backendName);
    tf.registerKernel(registered);
  }
}
