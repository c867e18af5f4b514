/**
 * Draw: the pad, Clear / Undo / upload / paste, and for every change the prediction (in a
 * `role="status"` element whose text starts with the digit), the ten probabilities as bars and the
 * 28×28 input exactly as the model sees it (the datasets package's MNIST-style preprocessing).
 * Each prediction is timed as a `digitlab:predict` performance measure, from the end of the stroke
 * to the shown result.
 */
import { preprocessImageData } from '@digitlab/datasets';
import type { AppState } from '../app-state.js';
import { argMax, classify, labelsOf } from '../current-model.js';
import { DrawPad } from '../draw-pad.js';
import { paintPixels } from '../pixel-image.js';
import { ProbabilityBars } from '../probability-bars.js';

export function mountDrawView(root: HTMLElement, state: AppState): void {
  root.innerHTML = `
    <div class="row">
      <div class="card">
        <h2>Draw a digit</h2>
        <div data-pad></div>
        <div class="actions">
          <button type="button" data-clear>Clear</button>
          <button type="button" data-undo>Undo</button>
          <label class="button">Upload image<input type="file" accept="image/*" data-upload hidden /></label>
          <span class="muted">or paste one (Ctrl+V)</span>
        </div>
      </div>
      <div class="card">
        <h2>Prediction</h2>
        <output role="status" class="prediction" aria-live="polite" data-status>Draw a digit</output>
        <div data-bars></div>
      </div>
      <div class="card">
        <h2>What the model sees</h2>
        <canvas class="input28" data-input aria-label="The 28 by 28 input the model sees"></canvas>
        <p class="muted">MNIST-style: cropped to the ink,<br />scaled into 20×20, centred by mass.</p>
      </div>
    </div>`;
  const status = root.querySelector<HTMLOutputElement>('[data-status]')!;
  const inputCanvas = root.querySelector<HTMLCanvasElement>('[data-input]')!;
  const barsHost = root.querySelector<HTMLElement>('[data-bars]')!;
  let bars = new ProbabilityBars([]);
  paintPixels(inputCanvas, undefined);

  let running = false;
  let again = false;
  let changedAt = 0;
  const predict = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await predictOnce();
      } while (again);
    } finally {
      running = false;
    }
  };

  const pad = new DrawPad({
    size: 280,
    onChange: () => {
      changedAt = performance.now();
      if (pad.isEmpty) {
        state.setInput(undefined);
        return;
      }
      try {
        const pixels = preprocessImageData(pad.pixels(), { name: 'your drawing' });
        state.setInput({ pixels, source: 'your drawing' });
      } catch (error) {
        state.setInput(undefined);
        status.textContent = (error as Error).message;
      }
    },
  });
  root.querySelector('[data-pad]')!.append(pad.canvas);
  root.querySelector('[data-clear]')!.addEventListener('click', () => pad.clear());
  root.querySelector('[data-undo]')!.addEventListener('click', () => pad.undo());

  const useImage = async (blob: Blob) => {
    try {
      pad.setImage(await createImageBitmap(blob));
    } catch (error) {
      status.textContent = `That image could not be read (${(error as Error).message}). Use a PNG or JPEG.`;
    }
  };
  root.querySelector<HTMLInputElement>('[data-upload]')!.addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void useImage(file);
  });
  document.addEventListener('paste', (event) => {
    if (root.hidden) return;
    const item = Array.from(event.clipboardData?.items ?? []).find((entry) => entry.type.startsWith('image/'));
    const file = item?.getAsFile();
    if (file) void useImage(file);
  });

  async function predictOnce(): Promise<void> {
    const current = state.model;
    const input = state.input;
    paintPixels(inputCanvas, input?.pixels);
    if (!current) return;
    const labels = labelsOf(current);
    if (barsHost.childElementCount === 0 || bars.element.childElementCount !== labels.length * 3) {
      bars = new ProbabilityBars(labels);
      barsHost.replaceChildren(bars.element);
    }
    if (!input) {
      if (pad.isEmpty) status.textContent = 'Draw a digit';
      bars.show(undefined);
      return;
    }
    const probabilities = await classify(current, input.pixels);
    const best = argMax(probabilities);
    status.textContent = `${labels[best]} (${(100 * (probabilities[best] as number)).toFixed(1)}% sure)`;
    bars.show(probabilities, best);
    if (changedAt > 0) performance.measure('digitlab:predict', { start: changedAt, end: performance.now() });
  }

  state.subscribe(() => void predict());
  void predict();
}
