/** Pixel normalisation shared by training, evaluation and prediction. */
import { DatasetError } from './errors.js';

/** Mean of MNIST training pixels scaled to [0, 1]. */
export const MNIST_MEAN = 0.1307;
/** Standard deviation of MNIST training pixels scaled to [0, 1]. */
export const MNIST_STD = 0.3081;

/** `'unit'`: v / 255 in [0, 1]. `'mnist'`: (v / 255 − MNIST_MEAN) / MNIST_STD, about zero mean and unit variance. */
export type Normalization = 'mnist' | 'unit';

const normalizations: readonly Normalization[] = ['mnist', 'unit'];
const tables = new Map<Normalization, Float32Array>();

/** The 256 float values each byte maps to, so per-pixel work is one table lookup. */
export function normalizationTable(normalization: Normalization): Float32Array {
  let table = tables.get(normalization);
  if (!table) {
    if (!normalizations.includes(normalization)) {
      throw new DatasetError(`unknown normalization "${String(normalization)}". Should be one of: ${normalizations.join(', ')}.`);
    }
    table = new Float32Array(256);
    for (let value = 0; value < 256; value++) {
      table[value] = normalization === 'unit' ? value / 255 : (value / 255 - MNIST_MEAN) / MNIST_STD;
    }
    tables.set(normalization, table);
  }
  return table;
}

/** Normalises bytes into `out` (allocated when omitted) and returns it. */
export function normalizePixels(pixels: Uint8Array, normalization: Normalization, out = new Float32Array(pixels.length)): Float32Array {
  const table = normalizationTable(normalization);
  for (let i = 0; i < pixels.length; i++) out[i] = table[pixels[i] as number] as number;
  return out;
}
