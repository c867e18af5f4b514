import { beforeAll, describe, expect, it } from 'vitest';
import { concatDatasets, filterClasses, takePerClass } from './dataset-helpers.js';
import { type DigitDataset, countLabels, subsetDataset } from './digit-dataset.js';
import { stratifiedSplit } from './stratified-split.js';
import { realTestSet } from './__fixtures__/real-mnist.js';

let mnist: DigitDataset;

beforeAll(async () => {
  mnist = await realTestSet();
});

const image = (dataset: DigitDataset, i: number) => Buffer.from(dataset.images.subarray(i * 784, (i + 1) * 784));

describe('dataset helpers on the real test set', () => {
  it('filterClasses keeps digits 5-9 and relabels them 0-4', () => {
    const high = filterClasses(mnist, [5, 6, 7, 8, 9], { relabel: true });
    expect(countLabels(high, 5)).toEqual([892, 958, 1028, 974, 1009]);
    const kept = filterClasses(mnist, [5, 6, 7, 8, 9]);
    expect(countLabels(kept)).toEqual([0, 0, 0, 0, 0, 892, 958, 1028, 974, 1009]);
    expect(image(high, 0).equals(image(kept, 0))).toBe(true);
    expect(high.labels[0]).toBe((kept.labels[0] as number) - 5);
    expect(() => filterClasses(mnist, [1, 1])).toThrow(/distinct/);
  });

  it('takePerClass picks k of each class, reproducibly from the seed', () => {
    const few = takePerClass(mnist, 5, 1);
    expect(countLabels(few)).toEqual(new Array(10).fill(5));
    expect(Buffer.from(takePerClass(mnist, 5, 1).images).equals(Buffer.from(few.images))).toBe(true);
    expect(Buffer.from(takePerClass(mnist, 5, 2).images).equals(Buffer.from(few.images))).toBe(false);
    expect(() => takePerClass(filterClasses(mnist, [5]), 1000)).toThrow(/class 5 has only 892 examples, fewer than k = 1000/);
  });

  it('concatDatasets joins images and labels in order', () => {
    const a = subsetDataset(mnist, [0, 1, 2]);
    const b = subsetDataset(mnist, [3, 4]);
    const joined = concatDatasets([a, b]);
    expect(joined.size).toBe(5);
    expect(Array.from(joined.labels)).toEqual(Array.from(mnist.labels.subarray(0, 5)));
    expect(Buffer.from(joined.images).equals(Buffer.from(mnist.images.subarray(0, 5 * 784)))).toBe(true);
    expect(() => concatDatasets([a, { images: b.images, labels: new Uint8Array(0), size: 2 }])).toThrow(/cannot be mixed/);
  });

  it('stratifiedSplit partitions exactly, within ±1 of proportional per class', () => {
    const { train, validation } = stratifiedSplit(mnist, 1234, 3);
    expect(train.size + validation.size).toBe(10000);
    expect(validation.size).toBe(1234);
    const counts = countLabels(mnist);
    countLabels(validation).forEach((count, label) => expect(Math.abs(count - ((counts[label] as number) * 1234) / 10000)).toBeLessThanOrEqual(1));
    countLabels(train).forEach((count, label) => expect(count + (countLabels(validation)[label] as number)).toBe(counts[label]));
    expect(() => stratifiedSplit(mnist, 10001)).toThrow(/must be an integer in 0\.\.10000 .*got 10001/);
  });
});
