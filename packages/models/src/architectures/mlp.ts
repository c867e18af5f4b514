import * as tfl from '@tensorflow/tfjs-layers';
import { count, type Architecture } from './architecture.js';
import { SeededInitializers } from './seeded-initializers.js';

/** A plain MLP baseline: flatten → dense256-relu → dropout 0.2 → dense128-relu → dense(numClasses) logits. */
export const mlp: Architecture = {
  name: 'mlp',
  description: 'flatten → dense256-relu → dropout 0.2 → dense128-relu → logits; the no-convolution baseline',
  build({ seed, numClasses, inputShape }) {
    const init = new SeededInitializers(seed);
    return tfl.sequential({
      name: 'mlp',
      layers: [
        tfl.layers.flatten({ name: 'flatten', inputShape }),
        tfl.layers.dense({ name: 'fc1', units: 256, activation: 'relu', kernelInitializer: init.he() }),
        tfl.layers.dropout({ name: 'fc1_dropout', rate: 0.2 }),
        tfl.layers.dense({ name: 'fc2', units: 128, activation: 'relu', kernelInitializer: init.he() }),
        tfl.layers.dense({ name: 'head', units: numClasses, kernelInitializer: init.glorot() }),
      ],
    });
  },
  parameters({ numClasses, inputShape: [height, width, channels] }) {
    return count.dense(height * width * channels, 256) + count.dense(256, 128) + count.dense(128, numClasses);
  },
};
