/** Test helper: draws a real 28×28 MNIST digit into a larger RGBA canvas, as a user's photo or drawing might look. */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

export interface RenderOptions {
  /** Canvas size. */
  width: number;
  height: number;
  /** Nearest-neighbour magnification of the 28×28 digit. */
  scale: number;
  /** Top-left corner of the magnified digit. */
  left: number;
  top: number;
  /** `'dark-on-light'` (ink black on white paper), `'light-on-dark'` (MNIST polarity) or `'alpha'` (black ink, transparent background). */
  style: 'dark-on-light' | 'light-on-dark' | 'alpha';
}

export function renderDigit(digit: Uint8Array, options: RenderOptions): { width: number; height: number; data: Uint8Array } {
  const { width, height, scale, left, top, style } = options;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = Math.floor((x - left) / scale);
      const dy = Math.floor((y - top) / scale);
      const ink = dx >= 0 && dy >= 0 && dx < 28 && dy < 28 ? (digit[dy * 28 + dx] as number) : 0;
      const i = 4 * (y * width + x);
      const gray = style === 'light-on-dark' ? ink : style === 'dark-on-light' ? 255 - ink : 0;
      data[i] = gray;
      data[i + 1] = gray;
      data[i + 2] = gray;
      data[i + 3] = style === 'alpha' ? ink : 255;
    }
  }
  return { width, height, data };
}

export function encodePng(image: { width: number; height: number; data: Uint8Array }): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data);
  return PNG.sync.write(png);
}

export function encodeJpeg(image: { width: number; height: number; data: Uint8Array }, quality = 90): Uint8Array {
  return jpeg.encode({ width: image.width, height: image.height, data: Buffer.from(image.data) }, quality).data;
}
