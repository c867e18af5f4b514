/**
 * Test set: the current model's confusion matrix over the 10,000 MNIST test digits, computed in the
 * page in batches (with progress, the page stays responsive). Each cell is a button; it lists that
 * cell's digits (true label → predicted); each digit is a button that opens it in the Inside view.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AppState } from '../app-state.js';
import { labelsOf, modelInput, type CurrentModel } from '../current-model.js';
import type { DigitDataset } from '@digitlab/datasets';
import { confusionCells, type ConfusionCells } from '@digitlab/viz';
import { loadTestSet, testDigit } from '../mnist-test-set.js';
import { paintPixels } from '../pixel-image.js';

const BATCH = 500;
/** Digits shown for one cell; a diagonal cell can hold a thousand. */
const MAX_SHOWN = 120;

export function mountExploreView(root: HTMLElement, state: AppState, openInside: () => void): void {
  root.innerHTML = `
    <div class="row">
      <div class="card">
        <h2>Confusion matrix on the 10,000 MNIST test digits</h2>
        <div class="actions">
          <button type="button" data-run>Compute</button>
          <progress max="1" value="0" data-progress aria-label="Progress"></progress>
          <span class="muted" data-summary></span>
        </div>
        <table class="confusion" data-matrix></table>
        <p class="muted">Rows: true digit. Columns: predicted. Click a cell to see its digits.</p>
      </div>
      <div class="card cell-digits">
        <h2 data-cell-title>Digits</h2>
        <div class="digits" data-digits></div>
      </div>
    </div>`;
  const run = root.querySelector<HTMLButtonElement>('[data-run]')!;
  const progress = root.querySelector<HTMLProgressElement>('[data-progress]')!;
  const summary = root.querySelector<HTMLElement>('[data-summary]')!;
  const table = root.querySelector<HTMLTableElement>('[data-matrix]')!;
  const cellTitle = root.querySelector<HTMLElement>('[data-cell-title]')!;
  const digits = root.querySelector<HTMLElement>('[data-digits]')!;
  let computedFor: CurrentModel | undefined;

  run.addEventListener('click', async () => {
    const current = state.model;
    if (!current) return;
    run.disabled = true;
    summary.textContent = 'loading the test set…';
    try {
      const set = await loadTestSet();
      const predictions = await predictAll(current, set, (done) => {
        progress.value = done / set.size;
        summary.textContent = `${done.toLocaleString('en')} / ${set.size.toLocaleString('en')}`;
      });
      computedFor = current;
      const wrong = predictions.reduce((count, predicted, index) => count + (predicted === set.labels[index] ? 0 : 1), 0);
      summary.textContent = `${current.name}: ${(100 * (1 - wrong / set.size)).toFixed(2)}% right, ${wrong} mistakes`;
      const labels = labelsOf(current);
      renderMatrix(set, confusionCells(set.labels, predictions, labels.length), labels);
    } catch (error) {
      summary.textContent = `Could not compute: ${(error as Error).message}`;
    } finally {
      run.disabled = false;
    }
  });
  state.subscribe(() => {
    if (computedFor && state.model !== computedFor) {
      computedFor = undefined;
      table.replaceChildren();
      digits.replaceChildren();
      progress.value = 0;
      summary.textContent = 'the model changed: compute again';
    }
  });

  function renderMatrix(set: DigitDataset, confusion: ConfusionCells, labels: readonly string[]): void {
    const cells = confusion.counts;
    const largestError = Math.max(1, ...cells.flatMap((row, truth) => row.filter((_, predicted) => predicted !== truth)));
    const head = document.createElement('tr');
    head.append(document.createElement('th'), ...labels.map((label) => Object.assign(document.createElement('th'), { scope: 'col', textContent: label })));
    const rows = cells.map((row, truth) => {
      const tr = document.createElement('tr');
      tr.append(Object.assign(document.createElement('th'), { scope: 'row', textContent: labels[truth] }));
      row.forEach((count, predicted) => {
        const td = document.createElement('td');
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = String(count);
        button.setAttribute('aria-label', `true ${labels[truth]}, predicted ${labels[predicted]}: ${count} digits`);
        const shade = truth === predicted ? 0 : count / largestError;
        button.className = truth === predicted ? 'diagonal' : count > 0 ? 'mistake' : 'empty';
        if (truth !== predicted && count > 0) button.style.background = `rgba(220, 38, 38, ${0.15 + 0.85 * shade})`;
        button.addEventListener('click', () => showCell(set, confusion.indices[truth]![predicted]!, labels, truth, predicted));
        td.append(button);
        tr.append(td);
      });
      return tr;
    });
    table.replaceChildren(head, ...rows);
  }

  function showCell(set: DigitDataset, indices: readonly number[], labels: readonly string[], truth: number, predicted: number): void {
    cellTitle.textContent = `True ${labels[truth]}, predicted ${labels[predicted]}: ${indices.length} digit${indices.length === 1 ? '' : 's'}${indices.length > MAX_SHOWN ? ` (first ${MAX_SHOWN})` : ''}`;
    digits.replaceChildren(
      ...indices.slice(0, MAX_SHOWN).map((index) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'digit';
        button.setAttribute('aria-label', `test digit #${index}, true ${labels[truth]}, predicted ${labels[predicted]}`);
        button.title = `#${index}`;
        const canvas = document.createElement('canvas');
        paintPixels(canvas, testDigit(set, index));
        button.append(canvas);
        button.addEventListener('click', () => {
          state.setInput({ pixels: testDigit(set, index).slice(), source: `test digit #${index} (true ${labels[truth]})` });
          openInside();
        });
        return button;
      }),
    );
  }
}

/** The model's predicted class for every test digit, `BATCH` at a time, yielding to the page between batches. */
async function predictAll(current: CurrentModel, set: DigitDataset, onProgress: (done: number) => void): Promise<Uint8Array> {
  const predictions = new Uint8Array(set.size);
  for (let start = 0; start < set.size; start += BATCH) {
    const end = Math.min(set.size, start + BATCH);
    const classes = tf.tidy(() => {
      const output = current.model.predict(modelInput(current, set.images.subarray(start * 784, end * 784)));
      return tf.argMax(Array.isArray(output) ? (output[0] as tf.Tensor) : output, -1);
    });
    predictions.set(await classes.data(), start);
    classes.dispose();
    onProgress(end);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return predictions;
}
