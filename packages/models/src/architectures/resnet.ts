import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormDefaults, count, type Architecture, type ResolvedModelOptions } from './architecture.js';
import { SeededInitializers } from './seeded-initializers.js';

type SymbolicTensor = tfl.SymbolicTensor;

/**
 * A CIFAR-style ResNet for 28x28 inputs: 3x3 stem (conv-BN-relu, no max-pool), 4 stages of 2 basic
 * blocks (stride 2 from stage 2, 1x1 conv + BN projection when the shape changes), global average
 * pool, dense(numClasses) logits. Layer names are `stem_*`, `stage{s}_block{b}_*`, `pool`, `head`.
 * Convolutions use 'same' padding; on even sizes with stride 2 TensorFlow pads bottom/right only
 * where PyTorch pads both sides, which changes no shape and no arithmetic count.
 */
function buildResNet(name: string, widths: readonly number[], { seed, numClasses, inputShape }: ResolvedModelOptions): tfl.LayersModel {
  const init = new SeededInitializers(seed);
  const conv = (layerName: string, filters: number, kernelSize: number, strides: number) =>
    tfl.layers.conv2d({ name: layerName, filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: init.he() });
  const bn = (layerName: string) => tfl.layers.batchNormalization({ name: layerName, ...batchNormDefaults });

  const input = tfl.input({ shape: inputShape, name: 'input' });
  const [stemWidth] = widths;
  if (stemWidth === undefined) throw new RangeError('a ResNet needs at least one stage width');
  let x = conv('stem_conv', stemWidth, 3, 1).apply(input) as SymbolicTensor;
  x = bn('stem_bn').apply(x) as SymbolicTensor;
  x = tfl.layers.reLU({ name: 'stem_relu' }).apply(x) as SymbolicTensor;
  let inChannels = stemWidth;
  widths.forEach((width, stageIndex) => {
    for (let blockIndex = 0; blockIndex < 2; blockIndex++) {
      const prefix = `stage${stageIndex + 1}_block${blockIndex + 1}`;
      const strides = stageIndex > 0 && blockIndex === 0 ? 2 : 1;
      let y = conv(`${prefix}_conv1`, width, 3, strides).apply(x) as SymbolicTensor;
      y = bn(`${prefix}_bn1`).apply(y) as SymbolicTensor;
      y = tfl.layers.reLU({ name: `${prefix}_relu1` }).apply(y) as SymbolicTensor;
      y = conv(`${prefix}_conv2`, width, 3, 1).apply(y) as SymbolicTensor;
      y = bn(`${prefix}_bn2`).apply(y) as SymbolicTensor;
      let shortcut = x;
      if (strides !== 1 || inChannels !== width) {
        shortcut = conv(`${prefix}_proj_conv`, width, 1, strides).apply(x) as SymbolicTensor;
        shortcut = bn(`${prefix}_proj_bn`).apply(shortcut) as SymbolicTensor;
      }
      x = tfl.layers.add({ name: `${prefix}_add` }).apply([y, shortcut]) as SymbolicTensor;
      x = tfl.layers.reLU({ name: `${prefix}_relu2` }).apply(x) as SymbolicTensor;
      inChannels = width;
    }
  });
  x = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as SymbolicTensor;
  const logits = tfl.layers.dense({ name: 'head', units: numClasses, kernelInitializer: init.glorot() }).apply(x) as SymbolicTensor;
  return tfl.model({ name, inputs: input, outputs: logits });
}

function resNetParameters(widths: readonly number[], { numClasses, inputShape }: ResolvedModelOptions): number {
  const channels = inputShape[2];
  const [stemWidth = 0] = widths;
  let total = count.conv(3, channels, stemWidth, false) + count.batchNorm(stemWidth);
  let inChannels = stemWidth;
  widths.forEach((width, stageIndex) => {
    for (let blockIndex = 0; blockIndex < 2; blockIndex++) {
      const strides = stageIndex > 0 && blockIndex === 0 ? 2 : 1;
      total += count.conv(3, inChannels, width, false) + count.conv(3, width, width, false) + 2 * count.batchNorm(width);
      if (strides !== 1 || inChannels !== width) total += count.conv(1, inChannels, width, false) + count.batchNorm(width);
      inChannels = width;
    }
  });
  // Global average pooling makes the head independent of the spatial size.
  return total + count.dense(inChannels, numClasses);
}

const miniWidths = [16, 32, 64, 128] as const;
const resnet18Widths = [64, 128, 256, 512] as const;

/** ResNet-mini (widths 16-32-64-128), as `ResNetMini` in bench/pytorch_reference.py. */
export const resnetMini: Architecture = {
  name: 'resnet-mini',
  description: 'ResNet with 3x3 stem, 4 stages x 2 basic blocks, widths 16-32-64-128, global average pool → logits',
  build: (options) => buildResNet('resnet-mini', miniWidths, options),
  parameters: (options) => resNetParameters(miniWidths, options),
};

/** ResNet-18 adapted to 28x28x1: the same structure with widths 64-128-256-512, 3x3 stem, no max-pool. */
export const resnet18: Architecture = {
  name: 'resnet18',
  description: 'ResNet-18 for 28x28 (3x3 stem, no max-pool), widths 64-128-256-512, global average pool → logits',
  build: (options) => buildResNet('resnet18', resnet18Widths, options),
  parameters: (options) => resNetParameters(resnet18Widths, options),
};
