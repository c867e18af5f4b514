/**
 * `digitlab explain --model DIR|pretrained:NAME FILE...` — for each image: the input as the model
 * sees it, the prediction and probabilities, every layer's activations and attribution heat maps,
 * in one self-contained HTML file (plus PNGs with --png, the numbers with --json).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { imagesToTensor, preprocessDigitImage } from '@digitlab/datasets/node';
import { htmlPage } from '@digitlab/viz';
import { writePng } from '@digitlab/viz/node';
import { chooseBackend } from '../backends.js';
import { createLogger, runCommand, writeJson } from '../cli-support.js';
import { explainImage, explanationHtml, explanationImages, type ImageExplanation } from '../explain/explain-image.js';
import { explainUsage, parseExplainArgs } from '../explain/explain-options.js';
import { loadBaseModel } from './finetune.js';

/** Runs `digitlab explain`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('explain', argv, explainUsage, async ({ json }) => {
    const options = parseExplainArgs(argv);
    const logger = createLogger();
    await chooseBackend(options.backend, { threads: options.threads, logger });
    const { model, metadata } = await loadBaseModel(options.model);
    const { normalization, mean = 0, std = 1 } = metadata.input;
    const explanations: ImageExplanation[] = [];
    try {
      for (const file of options.files) {
        const pixels = preprocessDigitImage(new Uint8Array(await readFile(file)), { path: file });
        const image = tf.tidy(() => {
          const unit = imagesToTensor(pixels, 'unit');
          return normalization === 'mnist' ? tf.div(tf.sub(unit, mean), std) : unit;
        }) as tf.Tensor4D;
        try {
          explanations.push(explainImage(model, file, image, options));
        } finally {
          image.dispose();
        }
        const last = explanations.at(-1)!;
        logger.info(`${file}: ${metadata.labels[last.predicted] ?? last.predicted} (${(100 * last.probabilities[last.predicted]!).toFixed(1)}%); ${Object.entries(last.milliseconds).map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`).join(', ')}`);
      }
    } finally {
      model.dispose();
    }

    const sections = explanations.map((explanation, index) => ({ heading: basename(explanation.file), html: explanationHtml(explanation, metadata.labels, index) }));
    const page = htmlPage({ title: `digitlab explain: ${options.model}`, subtitle: `${metadata.architecture}, ${explanations.length} image(s); methods: ${options.methods.join(', ')}`, sections });
    await mkdir(dirname(resolve(options.out)), { recursive: true });
    await writeFile(options.out, page);
    logger.info(`report: ${resolve(options.out)}`);
    const pngs: string[] = [];
    if (options.png) {
      for (const explanation of explanations) {
        const stem = basename(explanation.file, extname(explanation.file));
        for (const { name, image } of explanationImages(explanation)) {
          const path = join(options.png, `${stem}-${name}.png`);
          await writePng(path, image);
          pngs.push(path);
        }
      }
      logger.info(`${pngs.length} PNG files in ${resolve(options.png)}`);
    }
    if (json) {
      writeJson({
        model: options.model,
        report: resolve(options.out),
        pngs,
        images: explanations.map(({ file, predicted, probabilities, activations, attributions, milliseconds }) => ({
          file,
          digit: metadata.labels[predicted] ?? String(predicted),
          predicted,
          probabilities,
          layers: activations.map(({ name, className, shape, values }) => ({ name, className, shape, min: Math.min(...values), max: Math.max(...values) })),
          attributions: attributions.map(({ values, ...rest }) => ({ ...rest, values: Array.from(values), ...('cam' in rest && rest.cam instanceof Float32Array ? { cam: Array.from(rest.cam) } : {}) })),
          milliseconds,
        })),
      });
    } else {
      for (const { file, predicted, probabilities } of explanations) process.stdout.write(`${file}: ${metadata.labels[predicted] ?? predicted} (${(100 * probabilities[predicted]!).toFixed(1)}%)\n`);
      process.stdout.write(`report written to ${options.out}\n`);
    }
  });
}
