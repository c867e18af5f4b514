/**
 * `digitlab predict --model DIR FILE...` — each image (PNG or JPEG, any size, dark or light ink)
 * goes through MNIST-style preprocessing, then the model; prints the digit and the 10
 * probabilities per file. A file that cannot be read as an image is reported by name and makes
 * the exit code 1, while every other file is still answered.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { imagesToTensor, preprocessDigitImage } from '@digitlab/datasets/node';
import { chooseBackend } from '../backends.js';
import { ExitCode, UsageError, createLogger, numberFlag, parseCommandArgs, runCommand, writeJson } from '../cli-support.js';
import { loadPredictor } from '../model-input.js';
import { toList } from './evaluate.js';

const usage = `usage: digitlab predict --model DIR [--model DIR ...] FILE... [options]

Predicts the digit in each image file.
  --model DIR      a model folder, e.g. runs/<run>/model; repeat to ensemble
  --backend NAME   auto|wasm|cpu|tensorflow|cuda (default auto)
  --threads N      wasm worker threads
  --seed S         accepted for uniformity; prediction is deterministic
  --config FILE    JSON file whose keys match these flags
  --json           print one JSON object on stdout
`;

/** One file's answer. */
type Answer = { file: string; digit: string; confidence: number; probabilities: number[] } | { file: string; error: string };

/** Runs `digitlab predict`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('predict', argv, usage, async ({ json }) => {
    const { values, positionals: files } = parseCommandArgs(
      argv,
      { model: { type: 'string', multiple: true }, backend: { type: 'string' }, threads: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' } },
      { allowPositionals: true },
    );
    const folders = toList(values.model);
    if (folders.length === 0) throw new UsageError('--model DIR is required: the folder of a saved model, e.g. runs/<run>/model');
    if (files.length === 0) throw new UsageError('no image given: pass one or more PNG or JPEG files after the options');
    const logger = createLogger();
    await chooseBackend(typeof values.backend === 'string' ? values.backend : undefined, {
      threads: values.threads === undefined ? undefined : numberFlag(values, 'threads', 1, { integer: true, min: 1 }),
      logger,
    });
    const { predictor, loaded } = await loadPredictor(folders);
    const labels = loaded[0]!.metadata.labels;

    const answers: Answer[] = [];
    for (const file of files) {
      let pixels: Uint8Array;
      try {
        pixels = preprocessDigitImage(new Uint8Array(await readFile(file)), { path: file });
      } catch (error) {
        const message = (error as Error).message;
        const text = message.includes(file) ? message : `${file}: ${message}`;
        answers.push({ file, error: text });
        logger.error(`digitlab predict: ${text}`);
        continue;
      }
      const probabilities = tf.tidy(() => {
        const output = predictor.predict(imagesToTensor(pixels, 'unit'));
        return Array.from(tf.softmax(Array.isArray(output) ? output[0]! : output).dataSync());
      });
      const best = probabilities.indexOf(Math.max(...probabilities));
      answers.push({ file, digit: labels[best] ?? String(best), confidence: probabilities[best]!, probabilities });
      if (!json) {
        process.stdout.write(`${file}: ${labels[best]} (${(100 * probabilities[best]!).toFixed(1)}%)  [${probabilities.map((p) => p.toFixed(3)).join(' ')}]\n`);
      }
    }
    loaded.forEach(({ model }) => model.dispose());
    const failed = answers.filter((answer) => 'error' in answer).length;
    if (json) writeJson({ models: folders, predictions: answers, failed });
    return failed > 0 ? ExitCode.failure : ExitCode.ok;
  });
}
