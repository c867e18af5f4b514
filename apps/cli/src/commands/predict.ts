/**
 * `digitlab predict --model MODEL PATH...` — each image (PNG or JPEG, any size, dark or light ink)
 * goes through MNIST-style preprocessing, then the model; prints the label (through the model's
 * labels) and the probability of each output per file. A folder stands for every image in it
 * (`--recursive`: in its sub-folders too). A file that cannot be read as an image is reported by
 * name and makes the exit code 1, while every other file is still answered.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage, imagesToTensor, preprocessRgba } from '@digitlab/datasets/node';
import { describeFileError } from '@digitlab/errors';
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

/** Images with a side under this many pixels cannot show a digit; they are answered with a warning. */
const MIN_DIGIT_SIDE = 8;

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
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(await readFile(file));
        } catch (error) {
          throw new Error(describeFileError(error, file), { cause: error });
        }
        const image = decodeImage(bytes, file);
        if (Math.min(image.width, image.height) < MIN_DIGIT_SIDE) {
          logger.warn(
            `digitlab predict: warning: ${file} is ${image.width}×${image.height} pixels, too small to hold a digit (MNIST draws them in 20×20 of 28×28); the answer below is a guess. Pass a larger image of the digit.`,
          );
        }
        pixels = preprocessRgba(image, file);
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
    if (json) writeJson({ models: specs.map(describeModelSpec), labels, predictions: answers, failed });
    return failed > 0 ? ExitCode.failure : ExitCode.ok;
  });
}
