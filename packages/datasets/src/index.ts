/**
 * @digitlab/datasets — real MNIST from bytes to batches, for pages and Node alike (no Node
 * built-in is imported here; the file-system readers are in `@digitlab/datasets/node`):
 * - MNIST by URL (`loadMnistFromUrl`, `loadMnistTestFromUrl` for the first N test digits: fetch,
 *   SHA-256 with Web Crypto, Cache API) or from picked files (`loadMnistFromFiles`);
 * - `readIdx` (raw or gzipped IDX bytes), `sha256` / `verifyMnistFile`, `gunzip`;
 * - your own digits: `preprocessImageData` (ImageData, canvas, ImageBitmap) and `preprocessRgba`,
 *   the MNIST-style preprocessing the Node image reader uses too;
 * - `createBatches` / `toTensors`: normalised, optionally augmented tensors for training and evaluation;
 * - dataset helpers: `stratifiedSplit`, `filterClasses`, `takePerClass`, `concatDatasets`.
 * Never imports a tfjs backend: the application picks one.
 */
export { type DigitDataset, IMAGE_SIZE, PIXELS_PER_IMAGE, assertDataset, countLabels, subsetDataset } from './digit-dataset.js';
export { ChecksumError, CsvFormatError, DatasetError, DatasetUnavailableError, IdxFormatError, ImageError } from './errors.js';
export { type GunzipOptions, gunzip, isGzip } from './gunzip.js';
export { type IdxArray, type IdxDtype, type ReadIdxOptions, readIdx } from './idx.js';
export { MNIST_FILES, type MnistFileInfo, type MnistFileName, datasetFromIdx, sha256, verifyMnistFile } from './mnist-files.js';
export type { FetchLike } from './download.js';
export { type MnistDatasets, type MnistSplitOptions, splitMnist } from './mnist-splits.js';
export { type LoadMnistFromUrlOptions, MNIST_CACHE_NAME, type MnistUrlProgressEvent, loadMnistFromUrl, loadMnistTestFromUrl } from './mnist-url.js';
export { type NamedBlob, loadMnistFromFiles } from './mnist-blobs.js';
export { stratifiedSplit } from './stratified-split.js';
export { concatDatasets, filterClasses, takePerClass } from './dataset-helpers.js';
export { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGE_PIXELS, type ImageLimits, type RgbaImage } from './rgba-image.js';
export { preprocessRgba } from './preprocess-digit-image.js';
export { type DigitImageSource, type PreprocessImageDataOptions, preprocessImageData } from './preprocess-image-data.js';
export { MNIST_MEAN, MNIST_STD, type Normalization, normalizePixels } from './normalization.js';
export { type AugmentOptions, RECOMMENDED_AUGMENTATION, augmentImage } from './augment.js';
export { type Batch, type BatchIterable, type BatchOptions, createBatches, imagesToTensor, toTensors } from './batches.js';
export { type Random, createRandom, mixSeed } from './random.js';
