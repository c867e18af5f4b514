/**
 * The 10,000 MNIST test digits the build ships under `mnist/` (uncompressed IDX), read and checked
 * by the datasets package's IDX reader. Fetched once, on first use.
 */
import { readIdx } from '@digitlab/datasets';

export interface TestSet {
  /** 784 bytes per digit, 0 background, 255 ink. */
  images: Uint8Array;
  labels: Uint8Array;
  size: number;
}

let loading: Promise<TestSet> | undefined;

export function loadTestSet(): Promise<TestSet> {
  return (loading ??= (async () => {
    const [images, labels] = await Promise.all(['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map(fetchIdx));
    if (images!.shape[0] !== labels!.shape[0]) throw new Error(`the shipped MNIST test set has ${images!.shape[0]} images but ${labels!.shape[0]} labels; rebuild the demo.`);
    return { images: images!.data as Uint8Array, labels: labels!.data as Uint8Array, size: labels!.shape[0]! };
  })());
}

async function fetchIdx(name: string) {
  const response = await fetch(`mnist/${name}`);
  if (!response.ok) throw new Error(`mnist/${name}: HTTP ${response.status}. Rebuild the demo so it ships the MNIST test files.`);
  return readIdx(new Uint8Array(await response.arrayBuffer()), { name });
}

/** The 784 bytes of test digit `index`. */
export function testDigit(set: TestSet, index: number): Uint8Array {
  return set.images.subarray(index * 784, (index + 1) * 784);
}
