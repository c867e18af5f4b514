/**
 * Occlusion sensitivity (Zeiler & Fergus 2014): slide a patch of background over the image and
 * record how much the target logit drops; each pixel gets the mean drop of the patches covering it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { VizError } from '../errors.js';
import { classColumn, logitsOf, oneImage, resolveTarget, type Attribution, type AttributionOptions } from './attribution.js';

/** Options of {@link occlusion}. */
export interface OcclusionOptions extends AttributionOptions {
  /** Side of the square patch in pixels; default 4. */
  patch?: number;
  /** Step between patches; default 2. The last row and column of patches always touch the border. */
  stride?: number;
  /** Value the patch is filled with; default the image's minimum (the background of a normalised digit). */
  fill?: number;
  /** Occluded images per forward pass; default 64. */
  batchSize?: number;
}

/** Patch origins along one axis: every `stride`, plus the last one that reaches the border. */
function origins(size: number, patch: number, stride: number): number[] {
  const starts: number[] = [];
  for (let start = 0; start + patch <= size; start += stride) starts.push(start);
  if (starts.at(-1) !== size - patch) starts.push(size - patch);
  return starts;
}

/** `logit(x) − logit(x with the patch filled)`, averaged per pixel over the patches that cover it. */
export function occlusion(model: tfl.LayersModel, input: tf.Tensor, { target, patch = 4, stride = 2, fill, batchSize = 64 }: OcclusionOptions = {}): Attribution {
  const image = oneImage(model, input);
  try {
    const [, height, width, channels] = image.shape;
    if (!Number.isInteger(patch) || patch < 1 || patch > Math.min(height, width)) throw new VizError(`occlusion: patch must be an integer in 1..${Math.min(height, width)}, got ${patch}`);
    if (!Number.isInteger(stride) || stride < 1) throw new VizError(`occlusion: stride must be a positive integer, got ${stride}`);
    const chosen = resolveTarget(model, image, target);
    const pixels = image.dataSync();
    const background = fill ?? (pixels as Float32Array).reduce((low, value) => Math.min(low, value), Infinity);
    const reference = tf.tidy(() => classColumn(logitsOf(model, image), chosen).dataSync()[0]!);
    const patches = origins(height, patch, stride).flatMap((y) => origins(width, patch, stride).map((x) => [y, x] as const));
    const sums = new Float64Array(height * width);
    const counts = new Uint32Array(height * width);
    const size = height * width * channels;
    for (let first = 0; first < patches.length; first += batchSize) {
      const group = patches.slice(first, first + batchSize);
      const batch = new Float32Array(group.length * size);
      group.forEach(([top, left], k) => {
        batch.set(pixels, k * size);
        for (let y = top; y < top + patch; y++) batch.fill(background, k * size + (y * width + left) * channels, k * size + (y * width + left + patch) * channels);
      });
      const scores = tf.tidy(() => classColumn(logitsOf(model, tf.tensor4d(batch, [group.length, height, width, channels])), chosen).dataSync());
      group.forEach(([top, left], k) => {
        const drop = reference - scores[k]!;
        for (let y = top; y < top + patch; y++) {
          for (let x = left; x < left + patch; x++) {
            sums[y * width + x]! += drop;
            counts[y * width + x]! += 1;
          }
        }
      });
    }
    const values = Float32Array.from(sums, (sum, i) => sum / counts[i]!);
    return { method: 'occlusion', target: chosen, height, width, values };
  } finally {
    image.dispose();
  }
}
