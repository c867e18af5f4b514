/**
 * MNIST-style preprocessing of an arbitrary digit photo or drawing, following how MNIST itself was
 * made (LeCun et al.): grayscale, ink white on black, cropped to the ink, scaled into a 20×20 box
 * keeping the aspect ratio (anti-aliased), then placed in 28×28 with its centre of mass at the centre.
 */
import { IMAGE_SIZE, PIXELS_PER_IMAGE } from './digit-dataset.js';
import { ImageError } from './errors.js';
import type { RgbaImage } from './rgba-image.js';

/** Side of the box the digit is scaled into, as in MNIST. */
const BOX = 20;
/** Ink below this fraction of the stretched range is treated as background (paper texture, JPEG noise). */
const INK_FLOOR = 0.1;
/** The darkest-to-brightest ink contrast (0..255) under which we say there is no digit. */
const MIN_CONTRAST = 24;

/** True when some pixel is not fully opaque. */
function hasTransparency(data: ArrayLike<number>, count: number): boolean {
  for (let i = 0; i < count; i++) if ((data[4 * i + 3] as number) < 255) return true;
  return false;
}

/**
 * Ink intensity (0..255, ink bright) of each pixel with alpha composited over `paper` (0 or 255),
 * inverted when the border (mostly background) is light; `base` is the background level and
 * `peak` the strongest ink.
 */
function inkOf(data: ArrayLike<number>, width: number, height: number, paper: number): { values: Float32Array; base: number; peak: number } {
  const count = width * height;
  const gray = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const alpha = (data[4 * i + 3] as number) / 255;
    const luma = 0.299 * (data[4 * i] as number) + 0.587 * (data[4 * i + 1] as number) + 0.114 * (data[4 * i + 2] as number);
    gray[i] = luma * alpha + paper * (1 - alpha);
  }
  // Polarity: the border is mostly background; a light border means dark ink, which we invert.
  const background = borderMedian(gray, width, height);
  const invert = background > 127;
  const values = invert ? gray.map((value) => 255 - value) : gray;
  const base = invert ? 255 - background : background;
  let peak = 0;
  for (let i = 0; i < count; i++) if ((values[i] as number) > peak) peak = values[i] as number;
  return { values, base, peak };
}

/**
 * 784 MNIST-style pixels (0 background, 255 ink) from decoded RGBA pixels: the one implementation
 * behind the Node image reader (`preprocessDigitImage`) and the page readers (`preprocessImageData`).
 */
export function preprocessRgba(image: RgbaImage, path = 'image'): Uint8Array {
  const { width, height, data } = image;
  const count = width * height;
  if (count === 0 || data.length < count * 4) throw new ImageError(`${path}: the image has no pixels (${width}×${height}).`, path);

  // Grayscale by Rec. 601 luma, alpha composited over white (transparent = paper). White ink on a
  // transparent background vanishes over white, so such an image is composited over black instead.
  let ink = inkOf(data, width, height, 255);
  if (ink.peak - ink.base < MIN_CONTRAST && hasTransparency(data, count)) {
    const overBlack = inkOf(data, width, height, 0);
    if (overBlack.peak - overBlack.base > ink.peak - ink.base) ink = overBlack;
  }
  const { base, peak } = ink;
  if (peak - base < MIN_CONTRAST) {
    throw new ImageError(`${path}: no digit found: the ink differs from the background by only ${Math.round(peak - base)} of 255. Use a darker pen or a higher-contrast image.`, path);
  }
  const values = ink.values;

  // Contrast stretch so the background is 0 and the strongest ink is 1, then crop to the ink.
  const low = base + INK_FLOOR * (peak - base);
  const scale = 1 / (peak - low);
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const value = Math.min(1, Math.max(0, ((values[i] as number) - low) * scale));
      values[i] = value;
      if (value > 0) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
      }
    }
  }
  const cropWidth = right - left + 1;
  const cropHeight = bottom - top + 1;
  const crop = new Float32Array(cropWidth * cropHeight);
  for (let y = 0; y < cropHeight; y++) crop.set(values.subarray((top + y) * width + left, (top + y) * width + left + cropWidth), y * cropWidth);

  // Longest side to 20 pixels, aspect kept.
  const factor = BOX / Math.max(cropWidth, cropHeight);
  const boxWidth = Math.max(1, Math.min(BOX, Math.round(cropWidth * factor)));
  const boxHeight = Math.max(1, Math.min(BOX, Math.round(cropHeight * factor)));
  const box = resize(crop, cropWidth, cropHeight, boxWidth, boxHeight);

  // Centre of mass moved to pixel (14, 14), by whole pixels so strokes stay sharp. That is where
  // MNIST has it: measured over the 10,000 test digits, the mean is x 14.01, y 13.99 in pixel indices.
  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0; y < boxHeight; y++) {
    for (let x = 0; x < boxWidth; x++) {
      const value = box[y * boxWidth + x] as number;
      mass += value;
      sumX += value * x;
      sumY += value * y;
    }
  }
  const centre = IMAGE_SIZE / 2;
  const offsetX = clamp(Math.round(centre - sumX / mass), 0, IMAGE_SIZE - boxWidth);
  const offsetY = clamp(Math.round(centre - sumY / mass), 0, IMAGE_SIZE - boxHeight);
  const out = new Uint8Array(PIXELS_PER_IMAGE);
  for (let y = 0; y < boxHeight; y++) {
    for (let x = 0; x < boxWidth; x++) {
      out[(y + offsetY) * IMAGE_SIZE + x + offsetX] = Math.round(255 * Math.min(1, box[y * boxWidth + x] as number));
    }
  }
  return out;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Median of the outermost ring of pixels, from a 256-bin histogram. */
function borderMedian(gray: Float32Array, width: number, height: number): number {
  const histogram = new Uint32Array(256);
  let total = 0;
  const add = (i: number) => {
    const bin = Math.round(gray[i] as number);
    histogram[bin] = (histogram[bin] as number) + 1;
    total++;
  };
  for (let x = 0; x < width; x++) {
    add(x);
    if (height > 1) add((height - 1) * width + x);
  }
  for (let y = 1; y < height - 1; y++) {
    add(y * width);
    if (width > 1) add(y * width + width - 1);
  }
  let seen = 0;
  for (let value = 0; value < 256; value++) {
    seen += histogram[value] as number;
    if (seen * 2 >= total) return value;
  }
  return 255;
}

/**
 * Separable resize. Shrinking averages the source area each output pixel covers (no aliasing of
 * thin strokes); enlarging interpolates bilinearly between pixel centres.
 */
function resize(source: Float32Array, width: number, height: number, newWidth: number, newHeight: number): Float32Array {
  const columns = taps(width, newWidth);
  const rows = taps(height, newHeight);
  const horizontal = new Float32Array(newWidth * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < newWidth; x++) {
      let sum = 0;
      for (const [index, weight] of columns[x] as [number, number][]) sum += (source[y * width + index] as number) * weight;
      horizontal[y * newWidth + x] = sum;
    }
  }
  const out = new Float32Array(newWidth * newHeight);
  for (let y = 0; y < newHeight; y++) {
    for (const [index, weight] of rows[y] as [number, number][]) {
      for (let x = 0; x < newWidth; x++) out[y * newWidth + x] = (out[y * newWidth + x] as number) + (horizontal[index * newWidth + x] as number) * weight;
    }
  }
  return out;
}

/** For each output index along one axis, the source indices and weights that make it. */
function taps(size: number, newSize: number): [number, number][][] {
  const ratio = size / newSize;
  const result: [number, number][][] = [];
  for (let o = 0; o < newSize; o++) {
    const list: [number, number][] = [];
    if (ratio >= 1) {
      // Area: output pixel o covers source interval [o·ratio, (o+1)·ratio).
      const start = o * ratio;
      const end = start + ratio;
      for (let i = Math.floor(start); i < Math.min(size, Math.ceil(end)); i++) {
        const overlap = Math.min(end, i + 1) - Math.max(start, i);
        if (overlap > 0) list.push([i, overlap / ratio]);
      }
    } else {
      const position = clamp((o + 0.5) * ratio - 0.5, 0, size - 1);
      const i0 = Math.floor(position);
      const i1 = Math.min(size - 1, i0 + 1);
      const fraction = position - i0;
      list.push([i0, 1 - fraction]);
      if (i1 !== i0 && fraction > 0) list.push([i1, fraction]);
    }
    result.push(list);
  }
  return result;
}
