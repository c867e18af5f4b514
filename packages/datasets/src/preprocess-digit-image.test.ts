import { beforeAll, describe, expect, it } from 'vitest';
import type { DigitDataset } from './digit-dataset.js';
import { ImageError } from './errors.js';
import { preprocessDigitImage } from './node/preprocess-image-file.js';
import { alignedCorrelation, realTestSet } from './__fixtures__/real-mnist.js';
import { encodeJpeg, encodePng, renderDigit } from './__fixtures__/render-digit.js';

let mnist: DigitDataset;
const digit = (i: number) => mnist.images.subarray(i * 784, (i + 1) * 784);

beforeAll(async () => {
  mnist = await realTestSet();
});

/** In pixel indices; MNIST digits have it at (14, 14). */
function centreOfMass(image: Uint8Array): [number, number] {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const value = image[y * 28 + x] as number;
      mass += value;
      sx += value * x;
      sy += value * y;
    }
  }
  return [sx / mass, sy / mass];
}

describe('preprocessDigitImage', () => {
  it('recovers real MNIST digits drawn black-on-white at 3x, off-centre, as PNG', () => {
    for (let i = 0; i < 30; i++) {
      const png = encodePng(renderDigit(digit(i), { width: 160, height: 120, scale: 3, left: 70, top: 10, style: 'dark-on-light' }));
      const out = preprocessDigitImage(png, { path: `digit-${i}.png` });
      expect(out.length).toBe(784);
      expect(alignedCorrelation(out, digit(i))).toBeGreaterThan(0.95);
      const [cx, cy] = centreOfMass(out);
      expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
    }
  });

  it('handles JPEG, white-on-black and transparent backgrounds the same way', () => {
    const original = digit(3);
    for (const style of ['dark-on-light', 'light-on-dark', 'alpha'] as const) {
      const image = renderDigit(original, { width: 100, height: 140, scale: 4, left: 5, top: 20, style });
      expect(alignedCorrelation(preprocessDigitImage(encodePng(image)), original)).toBeGreaterThan(0.95);
      if (style !== 'alpha') expect(alignedCorrelation(preprocessDigitImage(encodeJpeg(image), { path: 'photo.jpg' }), original)).toBeGreaterThan(0.9);
    }
  });

  it('scales a small digit up into the 20x20 box keeping its aspect ratio', () => {
    const tiny = renderDigit(digit(1), { width: 28, height: 28, scale: 1, left: 0, top: 0, style: 'dark-on-light' });
    // Shrink to 14x14 by taking every other pixel; the result must still fill 20 rows.
    const small = { width: 14, height: 14, data: new Uint8Array(14 * 14 * 4) };
    for (let y = 0; y < 14; y++) for (let x = 0; x < 14; x++) small.data.set(tiny.data.subarray(4 * (2 * y * 28 + 2 * x), 4 * (2 * y * 28 + 2 * x) + 4), 4 * (y * 14 + x));
    const out = preprocessDigitImage(encodePng(small));
    const rows = Array.from({ length: 28 }, (_, y) => out.subarray(y * 28, y * 28 + 28).some((value) => value > 0)).filter(Boolean).length;
    expect(rows).toBe(20);
    expect(alignedCorrelation(out, digit(1))).toBeGreaterThan(0.7);
  });

  it('rejects an empty file, a non-image, a blank image and an image over the pixel limit, naming the path', () => {
    const cases: [Uint8Array, RegExp, object?][] = [
      [new Uint8Array(0), /empty/],
      [new TextEncoder().encode('GIF89a not supported'), /not a supported image .*Supported formats: PNG, JPEG/],
      [encodePng(renderDigit(new Uint8Array(784), { width: 50, height: 50, scale: 1, left: 0, top: 0, style: 'dark-on-light' })), /no digit found/],
      [encodePng(renderDigit(digit(0), { width: 300, height: 300, scale: 3, left: 0, top: 0, style: 'dark-on-light' })), /90000 pixels, over the 10000-pixel limit/, { maxPixels: 10_000 }],
      [encodeJpeg(renderDigit(digit(0), { width: 300, height: 300, scale: 3, left: 0, top: 0, style: 'dark-on-light' })), /over the 10000-pixel limit/, { maxPixels: 10_000 }],
      [encodePng(renderDigit(digit(0), { width: 30, height: 30, scale: 1, left: 0, top: 0, style: 'dark-on-light' })), /over the 100-byte limit/, { maxBytes: 100 }],
      [encodePng(renderDigit(digit(0), { width: 30, height: 30, scale: 1, left: 0, top: 0, style: 'dark-on-light' })).subarray(0, 60), /cannot decode PNG/],
    ];
    for (const [bytes, pattern, limits] of cases) {
      let caught: unknown;
      try {
        preprocessDigitImage(bytes, { path: '/photos/mine.png', ...limits });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ImageError);
      expect((caught as Error).message).toMatch(/^\/photos\/mine\.png: /);
      expect((caught as Error).message).toMatch(pattern);
    }
  });
});

describe('ink on a transparent background', () => {
  it('reads white ink on a transparent background like black ink on white paper', () => {
    for (const index of [0, 1, 2, 3, 4]) {
      const source = digit(index);
      const whiteOnAlpha = new Uint8Array(28 * 28 * 4);
      const darkOnWhite = new Uint8Array(28 * 28 * 4);
      for (let i = 0; i < 784; i++) {
        const ink = source[i] as number;
        whiteOnAlpha.set([255, 255, 255, ink], 4 * i);
        darkOnWhite.set([255 - ink, 255 - ink, 255 - ink, 255], 4 * i);
      }
      const fromAlpha = preprocessDigitImage(encodePng({ width: 28, height: 28, data: whiteOnAlpha }), { path: 'white-on-alpha.png' });
      const fromPaper = preprocessDigitImage(encodePng({ width: 28, height: 28, data: darkOnWhite }), { path: 'dark-on-white.png' });
      expect(alignedCorrelation(fromAlpha, fromPaper)).toBeGreaterThan(0.99);
    }
  });

  it('still says "no digit found" for a fully transparent image', () => {
    expect(() => preprocessDigitImage(encodePng({ width: 28, height: 28, data: new Uint8Array(28 * 28 * 4) }), { path: 'clear.png' })).toThrow(/clear\.png: no digit found/);
  });
});
