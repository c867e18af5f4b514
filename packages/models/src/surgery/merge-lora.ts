import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { AdaLoraConv2D } from '../lora/adalora-conv2d.js';
import { AdaLoraDense } from '../lora/adalora-dense.js';
import { Ia3Conv2D } from '../lora/ia3-conv2d.js';
import { Ia3Dense } from '../lora/ia3-dense.js';
import { LoraConv2D } from '../lora/lora-conv2d.js';
import { LoraDense } from '../lora/lora-dense.js';
import { rebuildModel, type LayerSpec } from './rebuild-model.js';

/**
 * Folds every LoRA and IA3 layer into a stock layer of the same name: `LoraDense` → `Dense` with
 * kernel W + (alpha/r)·A·B, `LoraConv2D` → `Conv2D` with W + (alpha/r)·(A⊗B) (biases carry over);
 * `Ia3Dense` → `Dense` with diag(l_in)·W·diag(l_out) and b ⊙ l_out, `Ia3Conv2D` → `Conv2D` with
 * W ⊙ l and b ⊙ l; `AdaLoraDense` / `AdaLoraConv2D` → `Dense` / `Conv2D` with W + (alpha/r)·P·diag(λ ⊙ m)·Q. The result
 * predicts what `model` predicts (up to float rounding) and, when the model has no adapters (which
 * are nonlinear and stay as they are), contains stock layers only, so stock tfjs loads its saved
 * files without digitlab. Every layer of the result is trainable, like a freshly built model.
 */
export function mergeLora(model: tfl.LayersModel): tfl.LayersModel {
  const replace = new Map<string, LayerSpec>();
  const values = new Map<string, tf.Tensor>();
  try {
    for (const layer of model.layers) {
      if (layer instanceof LoraDense || layer instanceof Ia3Dense || layer instanceof AdaLoraDense) {
        replace.set(layer.name, {
          className: 'Dense',
          config: { name: layer.name, trainable: true, units: layer.units, activation: layer.activation, useBias: layer.useBias },
        });
        values.set(`${layer.name}/kernel`, layer.mergedKernel());
      } else if (layer instanceof LoraConv2D || layer instanceof Ia3Conv2D || layer instanceof AdaLoraConv2D) {
        replace.set(layer.name, {
          className: 'Conv2D',
          config: {
            name: layer.name,
            trainable: true,
            filters: layer.filters,
            kernelSize: layer.kernelSize,
            strides: layer.strides,
            padding: layer.padding,
            dilationRate: layer.dilationRate,
            dataFormat: 'channelsLast',
            activation: layer.activation,
            useBias: layer.useBias,
          },
        });
        values.set(`${layer.name}/kernel`, layer.mergedKernel());
      }
      if (layer instanceof Ia3Dense || layer instanceof Ia3Conv2D) {
        const bias = layer.mergedBias();
        if (bias) values.set(`${layer.name}/bias`, bias);
      }
    }
    return rebuildModel(model, {
      replace,
      values,
      adjust: (spec) => {
        spec.config.trainable = true;
      },
    });
  } finally {
    tf.dispose([...values.values()]);
  }
}
