/** One layer's output for many inputs, flattened into rows: the points an embedding plot projects. */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { VizError } from '../errors.js';
import { computingLayers, findLayer, runLayers } from './run-layers.js';

/** `count` rows of `dimension` numbers, row-major. */
export interface FeatureRows {
  layer: string;
  count: number;
  dimension: number;
  values: Float32Array;
}

/** The layer whose output feeds the model's output layer (the penultimate representation). */
export function penultimateLayer(model: tfl.LayersModel): string {
  const output = model.outputs[0]!.sourceLayer;
  const input = output.input;
  const source = Array.isArray(input) ? undefined : input.sourceLayer;
  if (!source || source.getClassName() === 'InputLayer') throw new VizError(`model "${model.name}" has no single layer before its output layer "${output.name}"; pass the layer name`);
  return source.name;
}

/** Options of {@link layerFeatures}. */
export interface LayerFeaturesOptions {
  /** Default: {@link penultimateLayer}. */
  layer?: string;
  /** Images per forward pass; default 256. */
  batchSize?: number;
}

/** Runs `images` (`[n, H, W, C]`, normalised) through `model` and keeps `layer`'s output per image. */
export function layerFeatures(model: tfl.LayersModel, images: tf.Tensor, { layer, batchSize = 256 }: LayerFeaturesOptions = {}): FeatureRows {
  const name = layer ?? penultimateLayer(model);
  findLayer(model, name);
  const count = images.shape[0]!;
  const dimension = computingLayers(model).find((candidate) => candidate.name === name)!.outputShape.slice(1).reduce((product: number, size) => product * (size as number), 1);
  const values = new Float32Array(count * dimension);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    tf.tidy(() => {
      const batch = tf.slice(images, start, size);
      values.set(runLayers(model, batch).get(name)!.dataSync(), start * dimension);
    });
  }
  return { layer: name, count, dimension, values };
}
