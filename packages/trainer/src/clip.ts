import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernel name a backend registers to take a list of float32 tensors' global L2 norm in one call
 * (@digitlab/backend-wasm does): inputs named "0", "1", … in order; output a float32 scalar. Where
 * the current backend registers it, {@link globalNorm} makes that one call instead of two a tensor.
 */
export const GLOBAL_NORM_KERNEL = 'DigitlabGlobalNorm';

/** Global L2 norm of a list of tensors: `√(Σ_i ‖g_i‖²)`. */
export function globalNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  if (tensors.length > 0 && tensors.every((t) => t.dtype === 'float32') && tf.getKernel(GLOBAL_NORM_KERNEL, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(GLOBAL_NORM_KERNEL, Object.fromEntries(tensors.map((t, index) => [String(index), t]))) as tf.Scalar;
  }
  return tf.tidy(() => tf.sqrt(tf.addN(tensors.map((t) => tf.sum(tf.square(t))))) as tf.Scalar);
}

/**
 * Rescales gradients so their global norm is at most `maxNorm` (Pascanu et al. 2013):
 * `g_i ← g_i · min(1, maxNorm / ‖g‖)`. Returns new tensors; the caller disposes them (or uses tidy).
 */
export function clipByGlobalNorm(gradients: readonly tf.Tensor[], maxNorm: number, norm: tf.Scalar = globalNorm(gradients)): tf.Tensor[] {
  return tf.tidy(() => {
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-12)));
    return gradients.map((g) => tf.mul(g, scale));
  });
}
