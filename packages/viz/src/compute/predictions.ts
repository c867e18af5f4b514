/** Predicted classes and probabilities of a model over many images, batch by batch. */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** What {@link predictAll} returns. */
export interface Predictions {
  count: number;
  classes: number;
  /** argmax per image. */
  predicted: Int32Array;
  /** `count × classes` softmax probabilities, row-major. */
  probabilities: Float32Array;
}

/** Runs `images` (`[n, H, W, C]`, normalised) through `model` in inference mode, `batchSize` at a time (default 256). */
export function predictAll(model: tfl.LayersModel, images: tf.Tensor, batchSize = 256): Predictions {
  const count = images.shape[0]!;
  const classes = model.outputs[0]!.shape.at(-1)!;
  const predicted = new Int32Array(count);
  const probabilities = new Float32Array(count * classes);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    tf.tidy(() => {
      const logits = model.apply(tf.slice(images, start, size), { training: false }) as tf.Tensor;
      predicted.set(tf.argMax(logits, -1).dataSync(), start);
      probabilities.set(tf.softmax(logits).dataSync(), start * classes);
    });
  }
  return { count, classes, predicted, probabilities };
}
