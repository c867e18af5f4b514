/**
 * Fine-tunes the shipped pretrained fast-cnn to a new task — digits 5-9 as 5 classes, with a new
 * head — by LoRA (rank-4 factors on every conv and dense layer, the base frozen), then folds the
 * factors into plain layers so stock tfjs can load the export.
 * Run: `pnpm build && node examples/finetune-pretrained.ts [OUT_DIR]` (Node ≥ 22.18 runs TypeScript as is).
 */
import { fileURLToPath } from 'node:url';
import { createCpuPlugin, selectBackend } from '@digitlab/backend';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { createBatches, filterClasses, loadMnist, takePerClass } from '@digitlab/datasets/node';
import { loadPretrained, mergeLora, saveModel } from '@digitlab/models/node';
import { datasetBatches, evaluate, finetune, prepareFinetune } from '@digitlab/trainer';

const digits = [5, 6, 7, 8, 9];

/** Fine-tunes on `perClass` images of each of 5-9 and scores on `testPerClass` test images of each. */
export async function finetunePretrained({ perClass = 200, testPerClass = 100, epochs = 3, out = '', report = console.log } = {}) {
  const { train, test } = await loadMnist();
  const data = takePerClass(filterClasses(train, digits, { relabel: true }), perClass, 0);
  const testData = takePerClass(filterClasses(test, digits, { relabel: true }), testPerClass, 0);
  const scoreOn = (model: Parameters<typeof evaluate>[0]) =>
    evaluate(model, createBatches(testData, { batchSize: 250, shuffle: false, normalization: 'mnist', numClasses: 5 }), { numClasses: 5 }).accuracy;

  const { model: base, metadata } = await loadPretrained('fast-cnn');
  const plan = prepareFinetune(base, { kind: 'lora', rank: 4, targets: ['conv', 'dense'] }, { numClasses: 5, newHead: true, seed: 0 });
  const result = await finetune(plan, datasetBatches(data, { batchSize: 32, seed: 0, normalization: metadata.input.normalization, numClasses: 5 }), {
    epochs,
    learningRate: 0.01,
  });
  const accuracy = scoreOn(plan.model);
  report(`LoRA: ${result.parameters.trainable} of ${result.parameters.total} parameters trained (${(100 * result.parameters.fraction).toFixed(2)}%), test accuracy on 5-9 ${(100 * accuracy).toFixed(2)}%`);

  const merged = mergeLora(plan.model);
  const mergedAccuracy = scoreOn(merged);
  if (out) {
    await saveModel(merged, out, {
      architecture: metadata.architecture,
      labels: digits.map(String),
      input: { normalization: metadata.input.normalization },
      base: { model: 'pretrained:fast-cnn' },
      training: { strategy: 'lora', rank: 4, epochs, perClass },
      metrics: { test: { accuracy: mergedAccuracy } },
    });
  }
  base.dispose();
  plan.model.dispose();
  merged.dispose();
  return { accuracy, mergedAccuracy, parameters: result.parameters };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await selectBackend('auto', { plugins: [createWasmPlugin(), createCpuPlugin()] });
  await finetunePretrained({ out: process.argv[2] ?? '' });
}
