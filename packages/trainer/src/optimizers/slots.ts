/** Slot storage shared by our optimizers: one tf.Variable per (variable index, slot name). */
import * as tf from '@tensorflow/tfjs-core';
import { TrainerOptionError } from '../errors.js';

/** @internal */
export class Slots {
  private readonly byKey = new Map<string, tf.Variable>();

  /** The slot for variable `index`, created as zeros shaped like `like` on first use. */
  get(index: number, name: string, like: tf.Tensor): tf.Variable {
    const key = `${index}/${name}`;
    let slot = this.byKey.get(key);
    if (!slot) {
      slot = tf.variable(tf.zerosLike(like), false, undefined, 'float32');
      this.byKey.set(key, slot);
    } else if (!tf.util.arraysEqual(slot.shape, like.shape)) {
      throw new TrainerOptionError(`optimizer slot "${key}" has shape [${slot.shape.join(', ')}] but its variable has [${like.shape.join(', ')}]: the optimizer state belongs to another model`);
    }
    return slot;
  }

  entries(): Record<string, tf.Tensor> {
    return Object.fromEntries(this.byKey);
  }

  replace(slots: Record<string, tf.Tensor>): void {
    this.dispose();
    // Inside tidy: the variable keeps its own reference to the copy, the copy's handle is released.
    for (const [key, value] of Object.entries(slots)) this.byKey.set(key, tf.tidy(() => tf.variable(value.clone(), false, undefined, 'float32')));
  }

  dispose(): void {
    for (const slot of this.byKey.values()) slot.dispose();
    this.byKey.clear();
  }
}
