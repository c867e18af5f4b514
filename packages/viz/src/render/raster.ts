/**
 * Pixels to PNG bytes and data URIs, in pure JS (fast-png), so images embed in SVG and HTML in Node
 * and in pages alike: gray digits, colour-mapped maps, and a heat map blended over a digit.
 */
import { encode } from 'fast-png';
import { colorOf, type ColorScale } from './color-scales.js';

/** An RGBA image, 4 bytes per pixel, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Gray pixels: `values` mapped linearly from [min, max] (default: their own range) to black → white. */
export function grayImage(values: ArrayLike<number>, width: number, height: number, range?: { min: number; max: number }): RgbaImage {
  let { min, max } = range ?? { min: Infinity, max: -Infinity };
  if (!range) for (let i = 0; i < width * height; i++) [min, max] = [Math.min(min, values[i]!), Math.max(max, values[i]!)];
  const span = max - min || 1;
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const level = Math.round(255 * Math.min(1, Math.max(0, (values[i]! - min) / span)));
    data.set([level, level, level, 255], i * 4);
  }
  return { width, height, data };
}

/** Each value coloured by `scale`. */
export function colorImage(values: ArrayLike<number>, width: number, height: number, scale: ColorScale): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...colorOf(scale, values[i]!), 255], i * 4);
  return { width, height, data };
}

/** `heat` coloured by `scale` over the gray `digit`, mixed by `opacity` (0..1), same size. */
export function blendImages(digit: RgbaImage, heat: RgbaImage, opacity = 0.6): RgbaImage {
  const data = new Uint8Array(digit.data.length);
  for (let i = 0; i < data.length; i += 4) {
    for (let c = 0; c < 3; c++) data[i + c] = Math.round((1 - opacity) * digit.data[i + c]! + opacity * heat.data[i + c]!);
    data[i + 3] = 255;
  }
  return { width: digit.width, height: digit.height, data };
}

/** Nearest-neighbour enlargement by an integer factor (for files: browsers scale SVG images themselves). */
export function enlarge(image: RgbaImage, factor: number): RgbaImage {
  const width = image.width * factor;
  const height = image.height * factor;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(image.data.subarray(((Math.floor(y / factor) * image.width + Math.floor(x / factor)) * 4), (Math.floor(y / factor) * image.width + Math.floor(x / factor)) * 4 + 4), (y * width + x) * 4);
  }
  return { width, height, data };
}

/** PNG bytes of an RGBA image. */
export function encodePng(image: RgbaImage): Uint8Array {
  return encode({ width: image.width, height: image.height, data: image.data, channels: 4, depth: 8 });
}

/** Base64 of bytes, without Node's Buffer. */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** A `data:image/png;base64,...` URI of an RGBA image. */
export function pngDataUri(image: RgbaImage): string {
  return `data:image/png;base64,${base64(encodePng(image))}`;
}
