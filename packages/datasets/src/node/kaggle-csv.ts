/**
 * Streaming reader of the Kaggle "Digit Recognizer" CSV files: `train.csv` has a header
 * `label,pixel0,…,pixel783` and one image per line; `test.csv` has the same without `label`.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { describeFileError } from '@digitlab/errors';
import { createInterface } from 'node:readline';
import { type DigitDataset, PIXELS_PER_IMAGE } from '../digit-dataset.js';
import { CsvFormatError } from '../errors.js';

/**
 * A dataset read from CSV. Unlabelled files (`test.csv`) have `hasLabels: false` and an empty
 * `labels` array, so code that needs labels fails loudly instead of training on zeros.
 */
export interface KaggleCsvDataset extends DigitDataset {
  hasLabels: boolean;
}

/** Options of {@link readKaggleCsv}. */
export interface ReadKaggleCsvOptions {
  /** Require (`true`) or forbid (`false`) the label column; by default the header decides. */
  labels?: boolean;
  /** Largest valid label. Default 9. */
  maxLabel?: number;
  /** Stop after this many rows. */
  limit?: number;
  /** Called every 1000 rows with the rows read so far. */
  onProgress?: (rows: number) => void;
}

const pixelHeader = Array.from({ length: PIXELS_PER_IMAGE }, (_, i) => `pixel${i}`);

/** Reads a Kaggle digit CSV line by line; errors name the file, line and column. */
export async function readKaggleCsv(path: string, options: ReadKaggleCsvOptions = {}): Promise<KaggleCsvDataset> {
  const maxLabel = options.maxLabel ?? 9;
  const limit = options.limit ?? Infinity;
  // A folder opens fine and fails on the first read with a bare EISDIR: check it first.
  const info = await stat(path).catch((error: unknown) => {
    throw new CsvFormatError(describeFileError(error, path), path, 0, undefined, { cause: error });
  });
  if (info.isDirectory()) throw new CsvFormatError(`${path}: a folder, not a CSV file. Pass the .csv file inside it (Kaggle's train.csv or test.csv).`, path, 0, undefined);
  const stream = createReadStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    throw new CsvFormatError(describeFileError(error, path), path, 0, undefined, { cause: error });
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let hasLabels: boolean | undefined;
  let columns = 0;
  let capacity = 1024;
  let images = new Uint8Array(capacity * PIXELS_PER_IMAGE);
  let labels = new Uint8Array(capacity);
  let size = 0;
  let lineNumber = 0;
  const fail = (message: string, column?: number): never => {
    throw new CsvFormatError(`${path}:${lineNumber}${column === undefined ? '' : `:${column}`}: ${message}`, path, lineNumber, column);
  };
  try {
    for await (const rawLine of lines) {
      lineNumber++;
      const line = lineNumber === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine;
      if (lineNumber === 1 && line.startsWith('\u001f\ufffd')) fail('the file is gzipped. Unzip it first (gunzip, or zcat FILE > train.csv) and pass the .csv.');
      if (hasLabels === undefined) {
        const header = line.split(',').map((name) => name.trim().replace(/^"(.*)"$/, '$1'));
        if (header[0] === 'label' && sameNames(header.slice(1), pixelHeader)) hasLabels = true;
        else if (sameNames(header, pixelHeader)) hasLabels = false;
        else if (/^\s*\d/.test(line)) fail('missing header: the first line holds numbers. Expected "label,pixel0,...,pixel783" (train.csv) or "pixel0,...,pixel783" (test.csv) as the first line.');
        else fail(`unexpected header starting "${line.slice(0, 40)}": expected "label,pixel0,...,pixel783" (train.csv) or "pixel0,...,pixel783" (test.csv).`);
        if (options.labels !== undefined && options.labels !== hasLabels) {
          fail(options.labels ? 'the file has no "label" column but labels were required. Pass the training file (train.csv).' : 'the file has a "label" column but an unlabelled file was expected.');
        }
        columns = PIXELS_PER_IMAGE + (hasLabels ? 1 : 0);
        continue;
      }
      if (line.trim() === '') continue;
      if (size >= limit) break;
      if (size === capacity) {
        capacity *= 2;
        const grownImages = new Uint8Array(capacity * PIXELS_PER_IMAGE);
        grownImages.set(images);
        images = grownImages;
        const grownLabels = new Uint8Array(capacity);
        grownLabels.set(labels);
        labels = grownLabels;
      }
      // Hand-rolled field scan: split(',') + Number() per field is several times slower on 785 fields.
      let column = 0;
      let value = 0;
      let digits = 0;
      const offset = size * PIXELS_PER_IMAGE - (hasLabels ? 1 : 0);
      const store = () => {
        column++;
        if (column > columns) fail(`too many columns: expected ${columns}.`, column);
        if (digits === 0) fail(`empty or non-integer value in column ${column} (${columnName(column, hasLabels === true)}).`, column);
        if (hasLabels && column === 1) {
          if (value > maxLabel) fail(`label ${value} is out of range 0..${maxLabel}.`, column);
          labels[size] = value;
        } else {
          if (value > 255) fail(`pixel value ${value} in column ${column} (${columnName(column, hasLabels === true)}) is out of range 0..255.`, column);
          images[offset + column - 1] = value;
        }
        value = 0;
        digits = 0;
      };
      for (let i = 0; i < line.length; i++) {
        const code = line.charCodeAt(i);
        if (code >= 48 && code <= 57) {
          value = value * 10 + (code - 48);
          if (value > 99999) fail(`value in column ${column + 1} is out of range.`, column + 1);
          digits++;
        } else if (code === 44) store();
        else if (code === 45 && digits === 0) fail(`negative value in column ${column + 1} (${columnName(column + 1, hasLabels)}) is out of range 0..255.`, column + 1);
        else if (code === 32 || code === 9) {
          if (digits > 0 && i + 1 < line.length && /[0-9]/.test(line[i + 1] as string)) fail(`non-integer value in column ${column + 1} (${columnName(column + 1, hasLabels)}).`, column + 1);
        } else {
          const end = line.indexOf(',', i);
          const field = line.slice(line.lastIndexOf(',', i) + 1, end === -1 ? undefined : end);
          fail(`non-integer value "${field}" in column ${column + 1} (${columnName(column + 1, hasLabels)}): expected an integer 0..255.`, column + 1);
        }
      }
      store();
      if (column !== columns) fail(`wrong number of columns: ${column}, expected ${columns} (${hasLabels ? 'label + ' : ''}784 pixels).`, column);
      size++;
      if (size % 1000 === 0) options.onProgress?.(size);
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (hasLabels === undefined) throw new CsvFormatError(`${path}: the file is empty; expected a header line "label,pixel0,...,pixel783".`, path, 1, undefined);
  return { images: images.slice(0, size * PIXELS_PER_IMAGE), labels: hasLabels ? labels.slice(0, size) : new Uint8Array(0), size, hasLabels };
}

function sameNames(names: string[], expected: string[]): boolean {
  return names.length === expected.length && names.every((name, i) => name === expected[i]);
}

function columnName(column: number, hasLabels: boolean): string {
  if (hasLabels) return column === 1 ? 'label' : `pixel${column - 2}`;
  return `pixel${column - 1}`;
}
