/**
 * Runs a tfjs LayersModel layer by layer in inference mode and keeps every layer's output, so
 * one forward pass yields all activations, and a layer's output can be replaced by another tensor
 * (Grad-CAM differentiates the logits with respect to a conv layer's output that way). Works for
 * any single-input graph of layers that are each called once (Sequential and functional models,
 * residual adds included).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { VizError } from '../errors.js';

type Symbolic = tfl.SymbolicTensor;

/** The layers that compute something (the input layer left out), in the model's topological order. */
export function computingLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  return model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
}

/** Finds a layer by name, or throws naming the layers there are. */
export function findLayer(model: tfl.LayersModel, name: string): tfl.layers.Layer {
  const layer = computingLayers(model).find((candidate) => candidate.name === name);
  if (!layer) throw new VizError(`no layer "${name}" in model "${model.name}". Should be one of: ${computingLayers(model).map((l) => l.name).join(', ')}`);
  return layer;
}

/**
 * Every layer's output for `input` (`[n, ...inputShape]`), keyed by layer name, in layer order.
 * `replace` substitutes a tensor for one layer's output; the layers after it then use that tensor.
 * The returned tensors are new: dispose them (or call inside `tf.tidy`).
 */
export function runLayers(model: tfl.LayersModel, input: tf.Tensor, replace?: { layer: string; output: tf.Tensor }): Map<string, tf.Tensor> {
  if (model.inputs.length !== 1) throw new VizError(`model "${model.name}" has ${model.inputs.length} inputs; viz explains single-input models only`);
  const values = new Map<number, tf.Tensor>([[model.inputs[0]!.id, input]]);
  const outputs = new Map<string, tf.Tensor>();
  const valueFor = (symbolic: Symbolic): tf.Tensor => {
    const value = values.get(symbolic.id);
    if (!value) throw new VizError(`layer input "${symbolic.name}" of model "${model.name}" is computed after its use; viz needs layers in topological order`);
    return value;
  };
  if (replace) findLayer(model, replace.layer);
  for (const layer of computingLayers(model)) {
    let symbolicInput: Symbolic | Symbolic[];
    let symbolicOutput: Symbolic | Symbolic[];
    try {
      symbolicInput = layer.input;
      symbolicOutput = layer.output;
    } catch (error) {
      throw new VizError(`layer "${layer.name}" is called more than once in model "${model.name}"; viz needs each layer used once`, { cause: error });
    }
    if (Array.isArray(symbolicOutput)) throw new VizError(`layer "${layer.name}" has ${symbolicOutput.length} outputs; viz needs one output per layer`);
    const output =
      replace?.layer === layer.name
        ? replace.output
        : (layer.apply(Array.isArray(symbolicInput) ? symbolicInput.map(valueFor) : valueFor(symbolicInput), { training: false }) as tf.Tensor);
    values.set(symbolicOutput.id, output);
    outputs.set(layer.name, output);
  }
  return outputs;
}

/** The model's (first) output among what {@link runLayers} computed: logits for zoo models. */
export function finalOutput(model: tfl.LayersModel, outputs: Map<string, tf.Tensor>): tf.Tensor {
  const name = model.outputs[0]?.sourceLayer.name;
  const value = name === undefined ? undefined : outputs.get(name);
  if (!value) throw new VizError(`model "${model.name}" has no output computed by its layers`);
  return value;
}
