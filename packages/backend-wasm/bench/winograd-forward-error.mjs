// @digitlab-bench skip: a developer tool for kernel work; pnpm bench measures throughput through digitlab bench
// Rounding of the forward F(4×4, 3×3) convolution (conv2dChoice.tile 4) against a direct sum in float64,
// as the max-norm relative error of src/tolerances.ts, on 'same' layers from 14 × 14 × 32 to 4 × 4 × 512,
// inputs uniform [-0.5, 0.5) and post-ReLU (half of x exactly 0); for each build given, each in its own
// process (the kernel tests compare with the cpu backend at batch 2). Run after `npx tsc --build packages/backend-wasm`:
//   node packages/backend-wasm/bench/winograd-forward-error.mjs [--dist dist,.cache/head/dist]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadBuild } from './relaxed-simd.mjs';

// [side, C = CO, batch, post-ReLU]
const layers = [
  [14, 32, 4, false],
  [7, 64, 8, false],
  [4, 128, 8, false],
  [28, 16, 4, true],
  [7, 256, 2, true],
  [4, 512, 2, true],
];

const args = process.argv.slice(2);
if (args[0] === '--child') {
  const dist = args[1];
  const tf = await import('@tensorflow/tfjs-core');
  await loadBuild(dist, 1);
  const { conv2dChoice } = await import(new URL(`../${dist}/kernels/conv2d.js`, import.meta.url).href);
  conv2dChoice.tile = 4;
  let seed = 1;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  for (const [side, channels, batch, relu] of layers) {
    const x = Float32Array.from({ length: batch * side * side * channels }, () => (relu ? Math.max(0, random()) : random()));
    const w = Float32Array.from({ length: 9 * channels * channels }, () => random() * 0.1);
    const y = tf.tidy(() => tf.conv2d(tf.tensor4d(x, [batch, side, side, channels]), tf.tensor4d(w, [3, 3, channels, channels]), 1, 'same').dataSync());
    let error = 0;
    let scale = 0;
    for (let n = 0; n < batch; n++) {
      for (let i = 0; i < side; i++) {
        for (let j = 0; j < side; j++) {
          for (let o = 0; o < channels; o++) {
            let sum = 0;
            for (let kh = 0; kh < 3; kh++) {
              for (let kw = 0; kw < 3; kw++) {
                const [r, c] = [i + kh - 1, j + kw - 1];
                if (r < 0 || c < 0 || r >= side || c >= side) continue;
                const xo = ((n * side + r) * side + c) * channels;
                const wo = (kh * 3 + kw) * channels * channels + o;
                for (let k = 0; k < channels; k++) sum += x[xo + k] * w[wo + k * channels];
              }
            }
            const at = ((n * side + i) * side + j) * channels + o;
            error = Math.max(error, Math.abs(y[at] - sum));
            scale = Math.max(scale, Math.abs(sum));
          }
        }
      }
    }
    console.log(`${`${side}×${side}×${channels}${relu ? ' post-ReLU' : ''}`.padEnd(22)} batch ${batch}: ${(error / scale).toExponential(2)}`);
  }
} else {
  const i = args.indexOf('--dist');
  for (const dist of (i >= 0 ? args[i + 1] : 'dist').split(',')) {
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dist], { encoding: 'utf8', timeout: 600_000 });
    console.log(`${dist}: max-norm relative error of F(4×4, 3×3) against a float64 direct sum`);
    process.stdout.write(run.status === 0 ? run.stdout : `exit ${run.status}\n${run.stderr}`);
  }
}
