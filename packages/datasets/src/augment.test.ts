import { beforeAll, describe, expect, it } from 'vitest';
import { augmentImage, validateAugmentOptions } from './augment.js';
import type { DigitDataset } from './digit-dataset.js';
import { DatasetError } from './errors.js';
import { type Random, createRandom } from './random.js';
import { realTestSet } from './__fixtures__/real-mnist.js';

let mnist: DigitDataset;
const digit = (i: number) => mnist.images.subarray(i * 784, (i + 1) * 784);

/** A generator that replays fixed draws, to put the transform at a known point of its range. */
function fixed(...values: number[]): Random {
  let i = 0;
  const next = () => values[i++ % values.length] as number;
  return { next, int: (n) => Math.floor(next() * n), uniform: (low, high) => low + (high - low) * next() };
}

function augmented(source: Uint8Array, options: Parameters<typeof augmentImage>[2], random: Random): Uint8Array {
  const target = new Uint8Array(784);
  augmentImage(source, target, options, random);
  return target;
}

beforeAll(async () => {
  mnist = await realTestSet();
});

describe('augmentImage', () => {
  it('is the identity with every transform at its neutral point', () => {
    const source = Uint8Array.from(digit(0));
    expect(augmented(source, {}, createRandom(1))).toEqual(source);
    expect(augmented(source, { rotation: 30, shiftPixels: 3, scale: [0.5, 1.5] }, fixed(0.5))).toEqual(source);
  });

  it('shifts by whole pixels exactly (draws: angle, shift x, shift y)', () => {
    const source = digit(1);
    const out = augmented(source, { rotation: 10, shiftPixels: 2 }, fixed(0.5, 1, 0.25));
    // shift x = 2·(2·1 − 1) = +2, shift y = 2·(2·0.25 − 1) = −1
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const sx = x - 2;
        const sy = y + 1;
        expect(out[y * 28 + x]).toBe(sx >= 0 && sy < 28 ? source[sy * 28 + sx] : 0);
      }
    }
  });

  it('rotates by 90° exactly onto the pixel grid about the image centre', () => {
    const source = digit(2);
    const out = augmented(source, { rotation: 90 }, fixed(1, 0.5, 0.5));
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) expect(out[x * 28 + (27 - y)]).toBe(source[y * 28 + x]);
  });

  it('zooms about the centre: scale 0.5 halves the spread of the ink', () => {
    const source = digit(3);
    const spread = (image: Uint8Array) => {
      let mass = 0;
      let sum = 0;
      for (let i = 0; i < 784; i++) {
        const dx = (i % 28) + 0.5 - 14;
        const dy = Math.floor(i / 28) + 0.5 - 14;
        mass += image[i] as number;
        sum += (image[i] as number) * Math.sqrt(dx * dx + dy * dy);
      }
      return sum / mass;
    };
    // A zoom of 0.5 keeps all the ink inside the frame, so its spread must halve.
    expect(spread(augmented(source, { scale: [0.5, 0.5] }, createRandom(2))) / spread(source)).toBeCloseTo(0.5, 1);
  });

  it('elastic distortion changes the digit, keeps most of its ink, and is reproducible', () => {
    const source = digit(4);
    const random = createRandom(9);
    const out = augmented(source, { elastic: { alpha: 34, sigma: 4 } }, random);
    expect(out).not.toEqual(Uint8Array.from(source));
    const mass = (image: Uint8Array) => image.reduce((sum, value) => sum + value, 0);
    expect(Math.abs(mass(out) / mass(source) - 1)).toBeLessThan(0.25);
    // Same seed, same distortion.
    expect(augmented(source, { elastic: { alpha: 34, sigma: 4 } }, createRandom(9))).toEqual(out);
  });

  it('rejects invalid options naming the field', () => {
    expect(() => validateAugmentOptions({ rotation: -5 })).toThrow(/augment\.rotation must be a number of degrees in 0\.\.180, got -5/);
    expect(() => validateAugmentOptions({ shiftPixels: 1, shiftFraction: 0.1 })).toThrow(/not both/);
    expect(() => validateAugmentOptions({ scale: [1.2, 0.8] })).toThrow(/augment\.scale/);
    expect(() => validateAugmentOptions({ elastic: { alpha: 34, sigma: 0 } })).toThrow(DatasetError);
  });
});

describe('createRandom', () => {
  it('is reproducible, seed-dependent and uniform', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const drawsA = Array.from({ length: 10000 }, () => a.next());
    expect(Array.from({ length: 10000 }, () => b.next())).toEqual(drawsA);
    expect(c.next()).not.toBe(drawsA[0]);
    const mean = drawsA.reduce((sum, value) => sum + value, 0) / drawsA.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(drawsA.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});
