/**
 * Train: `fast-cnn` from scratch on MNIST in a Web Worker (see train-worker.ts), with live loss and
 * accuracy curves, images per second, pause / resume / stop, and the engine and thread count the
 * worker runs on. The trained model becomes the current model.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import type { AppState } from '../app-state.js';
import { LineChart } from '../line-chart.js';
import type { FromWorker, ToWorker } from '../train-protocol.js';

export function mountTrainView(root: HTMLElement, state: AppState): void {
  root.innerHTML = `
    <div class="row">
      <div class="card">
        <h2>Train fast-cnn from scratch on MNIST</h2>
        <form class="actions" data-form>
          <label>Epochs <input type="number" min="1" max="20" value="1" data-epochs /></label>
          <label>Batch <input type="number" min="8" max="512" value="64" data-batch /></label>
          <button type="submit" data-start>Train</button>
          <button type="button" data-pause disabled>Pause</button>
          <button type="button" data-stop disabled>Stop</button>
        </form>
        <p class="muted" data-engine>The worker picks its engine when training starts.</p>
        <p data-train-status aria-live="polite">Not started.</p>
        <div data-charts class="charts"></div>
      </div>
    </div>`;
  const form = root.querySelector<HTMLFormElement>('[data-form]')!;
  const start = root.querySelector<HTMLButtonElement>('[data-start]')!;
  const pause = root.querySelector<HTMLButtonElement>('[data-pause]')!;
  const stop = root.querySelector<HTMLButtonElement>('[data-stop]')!;
  const engine = root.querySelector<HTMLElement>('[data-engine]')!;
  const progress = root.querySelector<HTMLElement>('[data-train-status]')!;
  const lossChart = new LineChart([{ name: 'loss', color: '#dc2626' }], 'Training loss per step');
  const accuracyChart = new LineChart([{ name: 'accuracy', color: '#1d4ed8', max: 1 }], 'Training accuracy per step');
  root.querySelector('[data-charts]')!.append(lossChart.canvas, accuracyChart.canvas);

  let worker: Worker | undefined;
  let paused = false;
  const send = (message: ToWorker) => worker?.postMessage(message);
  const finish = () => {
    worker?.terminate();
    worker = undefined;
    start.disabled = false;
    pause.disabled = true;
    stop.disabled = true;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (worker) return;
    lossChart.reset();
    accuracyChart.reset();
    paused = false;
    pause.textContent = 'Pause';
    start.disabled = true;
    pause.disabled = false;
    stop.disabled = false;
    progress.textContent = 'starting the worker…';
    worker = new Worker(new URL('../train-worker.ts', import.meta.url), { type: 'module' });
    worker.onerror = (event) => {
      progress.textContent = `The training worker failed: ${event.message}`;
      finish();
    };
    worker.onmessage = (event: MessageEvent<FromWorker>) => void handle(event.data);
    send({
      type: 'start',
      settings: {
        baseUrl: document.baseURI,
        epochs: Number(root.querySelector<HTMLInputElement>('[data-epochs]')!.value),
        batchSize: Number(root.querySelector<HTMLInputElement>('[data-batch]')!.value),
        learningRate: 0.01,
        seed: 0,
      },
    });
  });
  pause.addEventListener('click', () => {
    paused = !paused;
    send({ type: paused ? 'pause' : 'resume' });
    pause.textContent = paused ? 'Resume' : 'Pause';
    if (paused) progress.textContent = `${progress.textContent} (paused)`;
  });
  stop.addEventListener('click', () => {
    send({ type: 'stop' });
    stop.disabled = true;
    pause.disabled = true;
  });

  async function handle(message: FromWorker): Promise<void> {
    switch (message.type) {
      case 'backend':
        engine.textContent = `Worker engine: ${message.name}, ${message.threads} thread${message.threads === 1 ? '' : 's'}`;
        engine.title = message.description;
        break;
      case 'status':
        progress.textContent = message.message;
        break;
      case 'step':
        lossChart.push({ loss: message.loss });
        accuracyChart.push({ accuracy: message.accuracy });
        if (!paused) {
          progress.textContent = `epoch ${message.epoch + 1}, step ${message.step} / ${message.totalSteps}: loss ${message.loss.toFixed(3)}, ${Math.round(message.imagesPerSecond).toLocaleString('en')} images/s`;
        }
        break;
      case 'evaluated':
        progress.textContent = `epoch ${message.epoch + 1}: ${(100 * message.testAccuracy).toFixed(2)}% on the 10,000 test digits`;
        break;
      case 'model': {
        const model = await loadLayersModel(tf.io.fromMemory(message.artifacts));
        state.setModel({ name: `fast-cnn trained here (${new Date().toLocaleTimeString()})`, model, metadata: message.metadata });
        progress.textContent = `${progress.textContent}. It is now the current model.`;
        finish();
        break;
      }
      case 'error':
        progress.textContent = `Training failed: ${message.message}`;
        finish();
        break;
    }
  }
}
