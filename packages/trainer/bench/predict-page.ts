// A page entry (bundled by browser-vs-node.ts, not run by `pnpm bench` itself): a minimal page that
// predicts with the pretrained bn-cnn on wasm, loaded by URL as the README's browser example does,
// then times `?calls=` batch-1 predictions of one real MNIST test digit after `?warmup=` untimed ones.
// Each call is the whole round trip a page makes: tensor in, predict, softmax, read back. The page
// serves the model as an app should: with its batch normalisations folded (`foldBatchNorm`), called
// layer by layer (`inferenceFunction`); `?form=as-loaded` times the loaded model's `predict` instead.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@digitlab/backend';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { imagesToTensor, loadMnistTestFromUrl } from '@digitlab/datasets';
import { foldBatchNorm, inferenceFunction, loadModelFrom, pretrainedModelUrl } from '@digitlab/models';

const parameters = new URLSearchParams(location.search);
const calls = Number(parameters.get('calls') ?? 300);
const warmup = Number(parameters.get('warmup') ?? 30);
const result: Record<string, unknown> = {};
try {
  const { chosen } = await selectBackend('wasm', { plugins: [createWasmPlugin({ wasmPaths: '/wasm/' })] });
  const digits = await loadMnistTestFromUrl({ baseUrl: '/mnist/', gzipped: false, cache: false, size: 1 });
  const { model: loaded, metadata } = await loadModelFrom(pretrainedModelUrl('bn-cnn', '/pretrained/'));
  // `?form=as-loaded`: the loaded model through `predict`, what pages did before, for comparison.
  const asLoaded = parameters.get('form') === 'as-loaded';
  const model = asLoaded ? loaded : foldBatchNorm(loaded);
  if (!asLoaded) loaded.dispose();
  const run = asLoaded ? (x: tf.Tensor) => model.predict(x) as tf.Tensor : inferenceFunction(model);
  const input = tf.tidy(() => imagesToTensor(digits.images.subarray(0, 784), metadata.input.normalization));
  const predictOnce = async () => {
    const probabilities = tf.tidy(() => tf.softmax(run(input)));
    const values = await probabilities.data();
    probabilities.dispose();
    return values;
  };
  for (let call = 0; call < warmup; call++) await predictOnce();
  const callMs: number[] = [];
  let predicted = -1;
  for (let call = 0; call < calls; call++) {
    const start = performance.now();
    const values = await predictOnce();
    callMs.push(performance.now() - start);
    predicted = values.indexOf(Math.max(...values));
  }
  input.dispose();
  model.dispose();
  Object.assign(result, { backend: chosen.name, capabilities: chosen.capabilities, label: digits.labels[0], predicted, callMs });
} catch (error) {
  result.error = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
}
(globalThis as { pageResult?: unknown }).pageResult = result;
