import type * as tfl from '@tensorflow/tfjs-layers';

/** A run of consecutive layers that fine-tuning freezes, unfreezes or gives a learning rate together. */
export interface LayerGroup {
  /** The shared name prefix: `stem`, `stage1`, `block2`, `conv1`, `fc1`, `head`, ... */
  name: string;
  layers: tfl.layers.Layer[];
}

/**
 * Splits a model into ordered groups from input to head, derived from layer names: a layer belongs
 * to the group named by the part of its name before the first `_` (`stage2_block1_conv1` →
 * `stage2`). Layers without weights (pooling, activations, dropout, flatten) stay with the group
 * before them, so `pool1` joins `conv1`; weightless layers before the first weighted one (the input,
 * a leading flatten) join the first group. Groups are contiguous: a prefix that comes back after
 * another group starts a new group of the same name.
 *
 * For zoo models this gives e.g. `stem, stage1..stage4, head` (ResNets), `block1, block2, fc1, head`
 * (bn-cnn) or `conv1, conv2, fc1, head` (seed-cnn). LoRA and adapter layers keep or extend their
 * base layer's name, so they stay in its group.
 */
export function layerGroups(model: tfl.LayersModel): LayerGroup[] {
  const groups: LayerGroup[] = [];
  let pending: tfl.layers.Layer[] = [];
  for (const layer of model.layers) {
    const prefix = layer.name.split('_')[0] ?? layer.name;
    const current = groups[groups.length - 1];
    if (current && current.name === prefix) {
      current.layers.push(layer);
    } else if (layer.weights.length === 0) {
      if (current) current.layers.push(layer);
      else pending.push(layer);
    } else {
      groups.push({ name: prefix, layers: [...pending, layer] });
      pending = [];
    }
  }
  // A model with no weights at all still gets one group, so callers never see an empty list.
  if (pending.length > 0) groups.push({ name: pending[0]?.name.split('_')[0] ?? 'model', layers: pending });
  return groups;
}
