import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelOptionError } from './errors.js';

/** One layer call of the plan: which symbolic tensors it reads and which one it writes. */
interface Step {
  layer: tfl.layers.Layer;
  inputIds: number[];
  outputId: number;
}

/**
 * The layer calls of `model`'s graph in an order that respects their inputs (`model.layers` is
 * already topological), or undefined when the graph is not one input → one output with each layer
 * called once, one output per layer.
 */
function planOf(model: tfl.LayersModel): Step[] | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  const steps: Step[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const [node, ...others] = layer.inboundNodes;
    if (!node || others.length > 0 || node.outputTensors.length !== 1) return undefined;
    steps.push({ layer, inputIds: node.inputTensors.map((tensor) => tensor.id), outputId: node.outputTensors[0]!.id });
  }
  return steps;
}

/**
 * The function `model` computes in inference, x ↦ logits, for one batch of any size: each layer's
 * `call` in graph order inside one `tidy`, without the bookkeeping `model.predict` repeats on every
 * call (input standardisation, batch slicing, the symbolic graph's feed dictionaries, a clone of
 * each merge layer's first input). At batch 1 that bookkeeping costs as much as a small network's
 * arithmetic, so this is what a draw-and-predict loop wants; pair it with `foldBatchNorm` for the
 * fewest passes. The values are `model.predict`'s (the same kernels, called in the same order, in
 * inference mode). Models whose graph has several inputs or outputs, or a layer called more than
 * once, fall back to `model.predict`. The function holds `model`: dispose the model when done.
 *
 * @throws ModelOptionError when x's shape is not the model's input shape (batch aside).
 */
export function inferenceFunction(model: tfl.LayersModel): (x: tf.Tensor) => tf.Tensor {
  const inputShape = model.inputs[0]?.shape ?? [];
  const checkShape = (x: tf.Tensor) => {
    const fits = x.rank === inputShape.length && inputShape.every((dim, axis) => axis === 0 || dim == null || dim === x.shape[axis]);
    if (!fits) {
      throw new ModelOptionError(
        `${model.name} takes input [${inputShape.map((dim) => dim ?? 'batch').join(', ')}], got a tensor of shape [${x.shape.join(', ')}]. ` +
          'Pass a batch of images of the input shape (e.g. [1, 28, 28, 1] for one MNIST digit).',
      );
    }
  };
  const plan = planOf(model);
  if (!plan) {
    return (x) => {
      checkShape(x);
      return model.predict(x, { batchSize: Math.max(1, x.shape[0] ?? 1) }) as tf.Tensor;
    };
  }
  const inputId = model.inputs[0]!.id;
  const outputId = model.outputs[0]!.id;
  return (x) => {
    checkShape(x);
    return tf.tidy(() => {
      const values = new Map<number, tf.Tensor>([[inputId, x]]);
      for (const { layer, inputIds, outputId: id } of plan) {
        const inputs = inputIds.map((input) => values.get(input)!);
        values.set(id, layer.call(inputs.length === 1 ? inputs[0]! : inputs, { training: false }) as tf.Tensor);
      }
      return values.get(outputId)!;
    });
  };
}
