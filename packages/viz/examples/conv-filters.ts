import type * as tfl from '@tensorflow/tfjs-layers';
import { convFilters, convLayerNames, filterGridSvg } from '@digitlab/viz';

/** The kernels of the first conv layer (HWIO numbers) and a grid of them in diverging colours. */
export function example(model: tfl.LayersModel) {
  const names = convLayerNames(model);
  const filters = convFilters(model, names[0]);
  return { names, shape: [filters.height, filters.width, filters.inChannels, filters.filters], svg: filterGridSvg(filters) };
}
