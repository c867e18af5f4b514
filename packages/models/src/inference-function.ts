import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelOptionError } from './errors.js';

/**
 * The kernel a backend registers to run a ResNet block's tail in one call (@digitlab/backend-wasm
 * does): inputs x, filter (HWIO), bias (optional, [CO]) and residual (the output's shape), attrs
 * strides, pad ('same' | 'valid'), dataFormat 'NHWC' and dilations 1; output relu((x ⊛ filter +
 * bias) + residual), bit for bit what FusedConv2D, Add and Relu give in turn.
 */
export const CONV2D_RESIDUAL_KERNEL = 'DigitlabConv2DResidual';

/** One layer call of the plan: which symbolic tensors it reads and which one it writes. */
interface Step {
  layer: tfl.layers.Layer;
  inputIds: number[];
  outputId: number;
  /**
   * A convolution, the Add of its output and a shortcut, and the ReLU after it, run as one
   * `CONV2D_RESIDUAL_KERNEL` call where the backend has it (`layer` is the Conv2D; inputIds are its
   * input and the shortcut; `steps` the three calls, run in turn elsewhere).
   */
  residual?: { steps: [Step, Step, Step] };
}

/** A Conv2D that `CONV2D_RESIDUAL_KERNEL` computes as its layer does: linear, NHWC, undilated, 'same' or 'valid'. */
function residualConvolution(layer: tfl.layers.Layer): boolean {
  if (layer.getClassName() !== 'Conv2D') return false;
  const config = layer.getConfig() as { activation?: string; dataFormat?: string; dilationRate?: number | number[]; padding?: string };
  const dilations = [config.dilationRate ?? 1].flat();
  return (config.activation ?? 'linear') === 'linear' && (config.dataFormat ?? 'channelsLast') === 'channelsLast' && dilations.every((d) => d === 1) && (config.padding === 'same' || config.padding === 'valid');
}

/** A plain ReLU: the ReLU layer without a cap, or Activation('relu'). */
function plainRelu(layer: tfl.layers.Layer): boolean {
  const config = layer.getConfig() as { maxValue?: number | null; activation?: string };
  return (layer.getClassName() === 'ReLU' && config.maxValue == null) || (layer.getClassName() === 'Activation' && config.activation === 'relu');
}

/**
 * `steps` with each Conv2D → Add (of its output and one other tensor) → ReLU chain whose
 * intermediate outputs nothing else reads merged into one step at the Add's place (a ResNet block's
 * last convolution, shortcut and activation): its inputs are there by then, and the ReLU's readers
 * come after it.
 */
function withResidualSteps(steps: Step[], outputId: number): Step[] {
  const readers = new Map<number, number>([[outputId, 1]]);
  for (const step of steps) for (const id of step.inputIds) readers.set(id, (readers.get(id) ?? 0) + 1);
  const producer = new Map(steps.map((step) => [step.outputId, step]));
  const merged = new Set<Step>();
  const result: Step[] = [];
  for (const add of steps) {
    if (merged.has(add)) continue;
    const convolution = add.layer.getClassName() === 'Add' && add.inputIds.length === 2 ? add.inputIds.map((id) => producer.get(id)).find((step) => step && residualConvolution(step.layer) && readers.get(step.outputId) === 1) : undefined;
    const relu = readers.get(add.outputId) === 1 ? steps.find((step) => step.inputIds.length === 1 && step.inputIds[0] === add.outputId && plainRelu(step.layer)) : undefined;
    if (!convolution || !relu || merged.has(convolution)) {
      result.push(add);
      continue;
    }
    // The other input of the Add (not the convolution's output: that has one reader).
    const shortcutId = add.inputIds.find((id) => id !== convolution.outputId)!;
    result.splice(result.indexOf(convolution), 1);
    merged.add(convolution).add(relu);
    result.push({ layer: convolution.layer, inputIds: [convolution.inputIds[0]!, shortcutId], outputId: relu.outputId, residual: { steps: [convolution, add, relu] } });
  }
  return result;
}

/** One step's output from `values` (symbolic tensor id → tensor), in inference mode. */
function runStep(step: Step, values: Map<number, tf.Tensor>): tf.Tensor {
  const inputs = step.inputIds.map((input) => values.get(input)!);
  if (step.residual && tf.getKernel(CONV2D_RESIDUAL_KERNEL, tf.getBackend()) !== undefined) {
    const config = step.layer.getConfig() as { strides: number | number[]; padding: 'same' | 'valid' };
    const [filter, bias] = step.layer.getWeights();
    const kernelInputs: tf.NamedTensorMap = { x: inputs[0]!, filter: filter!, residual: inputs[1]! };
    if (bias) kernelInputs.bias = bias;
    return tf.engine().runKernel(CONV2D_RESIDUAL_KERNEL, kernelInputs, { strides: config.strides, pad: config.padding, dataFormat: 'NHWC', dilations: 1 }) as tf.Tensor;
  }
  if (step.residual) {
    for (const inner of step.residual.steps) values.set(inner.outputId, runStep(inner, values));
    return values.get(step.outputId)!;
  }
  return step.layer.call(inputs.length === 1 ? inputs[0]! : inputs, { training: false }) as tf.Tensor;
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
  return withResidualSteps(steps, model.outputs[0]!.id);
}

/**
 * The function `model` computes in inference, x ↦ logits, for one batch of any size: each layer's
 * `call` in graph order inside one `tidy`, without the bookkeeping `model.predict` repeats on every
 * call (input standardisation, batch slicing, the symbolic graph's feed dictionaries, a clone of
 * each merge layer's first input). At batch 1 that bookkeeping costs as much as a small network's
 * arithmetic, so this is what a draw-and-predict loop wants; pair it with `foldBatchNorm` for the
 * fewest passes. Where the backend registers `CONV2D_RESIDUAL_KERNEL`, each convolution → add →
 * ReLU chain of a residual block runs as that one kernel (resnet-mini: 8 calls for 24). The values
 * are `model.predict`'s (the same kernels, or one that rounds as they do, in inference mode).
 * Models whose graph has several inputs or outputs, or a layer called more than once, fall back to
 * `model.predict`. The function holds `model`: dispose the model when done.
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
      for (const step of plan) values.set(step.outputId, runStep(step, values));
      return values.get(outputId)!;
    });
  };
}
