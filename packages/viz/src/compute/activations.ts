/** Every layer's activations for one input: what each layer of the model "sees". */
import * as tf from '@tensorflow/tfjs-core';
import { scoped } from './scoped.js';
import type * as tfl from '@tensorflow/tfjs-layers';
import { VizError } from '../errors.js';
import { computingLayers, finalOutput, runLayers } from './run-layers.js';

/** One layer's output for one input. */
export interface LayerActivation {
  /** Layer name (`block1_conv1`), or `softmax` for the probabilities added after the logits. */
  name: string;
  /** tfjs class name: `Conv2D`, `MaxPooling2D`, `BatchNormalization`, `ReLU`, `Dense`, `Softmax`... */
  className: string;
  /** Shape without the batch axis: `[height, width, channels]` for maps, `[units]` for vectors. */
  shape: number[];
  /** Row-major values (NHWC: channel fastest for maps). */
  values: Float32Array;
}

/** Options of {@link layerActivations}. */
export interface LayerActivationsOptions {
  /** Append a `softmax` entry with the probabilities of the model's logits; default true. */
  softmax?: boolean;
}

/**
 * Runs `input` (one image, `[1, H, W, C]` or `[H, W, C]`, normalised as the model expects) through
 * `model` in inference mode and returns every layer's output, in layer order. Allocates no tensor
 * that outlives the call.
 */
export function layerActivations(model: tfl.LayersModel, input: tf.Tensor, { softmax = true }: LayerActivationsOptions = {}): LayerActivation[] {
  const expected = model.inputs[0]!.shape.slice(1);
  const rank = expected.length + 1;
  if (!(input.rank === rank && input.shape[0] === 1) && input.rank !== expected.length) {
    throw new VizError(`layerActivations takes one input of shape [1, ${expected.join(', ')}] or [${expected.join(', ')}], got [${input.shape.join(', ')}]`);
  }
  return scoped(() => {
    const batch = input.rank === rank ? input : tf.expandDims(input, 0);
    const outputs = runLayers(model, batch);
    const result: LayerActivation[] = computingLayers(model).map((layer) => {
      const value = outputs.get(layer.name)!;
      return { name: layer.name, className: layer.getClassName(), shape: value.shape.slice(1), values: Float32Array.from(value.dataSync()) };
    });
    if (softmax) {
      const probabilities = tf.softmax(finalOutput(model, outputs));
      result.push({ name: 'softmax', className: 'Softmax', shape: probabilities.shape.slice(1), values: Float32Array.from(probabilities.dataSync()) });
    }
    return result;
  });
}
