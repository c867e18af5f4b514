import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { rebuildModel, type LayerSpec } from './rebuild-model.js';

/** The weights of a BatchNormalization layer, by their tfjs-layers names. */
function batchNormWeight(layer: tfl.layers.Layer, name: 'gamma' | 'beta' | 'moving_mean' | 'moving_variance'): tf.Tensor | undefined {
  return layer.weights.find((weight) => weight.originalName === `${layer.name}/${name}`)?.read();
}

/** The layers that read `layer`'s output. */
function consumers(layer: tfl.layers.Layer): tfl.layers.Layer[] {
  return layer.outboundNodes.map((node) => node.outboundLayer);
}

/** The single layer `layer` is called on, or undefined when it is called more than once or on several inputs. */
function soleInput(layer: tfl.layers.Layer): tfl.layers.Layer | undefined {
  const [node, ...others] = layer.inboundNodes;
  if (!node || others.length > 0 || node.inboundLayers.length !== 1) return undefined;
  return node.inboundLayers[0];
}

/** A layer's config as a plain object (what `getConfig` returns, typed for editing). */
function configOf(layer: tfl.layers.Layer): Record<string, unknown> & { name: string } {
  return structuredClone(layer.getConfig()) as Record<string, unknown> & { name: string };
}

/**
 * An inference copy of `model` with every batch normalisation that directly follows a `Conv2D`
 * or `Dense` folded into that layer's kernel and bias, and a `ReLU` that directly follows the pair
 * folded into its activation. With s = γ / √(σ² + ε) per output channel (σ², μ: the moving
 * statistics),
 *
 *   BN(x ⊛ W + b) = x ⊛ (W · s) + (b − μ) · s + β
 *
 * so the copy predicts what `model` predicts in inference (up to float rounding) with fewer
 * layers and passes: ResNet-mini drops its 20 batch normalisations and 9 of its ReLUs, and each
 * folded convolution runs with its bias and ReLU in one fused kernel. Training the copy would train
 * without batch normalisation: fold a model once it is trained, to serve or export it. Layers
 * called more than once, a normalisation over another axis than the channels, or a convolution
 * whose output is also read elsewhere are left as they are. The result holds stock layers only;
 * `model` is untouched.
 */
export function foldBatchNorm(model: tfl.LayersModel): tfl.LayersModel {
  const replace = new Map<string, LayerSpec>();
  const remove = new Set<string>();
  const values = new Map<string, tf.Tensor>();
  try {
    for (const layer of model.layers) {
      if (layer.getClassName() !== 'BatchNormalization') continue;
      const producer = soleInput(layer);
      const bnConfig = configOf(layer);
      if (!producer || (bnConfig.axis !== -1 && bnConfig.axis !== 3 && bnConfig.axis !== 1) || producer.inboundNodes.length !== 1) continue;
      const className = producer.getClassName();
      const producerConfig = configOf(producer);
      const channelsLast = className === 'Dense' || (className === 'Conv2D' && (producerConfig.dataFormat ?? 'channelsLast') === 'channelsLast');
      const rank = className === 'Dense' ? 2 : 4;
      const axisIsChannels = bnConfig.axis === -1 || bnConfig.axis === rank - 1;
      if (!channelsLast || !axisIsChannels || producerConfig.activation !== 'linear' || consumers(producer).length !== 1) continue;

      const epsilon = bnConfig.epsilon as number;
      const [kernel, bias] = [producer.weights[0]!.read(), producer.weights[1]?.read()];
      const mean = batchNormWeight(layer, 'moving_mean')!;
      const variance = batchNormWeight(layer, 'moving_variance')!;
      const gamma = batchNormWeight(layer, 'gamma');
      const beta = batchNormWeight(layer, 'beta');
      const [foldedKernel, foldedBias] = tf.tidy(() => {
        const scale = tf.div(gamma ?? tf.onesLike(mean), tf.sqrt(tf.add(variance, epsilon)));
        const shifted = tf.mul(tf.sub(bias ?? tf.zerosLike(mean), mean), scale);
        return [tf.mul(kernel, scale), beta ? tf.add(shifted, beta) : shifted];
      });
      values.set(`${producer.name}/kernel`, foldedKernel);
      values.set(`${producer.name}/bias`, foldedBias);
      remove.add(layer.name);

      const [next, ...others] = consumers(layer);
      const relu = next && others.length === 0 && next.inboundNodes.length === 1 && next.getClassName() === 'ReLU' && configOf(next).maxValue == null;
      if (relu) remove.add(next.name);
      replace.set(producer.name, { className, config: { ...producerConfig, useBias: true, biasInitializer: { className: 'Zeros', config: {} }, activation: relu ? 'relu' : 'linear' } });
    }
    return rebuildModel(model, { replace, remove, values });
  } finally {
    tf.dispose([...values.values()]);
  }
}
