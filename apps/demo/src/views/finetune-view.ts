/**
 * Fine-tune on your handwriting: draw a few examples of each digit (the page asks for them in turn),
 * fine-tune the current model on them with LoRA, head only (linear probe) or full fine-tuning (the
 * trainer's `prepareFinetune` / `finetune`), see the accuracy on your own held-back drawings before
 * and after, and export the result as the folder `digitlab predict` reads (`model.json`, weights,
 * `digitlab.json`). The last drawing of each digit with two or more is held back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { preprocessImageData, type DigitDataset } from '@digitlab/datasets';
import { mergeLora, saveModelTo } from '@digitlab/models';
import { datasetBatches, finetune, prepareFinetune, type FinetuneStrategy } from '@digitlab/trainer';
import type { AppState } from '../app-state.js';
import { labelsOf, modelInput, type CurrentModel } from '../current-model.js';
import { DrawPad } from '../draw-pad.js';

interface Example {
  pixels: Uint8Array;
  label: number;
}

const strategies: Record<string, { title: string; strategy: FinetuneStrategy; learningRate: number }> = {
  lora: { title: 'LoRA (rank 4)', strategy: { kind: 'lora', rank: 4 }, learningRate: 3e-3 },
  'linear-probe': { title: 'Head only', strategy: { kind: 'linear-probe' }, learningRate: 3e-3 },
  full: { title: 'Full', strategy: { kind: 'full' }, learningRate: 3e-4 },
};

export function mountFinetuneView(root: HTMLElement, state: AppState): void {
  root.innerHTML = `
    <div class="row">
      <div class="card">
        <h2 data-prompt>Draw a 0</h2>
        <div data-pad></div>
        <div class="actions">
          <button type="button" data-add>Add example</button>
          <button type="button" data-skip>Next digit</button>
          <button type="button" data-clear-pad>Clear drawing</button>
        </div>
        <p class="muted" data-counts></p>
      </div>
      <div class="card">
        <h2>Fine-tune the current model</h2>
        <div class="actions">
          <label>Strategy <select data-strategy>${Object.entries(strategies).map(([key, { title }]) => `<option value="${key}">${title}</option>`).join('')}</select></label>
          <label>Epochs <input type="number" min="1" max="100" value="15" data-epochs /></label>
          <button type="button" data-run>Fine-tune</button>
          <button type="button" data-export disabled>Export model</button>
        </div>
        <p data-finetune-status aria-live="polite">Add a few examples of each digit first.</p>
      </div>
    </div>`;
  const prompt = root.querySelector<HTMLElement>('[data-prompt]')!;
  const counts = root.querySelector<HTMLElement>('[data-counts]')!;
  const status = root.querySelector<HTMLElement>('[data-finetune-status]')!;
  const run = root.querySelector<HTMLButtonElement>('[data-run]')!;
  const exportButton = root.querySelector<HTMLButtonElement>('[data-export]')!;
  const examples: Example[] = [];
  let digit = 0;
  let tuned: CurrentModel | undefined;
  const pad = new DrawPad({ size: 200, label: 'Draw an example digit', onChange: () => undefined });
  root.querySelector('[data-pad]')!.append(pad.canvas);

  const showCounts = () => {
    const perDigit = Array.from({ length: 10 }, (_, label) => examples.filter((example) => example.label === label).length);
    counts.textContent = `Examples: ${perDigit.map((count, label) => `${label}: ${count}`).join(', ')}`;
    prompt.textContent = `Draw a ${digit}`;
  };
  showCounts();
  root.querySelector('[data-add]')!.addEventListener('click', () => {
    if (pad.isEmpty) return;
    try {
      examples.push({ pixels: preprocessImageData(pad.pixels(), { name: 'your example' }), label: digit });
      pad.clear();
      digit = (digit + 1) % 10;
      showCounts();
    } catch (error) {
      status.textContent = (error as Error).message;
    }
  });
  root.querySelector('[data-skip]')!.addEventListener('click', () => {
    digit = (digit + 1) % 10;
    showCounts();
  });
  root.querySelector('[data-clear-pad]')!.addEventListener('click', () => pad.clear());

  run.addEventListener('click', async () => {
    const current = state.model;
    if (!current) return;
    const { train, heldBack } = splitExamples(examples);
    if (train.size === 0 || heldBack.size === 0) {
      status.textContent = 'Add at least two examples of a digit: the last one of each is held back to measure accuracy.';
      return;
    }
    const choice = strategies[root.querySelector<HTMLSelectElement>('[data-strategy]')!.value]!;
    const epochs = Number(root.querySelector<HTMLInputElement>('[data-epochs]')!.value);
    run.disabled = true;
    try {
      const before = accuracyOn(current, heldBack);
      status.textContent = `Before: ${percent(before)} of your ${heldBack.size} held-back drawings. Fine-tuning…`;
      await new Promise((resolve) => setTimeout(resolve, 0));
      const plan = prepareFinetune(current.model, choice.strategy, { seed: 0 });
      const normalization = current.metadata.input.normalization;
      const result = await finetune(plan, datasetBatches(train, { batchSize: 16, seed: 0, normalization, numClasses: labelsOf(current).length }), {
        epochs,
        learningRate: choice.learningRate,
        restoreBest: false,
      });
      const model = choice.strategy.kind === 'lora' ? mergeLora(plan.model) : plan.model;
      tuned = {
        name: `${current.name} + your handwriting (${choice.title})`,
        model,
        metadata: {
          ...current.metadata,
          training: { strategy: choice.strategy, epochs, learningRate: choice.learningRate, examples: train.size, where: 'in the demo page', backend: tf.getBackend() },
          base: { name: current.name, architecture: current.metadata.architecture, ...(current.metadata.metrics ? { metrics: current.metadata.metrics } : {}) },
          createdAt: new Date().toISOString(),
        },
      };
      const after = accuracyOn(tuned, heldBack);
      tuned.metadata.metrics = { yourHandwriting: { before, after, heldBack: heldBack.size } };
      status.textContent = `Before: ${percent(before)}, after: ${percent(after)} of your ${heldBack.size} held-back drawings (${result.parameters.trainable.toLocaleString('en')} parameters trained, ${train.size} examples, ${result.trainSeconds.toFixed(1)} s). It is now the current model.`;
      state.setModel(tuned, { disposePrevious: false });
      exportButton.disabled = false;
    } catch (error) {
      status.textContent = `Fine-tuning failed: ${(error as Error).message}`;
    } finally {
      run.disabled = false;
    }
  });

  exportButton.addEventListener('click', async () => {
    if (!tuned) return;
    const { architecture, labels, input, training, metrics, base } = tuned.metadata;
    await saveModelTo(tuned.model, 'downloads://model', { architecture, labels, input, ...(training ? { training } : {}), ...(metrics ? { metrics } : {}), ...(base ? { base } : {}) });
  });
}

/** The last example of each digit that has two or more is held back; the rest train. */
function splitExamples(examples: readonly Example[]): { train: DigitDataset; heldBack: DigitDataset } {
  const heldIndices = new Set<number>();
  for (let label = 0; label < 10; label++) {
    const indices = examples.flatMap((example, index) => (example.label === label ? [index] : []));
    if (indices.length >= 2) heldIndices.add(indices.at(-1)!);
  }
  const pick = (keep: (index: number) => boolean): DigitDataset => {
    const chosen = examples.filter((_, index) => keep(index));
    const images = new Uint8Array(chosen.length * 784);
    chosen.forEach((example, index) => images.set(example.pixels, index * 784));
    return { images, labels: Uint8Array.from(chosen, (example) => example.label), size: chosen.length };
  };
  return { train: pick((index) => !heldIndices.has(index)), heldBack: pick((index) => heldIndices.has(index)) };
}

function accuracyOn(current: CurrentModel, dataset: DigitDataset): number {
  const predictions = tf.tidy(() => {
    const output = current.model.predict(modelInput(current, dataset.images));
    return tf.argMax(Array.isArray(output) ? (output[0] as tf.Tensor) : output, -1).dataSync();
  });
  let right = 0;
  for (let i = 0; i < dataset.size; i++) if (predictions[i] === dataset.labels[i]) right++;
  return right / dataset.size;
}

function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(0)}%`;
}
