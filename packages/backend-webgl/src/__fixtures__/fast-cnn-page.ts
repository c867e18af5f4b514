// A page entry: trains the zoo's fast-cnn on real MNIST digits on the backend named in `?config=`
// (JSON: backend, steps, batch, evalImages, allowSoftwareRenderer, threads) and reports every step's loss and
// time, the loss on the first `evalImages` digits before and after, and those digits' logits
// computed on that backend and on `cpu` with the same weights. The digits are the test set's first
// images, loaded by URL from /mnist/ with @digitlab/datasets.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createCpuPlugin, selectBackend, type BackendPlugin } from '@digitlab/backend';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { loadMnistTestFromUrl } from '@digitlab/datasets';
import { createModel } from '@digitlab/models';
import { createWebglPlugin } from '../index.js';

interface PageConfig {
  backend: 'webgl' | 'wasm' | 'cpu';
  steps: number;
  batch: number;
  evalImages: number;
  allowSoftwareRenderer?: boolean;
  /** Threads asked of the backend (default: the plugin's, every core). */
  threads?: number;
}

/** The first `count` MNIST test digits as [count, 28, 28, 1] in [0, 1], and their labels (by URL, verified). */
async function mnistTestDigits(count: number): Promise<{ images: Float32Array; labels: Int32Array }> {
  const digits = await loadMnistTestFromUrl({ baseUrl: new URL('/mnist/', location.href), gzipped: false, cache: false, size: count });
  return { images: Float32Array.from(digits.images.subarray(0, count * 784), (value) => value / 255), labels: Int32Array.from(digits.labels.subarray(0, count)) };
}

const config = JSON.parse(new URLSearchParams(location.search).get('config') ?? '{}') as PageConfig;
const result: Record<string, unknown> = {};
try {
  const plugins: BackendPlugin[] = [createCpuPlugin(), createWasmPlugin({ wasmPaths: '/wasm-files/' }), createWebglPlugin({ allowSoftwareRenderer: config.allowSoftwareRenderer === true })];
  const { chosen } = await selectBackend(config.backend, { plugins, ...(config.threads === undefined ? {} : { loadOptions: { threads: config.threads } }) });
  result.capabilities = chosen.capabilities;
  const { images, labels } = await mnistTestDigits(Math.max(config.steps * config.batch, config.evalImages));
  const model = createModel('fast-cnn', { seed: 1 });
  const optimizer = tf.train.momentum(0.05, 0.9);
  const evalX = tf.tensor4d(images.subarray(0, config.evalImages * 784), [config.evalImages, 28, 28, 1]);
  const evalY = tf.oneHot(tf.tensor1d(labels.subarray(0, config.evalImages), 'int32'), 10);
  const evalLoss = async () => {
    const loss = tf.tidy(() => tf.losses.softmaxCrossEntropy(evalY, model.predict(evalX) as tf.Tensor));
    const value = (await loss.data())[0]!;
    loss.dispose();
    return value;
  };
  result.evalLossBefore = await evalLoss();
  const losses: number[] = [];
  const stepMs: number[] = [];
  for (let step = 0; step < config.steps; step++) {
    const start = performance.now();
    const offset = step * config.batch;
    const loss = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(offset * 784, (offset + config.batch) * 784), [config.batch, 28, 28, 1]);
      const y = tf.oneHot(tf.tensor1d(labels.subarray(offset, offset + config.batch), 'int32'), 10);
      // forward, loss, gradients, update
      return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!;
    });
    losses.push((await loss.data())[0]!);
    loss.dispose();
    stepMs.push(performance.now() - start);
    // After the first step the optimizer's accumulators exist; from then on a step must leave nothing behind.
    if (step === 0) result.tensorsAfterFirstStep = tf.memory().numTensors;
  }
  result.leaked = tf.memory().numTensors - (result.tensorsAfterFirstStep as number);
  result.evalLossAfter = await evalLoss();
  const predictStart = performance.now();
  const logits = tf.tidy(() => model.predict(evalX) as tf.Tensor);
  const here = Array.from(await logits.data());
  const predictMs = performance.now() - predictStart;
  logits.dispose();
  await createCpuPlugin().load(); // the reference, with the same variables
  const onCpu = tf.tidy(() => model.predict(evalX) as tf.Tensor);
  const cpu = Array.from(await onCpu.data());
  onCpu.dispose();
  tf.dispose([evalX, evalY]);
  optimizer.dispose();
  model.dispose();
  Object.assign(result, { backend: chosen.name, losses, stepMs, predictMs, logits: here, cpuLogits: cpu });
} catch (error) {
  result.error = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
}
(globalThis as { pageResult?: unknown }).pageResult = result;
