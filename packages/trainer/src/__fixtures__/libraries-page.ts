// A page entry built only on the libraries' public main entries, as a user's page would be. `?phase=`:
// - `train`: wasm through selectBackend, 1,000 real MNIST test digits by URL, the pretrained bn-cnn
//   by URL scored on them, fast-cnn trained 100 steps with fit (checkpoints in IndexedDB), saved to
//   IndexedDB, its logits on the first 100 digits reported;
// - `reload`: a fresh document loads the saved model and the `last` checkpoint back from IndexedDB
//   and reports their logits on the same digits;
// - `files`: the pretrained fast-cnn by URL, offered as a download (`downloads://`), and loaded
//   back from its files as a user would pick them; logits of both reported;
// - `preprocess`: /digit.png decoded by Chromium, preprocessed with preprocessImageData.
// Results land in `pageResult`.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '@digitlab/backend';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { createBatches, type DigitDataset, type MnistUrlProgressEvent, loadMnistTestFromUrl, preprocessImageData } from '@digitlab/datasets';
import { createModel, loadModelFrom, pretrainedModelUrl, saveModelTo } from '@digitlab/models';
import { adam, applyCheckpoint, datasetBatches, evaluate, fit, indexedDbCheckpointStore } from '@digitlab/trainer';

const phase = new URLSearchParams(location.search).get('phase');
const SAVED = 'indexeddb://fast-cnn-page';
const RUN = 'fast-cnn-page';

async function useWasm(): Promise<string> {
  const { chosen } = await selectBackend('wasm', { plugins: [createWasmPlugin({ wasmPaths: '/wasm/' })] });
  return chosen.name;
}

async function testDigits(events: MnistUrlProgressEvent[]): Promise<DigitDataset> {
  return loadMnistTestFromUrl({ baseUrl: '/mnist/', size: 1000, onProgress: (event) => events.push(event) });
}

/** Logits of the first 100 digits, flattened. */
function logitsOf(model: { predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] }, digits: DigitDataset): number[] {
  const [batch] = [...createBatches(digits, { batchSize: 100, shuffle: false, normalization: 'mnist' })];
  try {
    return tf.tidy(() => Array.from((model.predict(batch!.xs) as tf.Tensor).dataSync()));
  } finally {
    tf.dispose([batch!.xs, batch!.ys]);
  }
}

async function train(): Promise<Record<string, unknown>> {
  const backend = await useWasm();
  const events: MnistUrlProgressEvent[] = [];
  const digits = await testDigits(events);

  const pretrained = await loadModelFrom(pretrainedModelUrl('bn-cnn', '/pretrained/'));
  const scored = evaluate(pretrained.model, createBatches(digits, { batchSize: 250, shuffle: false, normalization: pretrained.metadata.input.normalization }));
  pretrained.model.dispose();

  const model = createModel('fast-cnn', { seed: 0 });
  const optimizer = adam();
  const losses: number[] = [];
  const started = performance.now();
  await fit(model, datasetBatches(digits, { batchSize: 50, seed: 0, normalization: 'mnist' }), {
    epochs: 5, // 1,000 digits / 50 = 20 steps per epoch: 100 steps
    optimizer,
    schedule: { kind: 'constant', learningRate: 0.002 },
    checkpoints: indexedDbCheckpointStore(RUN),
    callbacks: [{ onBatchEnd: (logs) => void losses.push(logs.loss) }],
  });
  const trainSeconds = (performance.now() - started) / 1000;
  await saveModelTo(model, SAVED, { architecture: 'fast-cnn', input: { normalization: 'mnist' } });
  const logits = logitsOf(model, digits);
  model.dispose();
  optimizer.dispose();
  return { backend, events: events.map((event) => `${event.type}:${event.file}${event.type === 'found' ? `:${event.from}` : ''}`).filter((line) => !line.startsWith('download')), size: digits.size, accuracy: scored.accuracy, losses, trainSeconds, logits, tensors: tf.memory().numTensors };
}

async function reload(): Promise<Record<string, unknown>> {
  const backend = await useWasm();
  const events: MnistUrlProgressEvent[] = [];
  const digits = await testDigits(events);
  const saved = await loadModelFrom(SAVED);
  const logits = logitsOf(saved.model, digits);
  saved.model.dispose();

  const store = indexedDbCheckpointStore(RUN);
  const names = await store.list();
  const model = createModel('fast-cnn', { seed: 99 });
  const optimizer = adam();
  const state = applyCheckpoint(await store.load('last'), model, optimizer);
  const checkpointLogits = logitsOf(model, digits);
  model.dispose();
  optimizer.dispose();

  // fit resumes from the IndexedDB checkpoint and runs one more epoch (20 steps).
  const resumedModel = createModel('fast-cnn', { seed: 99 });
  const resumedOptimizer = adam();
  const resumed = await fit(resumedModel, datasetBatches(digits, { batchSize: 50, seed: 0, normalization: 'mnist' }), {
    epochs: 6,
    optimizer: resumedOptimizer,
    schedule: { kind: 'constant', learningRate: 0.002 },
    checkpoints: store,
    resumeFrom: { store, name: 'last' },
  });
  const lastStep = (await store.load('last')).state.step;
  resumedModel.dispose();
  resumedOptimizer.dispose();
  return {
    backend,
    events: events.map((event) => `${event.type}:${event.file}${event.type === 'found' ? `:${event.from}` : ''}`),
    metadata: saved.metadata,
    logits,
    checkpointLogits,
    names,
    step: state.step,
    resumed: { epochs: resumed.epochs, step: resumed.step, lastStep },
  };
}

async function files(): Promise<Record<string, unknown>> {
  await useWasm();
  const digits = await testDigits([]);
  const byUrl = await loadModelFrom(pretrainedModelUrl('fast-cnn', '/pretrained/'));
  await saveModelTo(byUrl.model, 'downloads://fast-cnn-download', byUrl.metadata);
  const picked = await Promise.all(
    ['model.json', 'weights.bin', 'digitlab.json'].map(async (name) => new File([await (await fetch(`/pretrained/fast-cnn/${name}`)).blob()], name)),
  );
  const byFiles = await loadModelFrom(picked);
  const result = { metadataEqual: JSON.stringify(byFiles.metadata) === JSON.stringify(byUrl.metadata), urlLogits: logitsOf(byUrl.model, digits), fileLogits: logitsOf(byFiles.model, digits) };
  byUrl.model.dispose();
  byFiles.model.dispose();
  return result;
}

async function preprocess(): Promise<Record<string, unknown>> {
  const blob = await (await fetch('/digit.png')).blob();
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
  return { fromBitmap: Array.from(preprocessImageData(bitmap, { name: 'digit.png' })), fromCanvas: Array.from(preprocessImageData(canvas)) };
}

let result: Record<string, unknown>;
try {
  result = phase === 'train' ? await train() : phase === 'reload' ? await reload() : phase === 'files' ? await files() : await preprocess();
} catch (error) {
  result = { error: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error) };
}
(globalThis as { pageResult?: unknown }).pageResult = result;
