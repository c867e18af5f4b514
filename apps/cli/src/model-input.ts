/**
 * Loaded models as predictors over `unit`-normalised images ([0, 1]): each model applies its own
 * normalisation from `digitlab.json`, so models trained with different normalisations can be
 * evaluated together or ensembled. Used by `digitlab evaluate` and `digitlab predict`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, type LoadedModel } from '@digitlab/models/node';
import { createEnsemble, type Predictor } from '@digitlab/trainer/node';

/** A loaded model that takes `unit` inputs. */
export function unitInputPredictor({ model, metadata }: LoadedModel): Predictor {
  const { normalization, mean = 0, std = 1 } = metadata.input;
  return {
    predict: (x) => tf.tidy(() => model.predict(normalization === 'mnist' ? tf.div(tf.sub(x, mean), std) : x) as tf.Tensor),
  };
}

/**
 * Loads every folder; one model is used as is, several become an ensemble (mean of softmax).
 * `members` are the models alone, in the order of `folders`.
 */
export async function loadPredictor(folders: readonly string[]): Promise<{ predictor: Predictor; members: Predictor[]; loaded: LoadedModel[] }> {
  const loaded: LoadedModel[] = [];
  for (const folder of folders) loaded.push(await loadModel(folder));
  const members = loaded.map(unitInputPredictor);
  return { predictor: members.length === 1 ? members[0]! : createEnsemble(members), members, loaded };
}
