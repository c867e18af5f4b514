import * as tf from '@tensorflow/tfjs-core';

/** Global L2 norm of a list of tensors: `√(Σ_i ‖g_i‖²)`. */
export function globalNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
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
