// A page that says which digit is drawn on its canvas or shown in a picked image: the pretrained
// fast-cnn on the wasm backend, the digit preprocessed as MNIST's were (cropped, scaled, centred).
// Serve tfjs-backend-wasm's dist/ at /wasm/ and @digitlab/pretrained at /pretrained/.
import { selectBackend } from '@digitlab/backend';
import { createWasmPlugin } from '@digitlab/backend-wasm';
import { imagesToTensor, preprocessImageData } from '@digitlab/datasets';
import { loadModelFrom, pretrainedModelUrl } from '@digitlab/models';
import * as tf from '@tensorflow/tfjs-core';

await selectBackend('wasm', { plugins: [createWasmPlugin({ wasmPaths: '/wasm/' })] });
const { model, metadata } = await loadModelFrom(pretrainedModelUrl('fast-cnn', '/pretrained/'));

const canvas = document.querySelector('canvas')!;
const context = canvas.getContext('2d', { willReadFrequently: true })!;
const answer = document.querySelector('#answer')!;

function clear(): void {
  context.fillStyle = 'white';
  context.fillRect(0, 0, canvas.width, canvas.height);
  answer.textContent = 'Draw a digit.';
}

/** Shows the most likely digit on the canvas and how sure the model is. */
function predict(what: string): void {
  let pixels: Uint8Array;
  try {
    pixels = preprocessImageData(canvas, { name: what });
  } catch (error) {
    answer.textContent = (error as Error).message; // e.g. no ink on the canvas
    return;
  }
  const [digit, probability] = tf.tidy(() => {
    const logits = model.predict(imagesToTensor(pixels, metadata.input.normalization)) as tf.Tensor2D;
    const probabilities = tf.softmax(logits).dataSync();
    const best = tf.argMax(logits, 1).dataSync()[0]!;
    return [best, probabilities[best]!];
  });
  answer.textContent = `${what}: ${metadata.labels[digit]}, ${(100 * probability).toFixed(1)}% sure`;
}

canvas.addEventListener('pointerdown', (event) => {
  context.beginPath();
  context.moveTo(event.offsetX, event.offsetY);
  canvas.setPointerCapture(event.pointerId);
});
canvas.addEventListener('pointermove', (event) => {
  if (!canvas.hasPointerCapture(event.pointerId)) return;
  Object.assign(context, { lineWidth: 20, lineCap: 'round', strokeStyle: 'black' });
  context.lineTo(event.offsetX, event.offsetY);
  context.stroke();
});
canvas.addEventListener('pointerup', () => predict('the drawing'));
document.querySelector('#clear')!.addEventListener('click', clear);
document.querySelector<HTMLInputElement>('#image')!.addEventListener('change', async (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (!file) return;
  const bitmap = await createImageBitmap(file);
  clear();
  const scale = Math.min(canvas.width / bitmap.width, canvas.height / bitmap.height);
  context.drawImage(bitmap, 0, 0, bitmap.width * scale, bitmap.height * scale);
  predict(file.name);
});
clear();
