/**
 * MNIST-style preprocessing of a digit in a page: from `ImageData`, a canvas (`HTMLCanvasElement`,
 * `OffscreenCanvas`) or an `ImageBitmap`, through the same {@link preprocessRgba} as the Node image
 * reader, so a drawing and a PNG of it give the same 28×28 bytes.
 */
import { ImageError } from './errors.js';
import { preprocessRgba } from './preprocess-digit-image.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from './rgba-image.js';

/** What {@link preprocessImageData} takes. */
export type DigitImageSource = ImageData | HTMLCanvasElement | OffscreenCanvas | ImageBitmap;

/** Options of {@link preprocessImageData}. */
export interface PreprocessImageDataOptions {
  /** Names the image in errors. Default "image". */
  name?: string;
  /** Largest width × height accepted. Default 16,777,216 (4096 × 4096). */
  maxPixels?: number;
}

/** The RGBA pixels of a canvas-like source. */
function pixelsOf(source: DigitImageSource, name: string): ImageData {
  if (typeof ImageData !== 'undefined' && source instanceof ImageData) return source;
  const canvas = source as HTMLCanvasElement | OffscreenCanvas;
  if (typeof canvas.getContext === 'function') {
    const context = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    if (!context) throw new ImageError(`${name}: the canvas has no 2d context (it is already used for WebGL?). Draw the digit on a 2d canvas.`, name);
    return context.getImageData(0, 0, canvas.width, canvas.height);
  }
  // An ImageBitmap: draw it on an OffscreenCanvas to read its pixels.
  if (typeof OffscreenCanvas === 'undefined') throw new ImageError(`${name}: reading an ImageBitmap needs OffscreenCanvas, which this platform lacks. Pass ImageData.`, name);
  const bitmap = source as ImageBitmap;
  const offscreen = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = offscreen.getContext('2d');
  if (!context) throw new ImageError(`${name}: no 2d context on an OffscreenCanvas.`, name);
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, bitmap.width, bitmap.height);
}

/** 784 MNIST-style pixels (0 background, 255 ink) of the digit in `source`. Errors name `options.name`. */
export function preprocessImageData(source: DigitImageSource, options: PreprocessImageDataOptions = {}): Uint8Array {
  const name = options.name ?? 'image';
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  if (source.width * source.height > maxPixels) {
    throw new ImageError(`${name}: ${source.width}×${source.height} = ${source.width * source.height} pixels, over the ${maxPixels}-pixel limit (maxPixels). Shrink the image or raise maxPixels.`, name);
  }
  const image = pixelsOf(source, name);
  return preprocessRgba({ width: image.width, height: image.height, data: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength) }, name);
}
