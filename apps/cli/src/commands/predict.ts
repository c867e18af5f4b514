/**
 * `digitlab predict --model MODEL PATH...` — each image (PNG or JPEG, any size, dark or light ink)
 * goes through MNIST-style preprocessing, then the model; prints the label (through the model's
 * labels) and the probability of each output per file. A folder stands for every image in it
 * (`--recursive`: in its sub-folders too). A file that cannot be read as an image is reported by
 * name and makes the exit code 1, while every other file is still answered.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { imagesToTensor, preprocessDigitImage } from '@digitlab/datasets/node';
import { chooseBackend } from '../backends.js';
import { ExitCode, UsageError, createLogger, numberFlag, parseCommandArgs, runCommand, writeJson } from '../cli-support.js';
import { toList } from '../flag-values.js';
import { expandImagePaths } from '../image-paths.js';
import { loadPredictor } from '../model-input.js';
import { describeModelSpec, parseModelSpec } from '../model-spec.js';

/** The `--help` text (also read by `digitlab completion` for the flags). */
export const usage = `usage: digitlab predict --model MODEL [--model MODEL ...] PATH... [options]

Predicts the digit in each image file; a folder stands for every PNG or JPEG in it.
  --model MODEL    a model folder (e.g. runs/<run>/model) or pretrained:NAME; repeat to ensemble
  --recursive      read the sub-folders of each folder too
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
    const { values, positionals } = parseCommandArgs(
      argv,
      { model: { type: 'string', multiple: true }, recursive: { type: 'boolean' }, backend: { type: 'string' }, threads: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' } },
      { allowPositionals: true },
    );
    const specs = toList(values.model).map((value) => parseModelSpec(value));
    if (specs.length === 0) throw new UsageError('--model is required: a model folder (e.g. runs/<run>/model) or pretrained:NAME');
    if (positionals.length === 0) throw new UsageError('no image given: pass PNG or JPEG files, or folders of them, after the options');
    const files = expandImagePaths(positionals, { recursive: values.recursive === true });
    const logger = createLogger();
    await chooseBackend(typeof values.backend === 'string' ? values.backend : undefined, {
      threads: values.threads === undefined ? undefined : numberFlag(values, 'threads', 1, { integer: true, min: 1 }),
      logger,
    });
    const { predictor, loaded, labels } = await loadPredictor(specs);

    const answers: Answer[] = [];
    for (const file of files) {
      let pixels: Uint8Array;
      try {
        pixels = preprocessDigitImage(new Uint8Array(await readFile(file)), { path: file });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const message = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
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
    if (json) writeJson({ models: specs.map(describeModelSpec), labels, predictions: answers, failed });
    return failed > 0 ? ExitCode.failure : ExitCode.ok;
  });
}
