import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DigitDataset } from '../digit-dataset.js';
import { DatasetError, ImageError } from '../errors.js';
import { readImageFolder } from './image-folder.js';
import { alignedCorrelation, realTestSet, tempDirectory } from '../__fixtures__/real-mnist.js';
import { encodeJpeg, encodePng, renderDigit } from '../__fixtures__/render-digit.js';

let mnist: DigitDataset;
let temp: Awaited<ReturnType<typeof tempDirectory>>;
const digit = (i: number) => mnist.images.subarray(i * 784, (i + 1) * 784);
const photo = (i: number) => renderDigit(digit(i), { width: 90, height: 90, scale: 2, left: 20, top: 10, style: 'dark-on-light' });

beforeAll(async () => {
  mnist = await realTestSet();
  temp = await tempDirectory();
});
afterAll(() => temp.remove());

/** Writes the first `count` real test digits as PNG (even) and JPEG (odd) under root/<label>/. */
async function writeDigits(root: string, count: number, folderName = (label: number) => String(label)): Promise<void> {
  for (let i = 0; i < count; i++) {
    const folder = join(root, folderName(mnist.labels[i] as number));
    await mkdir(folder, { recursive: true });
    const name = `${String(i).padStart(3, '0')}.${i % 2 === 0 ? 'png' : 'jpg'}`;
    await writeFile(join(folder, name), i % 2 === 0 ? encodePng(photo(i)) : encodeJpeg(photo(i)));
  }
}

describe('readImageFolder', () => {
  it('reads <root>/<digit>/*.png|jpg into MNIST-style images with their labels', async () => {
    const root = join(temp.path, 'digits');
    await writeDigits(root, 30);
    await writeFile(join(root, '3', 'notes.txt'), 'not an image');
    await writeFile(join(root, '.DS_Store'), 'finder');
    const dataset = await readImageFolder(root);
    expect(dataset.size).toBe(30);
    expect(dataset.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(dataset.skipped).toEqual([{ path: join(root, '3', 'notes.txt'), reason: 'not a .png, .jpg or .jpeg file' }]);
    // Files come in folder then name order; match each back to its source digit by label and correlation.
    const expectedLabels = Array.from(mnist.labels.subarray(0, 30)).sort((a, b) => a - b);
    expect(Array.from(dataset.labels)).toEqual(expectedLabels);
    for (let k = 0; k < dataset.size; k++) {
      const image = dataset.images.subarray(k * 784, (k + 1) * 784);
      const best = Math.max(...Array.from({ length: 30 }, (_, i) => (mnist.labels[i] === dataset.labels[k] ? alignedCorrelation(image, digit(i)) : -1)));
      expect(best).toBeGreaterThan(0.9);
    }
  });

  it('maps arbitrary class folder names to labels in sorted order', async () => {
    const root = join(temp.path, 'named');
    const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    await writeDigits(root, 12, (label) => names[label] as string);
    const dataset = await readImageFolder(root);
    const present = [...new Set(Array.from(mnist.labels.subarray(0, 12), (label) => names[label] as string))].sort();
    expect(dataset.classes).toEqual(present);
    for (let k = 0; k < dataset.size; k++) expect(present).toContain(dataset.classes[dataset.labels[k] as number]);
  });

  it('fails on or skips a non-image, an empty file and an oversized image, naming each path', async () => {
    const root = join(temp.path, 'bad');
    await writeDigits(root, 4);
    await writeFile(join(root, '7', 'fake.png'), 'this is text, not a PNG');
    await writeFile(join(root, '7', 'empty.jpg'), '');
    await writeFile(join(root, '7', 'huge.png'), encodePng(renderDigit(digit(0), { width: 400, height: 400, scale: 10, left: 0, top: 0, style: 'dark-on-light' })));
    const error = await readImageFolder(root, { maxPixels: 100_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).path).toBe(join(root, '7', 'empty.jpg'));
    expect((error as Error).message).toMatch(/empty/);

    const dataset = await readImageFolder(root, { onInvalid: 'skip', maxPixels: 100_000 });
    expect(dataset.size).toBe(4);
    const reasons = Object.fromEntries(dataset.skipped.map((entry) => [entry.path, entry.reason]));
    expect(reasons[join(root, '7', 'empty.jpg')]).toMatch(/empty/);
    expect(reasons[join(root, '7', 'fake.png')]).toMatch(/not a supported image/);
    expect(reasons[join(root, '7', 'huge.png')]).toMatch(/160000 pixels, over the 100000-pixel limit/);
    // Every image of a class skipped: the class would vanish, so the folder is named with why.
    await expect(readImageFolder(root, { onInvalid: 'skip', maxBytes: 200 })).rejects.toThrow(/class folder ".*" holds no usable image \(\d+ files? skipped: .*over the 200-byte limit/);
  });

  it('does not follow symbolic links out of the root, but follows those inside it', async () => {
    const outside = join(temp.path, 'outside');
    await writeDigits(outside, 2);
    const root = join(temp.path, 'links');
    await writeDigits(root, 2);
    const label = String(mnist.labels[0]);
    await symlink(join(outside, label, '000.png'), join(root, label, 'escape.png'));
    await symlink(join(outside, label), join(root, '9-escape'));
    await symlink(join(root, label, '000.png'), join(root, label, 'alias.png'));

    const error = await readImageFolder(root).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toMatch(/symbolic link to .*outside/);

    const dataset = await readImageFolder(root, { onInvalid: 'skip' });
    expect(dataset.size).toBe(3); // two images + the alias inside the root
    expect(dataset.skipped.map((entry) => entry.path).sort()).toEqual([join(root, '9-escape'), join(root, label, 'escape.png')].sort());
    for (const entry of dataset.skipped) expect(entry.reason).toMatch(/outside .*refusing to follow it/);
  });

  it('rejects a root that is missing or has no class folders', async () => {
    await expect(readImageFolder(join(temp.path, 'missing'))).rejects.toThrow(/missing: no such file or folder \(ENOENT\). Check the path..*one sub-folder per class/);
    const flat = join(temp.path, 'flat');
    await mkdir(flat);
    await writeFile(join(flat, 'a.png'), encodePng(photo(0)));
    await expect(readImageFolder(flat)).rejects.toThrow(/has no class folders/);
  });

  it('orders numeric class folders by number, so 10 comes after 9', async () => {
    const root = join(temp.path, 'eleven');
    // Digits 0-9 as themselves, and every 7 also written to a "10" class (a user's extra class).
    await writeDigits(root, 100);
    for (let i = 0; i < 100; i++) {
      if (mnist.labels[i] !== 7) continue;
      await mkdir(join(root, '10'), { recursive: true });
      await writeFile(join(root, '10', `${i}.png`), encodePng(photo(i)));
    }
    const dataset = await readImageFolder(root);
    expect(dataset.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    const tens = Array.from(dataset.labels).filter((label) => dataset.classes[label] === '10').length;
    expect(tens).toBe(Array.from(mnist.labels.subarray(0, 100)).filter((label) => label === 7).length);
  });

  it('names a class folder that yields no image instead of dropping the class', async () => {
    const root = join(temp.path, 'hollow');
    await writeDigits(root, 12);
    await mkdir(join(root, '5-empty'));
    await mkdir(join(root, 'bad'));
    await writeFile(join(root, 'bad', 'a.png'), 'not a png');
    const error = await readImageFolder(join(root), { onInvalid: 'skip' }).catch((caught: unknown) => caught);
    expect(DatasetError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/class folder ".*5-empty" holds no usable image\. Add PNG or JPEG images/);
    await rm(join(root, '5-empty'), { recursive: true });
    await expect(readImageFolder(root, { onInvalid: 'skip' })).rejects.toThrow(/class folder ".*bad" holds no usable image \(1 file skipped: /);
  });
});
