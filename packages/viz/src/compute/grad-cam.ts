/**
 * Grad-CAM (Selvaraju et al. 2017) on any layer with a spatial output `A` of shape `[h, w, K]`:
 * `α_k = mean_ij ∂y_c/∂A_ijk`, `cam = ReLU(Σ_k α_k A_k)`, upsampled bilinearly to the input size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { scoped } from './scoped.js';
import type * as tfl from '@tensorflow/tfjs-layers';
import { VizError } from '../errors.js';
import { classColumn, oneImage, resolveTarget, type Attribution, type AttributionOptions } from './attribution.js';
import { convLayerNames } from './conv-filters.js';
import { computingLayers, finalOutput, runLayers } from './run-layers.js';

/** Options of {@link gradCam}. */
export interface GradCamOptions extends AttributionOptions {
  /** A layer with a `[h, w, channels]` output; default: {@link defaultCamLayer}. */
  layer?: string;
}

/** Grad-CAM: `values` at input resolution (≥ 0), plus the map at the layer's own resolution. */
export interface GradCam extends Attribution {
  layer: string;
  camHeight: number;
  camWidth: number;
  /** The map before upsampling, `camHeight × camWidth`. */
  cam: Float32Array;
}

/** Layers with a `[h, w, channels]` output. */
function spatialLayers(model: tfl.LayersModel): string[] {
  return computingLayers(model).filter((candidate) => candidate.outputShape.length === 4).map((candidate) => candidate.name);
}

/**
 * The output of the last conv block: the last spatial layer from the last conv layer on, dropout
 * left out (`block2_conv3_relu` in bn-cnn). The paper takes the last conv layer's rectified maps;
 * a conv output read before its batch norm and ReLU can be negative everywhere, and then the map is 0.
 */
export function defaultCamLayer(model: tfl.LayersModel): string {
  const lastConv = convLayerNames(model).at(-1);
  if (lastConv === undefined) throw new VizError(`gradCam: model "${model.name}" has no conv layer; pass { layer } naming a layer with a [h, w, channels] output`);
  const layers = computingLayers(model);
  const candidates = layers.slice(layers.findIndex((layer) => layer.name === lastConv)).filter((layer) => layer.outputShape.length === 4 && layer.getClassName() !== 'Dropout');
  return candidates.at(-1)!.name;
}

/** Grad-CAM of class `target` (default: predicted) on `layer` (default: {@link defaultCamLayer}). */
export function gradCam(model: tfl.LayersModel, input: tf.Tensor, { target, layer }: GradCamOptions = {}): GradCam {
  const name = layer ?? defaultCamLayer(model);
  const spatial = spatialLayers(model);
  if (!spatial.includes(name)) throw new VizError(`gradCam: layer "${name}" has no spatial [h, w, channels] output. Should be one of: ${spatial.join(', ')}`);
  return scoped(() => {
    const image = oneImage(model, input);
    const chosen = resolveTarget(model, image, target);
    const activation = runLayers(model, image).get(name)!;
    const score = (replacement: tf.Tensor) => tf.sum(classColumn(finalOutput(model, runLayers(model, image, { layer: name, output: replacement })), chosen)) as tf.Scalar;
    const gradient = tf.grad(score)(activation);
    const weights = tf.mean(gradient, [1, 2], true); // α_k, [1, 1, 1, K]
    const cam = tf.relu(tf.sum(tf.mul(weights, activation), -1, true)) as tf.Tensor4D; // [1, h, w, 1]
    const [, height, width] = image.shape;
    const upsampled = tf.image.resizeBilinear(cam, [height, width]);
    const [, camHeight, camWidth] = cam.shape;
    return { method: 'gradcam' as const, target: chosen, layer: name, height, width, values: Float32Array.from(upsampled.dataSync()), camHeight, camWidth, cam: Float32Array.from(cam.dataSync()) };
  });
}
