import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DigitDataset } from '../digit-dataset.js';
import { CsvFormatError } from '../errors.js';
import { readKaggleCsv } from './kaggle-csv.js';
import { realTestSet, tempDirectory } from '../__fixtures__/real-mnist.js';

const header = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(',');
let mnist: DigitDataset;
let temp: Awaited<ReturnType<typeof tempDirectory>>;

function rows(count: number, withLabels: boolean): string[] {
  return Array.from({ length: count }, (_, i) => {
    const pixels = Array.from(mnist.images.subarray(i * 784, (i + 1) * 784)).join(',');
    return withLabels ? `${mnist.labels[i]},${pixels}` : pixels;
  });
}

async function write(name: string, lines: string[], eol = '\n'): Promise<string> {
  const path = join(temp.path, name);
  await writeFile(path, lines.join(eol) + eol);
  return path;
}

async function csvError(path: string): Promise<CsvFormatError> {
  const error = await readKaggleCsv(path).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(CsvFormatError);
  return error as CsvFormatError;
}

beforeAll(async () => {
  mnist = await realTestSet();
  temp = await tempDirectory();
});
afterAll(() => temp.remove());

describe('readKaggleCsv', () => {
  it('reads train.csv-style files (label + 784 pixels) back to the real images', async () => {
    const path = await write('train.csv', [header, ...rows(1500, true)]);
    const progress: number[] = [];
    const dataset = await readKaggleCsv(path, { onProgress: (count) => progress.push(count) });
    expect(dataset.hasLabels).toBe(true);
    expect(dataset.size).toBe(1500);
    expect(Buffer.from(dataset.images).equals(Buffer.from(mnist.images.subarray(0, 1500 * 784)))).toBe(true);
    expect(Buffer.from(dataset.labels).equals(Buffer.from(mnist.labels.subarray(0, 1500)))).toBe(true);
    expect(progress).toEqual([1000]);
    expect((await readKaggleCsv(path, { limit: 10 })).size).toBe(10);
  });

  it('reads test.csv-style files without labels: hasLabels false, empty labels', async () => {
    const path = await write('test.csv', [header.slice('label,'.length), ...rows(20, false)], '\r\n');
    const dataset = await readKaggleCsv(path);
    expect(dataset.hasLabels).toBe(false);
    expect(dataset.labels.length).toBe(0);
    expect(dataset.size).toBe(20);
    expect(Buffer.from(dataset.images).equals(Buffer.from(mnist.images.subarray(0, 20 * 784)))).toBe(true);
    await expect(readKaggleCsv(path, { labels: true })).rejects.toThrow(/no "label" column/);
  });

  it('rejects a file without a header', async () => {
    const error = await csvError(await write('no-header.csv', rows(2, true)));
    expect(error.line).toBe(1);
    expect(error.message).toMatch(/no-header\.csv:1: missing header/);
    expect(error.message).toContain('label,pixel0,...,pixel783');
  });

  it('names line and column of a non-integer value', async () => {
    const lines = rows(3, true);
    lines[1] = (lines[1] as string).replace(/^(\d+),(\d+),(\d+),/, '$1,$2,x7,');
    const error = await csvError(await write('text.csv', [header, ...lines]));
    expect([error.line, error.column]).toEqual([3, 3]);
    expect(error.message).toMatch(/text\.csv:3:3: non-integer value "x7" in column 3 \(pixel1\)/);
  });

  it('names line and column of an out-of-range pixel, label and negative value', async () => {
    const lines = rows(2, true);
    const fields = (lines[0] as string).split(',');
    fields[10] = '256';
    const error = await csvError(await write('range.csv', [header, fields.join(','), lines[1] as string]));
    expect([error.line, error.column]).toEqual([2, 11]);
    expect(error.message).toMatch(/pixel value 256 in column 11 \(pixel9\) is out of range 0\.\.255/);

    const label = await csvError(await write('label.csv', [header, `12${(lines[1] as string).slice(1)}`]));
    expect(label.message).toMatch(/label\.csv:2:1: label 12 is out of range 0\.\.9/);

    const negative = await csvError(await write('negative.csv', [header, (lines[1] as string).replace(/,0,/, ',-3,')]));
    expect(negative.message).toMatch(/negative value/);
  });

  it('rejects a wrong column count, naming the line', async () => {
    const lines = rows(3, true);
    lines[2] = (lines[2] as string).split(',').slice(0, 700).join(',');
    const error = await csvError(await write('short.csv', [header, ...lines]));
    expect(error.line).toBe(4);
    expect(error.message).toMatch(/wrong number of columns: 700, expected 785/);
    const long = await csvError(await write('long.csv', [header, `${lines[0] as string},0`]));
    expect(long.message).toMatch(/long\.csv:2:786: too many columns/);
    const empty = await csvError(await write('empty-field.csv', [header, (lines[0] as string).replace(/,0,/, ',,')]));
    expect(empty.message).toMatch(/empty or non-integer value/);
  });

  it('rejects an empty file, a wrong header and a missing file', async () => {
    await writeFile(join(temp.path, 'empty.csv'), '');
    expect((await csvError(join(temp.path, 'empty.csv'))).message).toMatch(/empty/);
    expect((await csvError(await write('header.csv', ['id,a,b', '1,2,3']))).message).toMatch(/unexpected header starting "id,a,b"/);
    await expect(readKaggleCsv(join(temp.path, 'absent.csv'))).rejects.toThrow(/absent\.csv: no such file or folder \(ENOENT\). Check the path/);
  });
});
