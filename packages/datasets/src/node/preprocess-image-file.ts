/** MNIST-style preprocessing of PNG/JPEG bytes: decode (pngjs, jpeg-js), then the shared RGBA preprocessing. Node-only. */
import { preprocessRgba } from '../preprocess-digit-image.js';
import type { ImageLimits } from '../rgba-image.js';
import { decodeImage } from './image-decode.js';

/** Options of {@link preprocessDigitImage}. */
export interface PreprocessOptions extends ImageLimits {
  /** Names the image in errors. Default "image". */
  path?: string;
}

/** Decodes PNG/JPEG bytes and returns 784 MNIST-style pixels (0 background, 255 ink). Errors name `path`. */
export function preprocessDigitImage(bytes: Uint8Array, options: PreprocessOptions = {}): Uint8Array {
  const path = options.path ?? 'image';
  return preprocessRgba(decodeImage(bytes, path, options), path);
}
