/** The loss functions of the training step, written as the formulas they implement. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Integer class labels (rank 1) as one-hot rows; one-hot input (rank 2) is returned as float.
 * Both shapes are accepted so any batch source (ours yields integer labels) can be used.
 */
function toOneHot(labels: tf.Tensor, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(labels.rank === 1 ? tf.oneHot(tf.cast(labels, 'int32'), numClasses) : labels, 'float32') as tf.Tensor2D);
}

/**
 * Mean softmax cross-entropy over the batch, with label smoothing ε (Szegedy et al. 2016):
 * ```
 * q = (1 − ε)·onehot(y) + ε/K
 * loss = mean_i( −Σ_k q_ik · log softmax(z_i)_k )
 * ```
 * `logits` are [batch, K]; `labels` are integer classes [batch] or one-hot [batch, K].
 */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor, labelSmoothing = 0): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[logits.rank - 1]!;
    let targets: tf.Tensor = toOneHot(labels, numClasses);
    if (labelSmoothing > 0) targets = tf.add(tf.mul(targets, 1 - labelSmoothing), labelSmoothing / numClasses);
    return tf.mean(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar;
  });
}

/** Fraction of rows whose largest logit is the true class. */
export function accuracy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const truth = labels.rank === 1 ? tf.cast(labels, 'int32') : tf.argMax(labels, -1);
    return tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), truth), 'float32')) as tf.Scalar;
  });
}

/**
 * L2 penalty `(λ/2)·Σ‖W‖²` over the given weights. The ½ makes its gradient exactly `λW`, so
 * `l2: λ` here equals `weightDecay: λ` in SGD. Callers pass kernels only (rank ≥ 2): decaying biases
 * and batch-norm scales is known to hurt and is not what "L2 on the weights" usually means.
 */
export function l2Penalty(weights: readonly tf.Tensor[], lambda: number): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.addN(weights.map((w) => tf.sum(tf.square(w)))), lambda / 2) as tf.Scalar);
}
