/** The learned kernels of a convolution layer, one small image per (input channel, filter) pair. */
import type * as tfl from '@tensorflow/tfjs-layers';
import { VizError } from '../errors.js';
import { computingLayers, findLayer } from './run-layers.js';

/** A conv layer's kernel: `values[((y * width + x) * inChannels + c) * filters + f]` (HWIO, as tfjs stores it). */
export interface ConvFilters {
  layer: string;
  height: number;
  width: number;
  inChannels: number;
  filters: number;
  values: Float32Array;
}

/** The conv layers of `model` (class `Conv2D`, including LoRA-wrapped ones whose kernel is 4-D), in order. */
export function convLayerNames(model: tfl.LayersModel): string[] {
  return computingLayers(model)
    .filter((layer) => layer.getWeights()[0]?.rank === 4 && layer.outputShape.length === 4)
    .map((layer) => layer.name);
}

/** The kernel of conv layer `layer` (default: the first conv layer) as plain numbers. */
export function convFilters(model: tfl.LayersModel, layer?: string): ConvFilters {
  const names = convLayerNames(model);
  const name = layer ?? names[0];
  if (name === undefined) throw new VizError(`model "${model.name}" has no conv layer (a layer with a 4-D kernel)`);
  if (!names.includes(name)) {
    findLayer(model, name);
    throw new VizError(`layer "${name}" is not a conv layer. Should be one of: ${names.join(', ')}`);
  }
  const kernel = findLayer(model, name).getWeights()[0]!;
  const [height, width, inChannels, filters] = kernel.shape as [number, number, number, number];
  return { layer: name, height, width, inChannels, filters, values: Float32Array.from(kernel.dataSync()) };
}
