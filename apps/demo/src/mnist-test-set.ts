/**
 * The 10,000 MNIST test digits the build ships under `mnist/`, fetched and verified (IDX structure,
 * SHA-256) by the datasets package's URL loader. Fetched once, on first use.
 */
import { loadMnistTestFromUrl, type DigitDataset } from '@digitlab/datasets';

let loading: Promise<DigitDataset> | undefined;

export function loadTestSet(): Promise<DigitDataset> {
  loading ??= loadMnistTestFromUrl({ baseUrl: new URL('mnist/', document.baseURI), cache: false });
  return loading;
}

/** The 784 bytes of test digit `index`. */
export function testDigit(set: DigitDataset, index: number): Uint8Array {
  return set.images.subarray(index * 784, (index + 1) * 784);
}
