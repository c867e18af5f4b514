/**
 * Loaded models as predictors over `unit`-normalised images ([0, 1]): each model applies its own
 * normalisation from `digitlab.json`, so models trained with different normalisations can be
 * evaluated together or ensembled. Both commands only infer, so each model is served with its
 * batch normalisations folded into the layers before them (`foldBatchNorm`: the same logits in
 * fewer passes), called layer by layer (`inferenceFunction`). Used by `digitlab evaluate` and `digitlab predict`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE } from '@digitlab/datasets/node';
import { foldBatchNorm, inferenceFunction, type LoadedModel } from '@digitlab/models/node';
import { createEnsemble, type Predictor } from '@digitlab/trainer/node';
import { UsageError } from './exit-codes.js';
import { sharedLabels } from './labels.js';
import { describeModelSpec, loadSavedModel, type ModelSpec } from './model-spec.js';

/** A loaded model that takes `unit` inputs. */
function unitInputPredictor({ model, metadata }: LoadedModel): Predictor {
  const { normalization, mean = 0, std = 1 } = metadata.input;
  const run = inferenceFunction(model);
  return {
    predict: (x) => tf.tidy(() => run(normalization === 'mnist' ? tf.div(tf.sub(x, mean), std) : x)),
  };
}

/** The input the CLI's readers produce: one 28×28 grey MNIST-style image. */
const digitInputShape = [IMAGE_SIZE, IMAGE_SIZE, 1];

/** Refuses a model that takes another input than the 28×28×1 images every command feeds it. */
function checkDigitInput({ metadata }: LoadedModel, name: string): void {
  if (JSON.stringify(metadata.input.shape) === JSON.stringify(digitInputShape)) return;
  throw new UsageError(
    `--model ${name} takes input [${metadata.input.shape.join(', ')}], but digitlab feeds it [${digitInputShape.join(', ')}] (28×28 grey digits). ` +
      'Pass a model trained on 28×28 digits: a digitlab train run (run/model) or pretrained:NAME.',
  );
}

/** `loaded` with its model replaced by the folded inference copy; the loaded model is disposed. */
function foldedForInference(loaded: LoadedModel): LoadedModel {
  try {
    return { ...loaded, model: foldBatchNorm(loaded.model) };
  } finally {
    loaded.model.dispose();
  }
}

/**
 * Loads every model, folded for inference; one is used as is, several become an ensemble (mean of softmax), which needs
 * them all to share their labels. `members` are the models alone, in the order of `specs`;
 * `labels[k]` names output k.
 */
export async function loadPredictor(specs: readonly ModelSpec[]): Promise<{ predictor: Predictor; members: Predictor[]; loaded: LoadedModel[]; labels: string[] }> {
  const loaded: LoadedModel[] = [];
  try {
    for (const spec of specs) {
      const saved = await loadSavedModel(spec);
      try {
        checkDigitInput(saved, describeModelSpec(spec));
      } catch (error) {
        saved.model.dispose();
        throw error;
      }
      loaded.push(foldedForInference(saved));
    }
    const labels = sharedLabels(loaded.map(({ metadata }, m) => ({ name: describeModelSpec(specs[m]!), labels: metadata.labels })));
    const members = loaded.map(unitInputPredictor);
    return { predictor: members.length === 1 ? members[0]! : createEnsemble(members), members, loaded, labels };
  } catch (error) {
    for (const { model } of loaded) model.dispose();
    throw error;
  }
}
