import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simdKernelsBinary } from './internal/simd-kernels-binary.js';
import type { SimdKernels } from './internal/simd-kernels.js';

// The .wasm bytes are committed (users and CI have no clang); these checks catch a hand-edited
// artifact or a C source changed without re-running scripts/build-kernels.sh.
describe('the committed SIMD kernel module', () => {
  it.each(['plain', 'shared'] as const)('%s variant matches its recorded SHA-256 and is valid WebAssembly', (variant) => {
    const bytes = Buffer.from(simdKernelsBinary[variant].base64, 'base64');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(simdKernelsBinary[variant].sha256);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
    expect(imports).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
  });
  it('was built from the committed C source', () => {
    const source = readFileSync(new URL('../csrc/training-kernels.c', import.meta.url));
    expect(createHash('sha256').update(source).digest('hex'), 'csrc/training-kernels.c changed: run scripts/build-kernels.sh').toBe(simdKernelsBinary.sourceSha256);
  });
});

// The tests of the kernels against cpu load wasm with threads (the shared-memory variant); this
// runs the plain variant, which single-threaded tfjs uses, on a memory of its own.
describe('the plain-memory SIMD module', () => {
  it('computes column sums and per-channel batch norm like a plain loop', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const module = new WebAssembly.Module(Buffer.from(simdKernelsBinary.plain.base64, 'base64'));
    const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
    const floats = new Float32Array(memory.buffer);
    const rows = 7;
    const columns = 6; // one 4-wide vector plus a scalar tail
    const x = Array.from({ length: rows * columns }, (_, i) => Math.sin(i) * 3);
    floats.set(x, 0);
    // Layout in floats: x at 0, out at 64, scratch (doubles) at 128, statistics at 160/170/180.
    kernels.column_sums(64 * 4, 0, 128 * 4, rows, columns);
    for (let j = 0; j < columns; j++) {
      const expected = x.filter((_, i) => i % columns === j).reduce((a, b) => a + b, 0);
      expect(floats[64 + j]).toBeCloseTo(expected, 5);
    }
    const mean = [0.5, -1, 2, 0, 1, -0.25];
    const factor = [1, 2, 0.5, -1, 3, 1.5];
    const offset = [0, 1, -1, 2, 0.5, 0];
    floats.set(mean, 160);
    floats.set(factor, 170);
    floats.set(offset, 180);
    kernels.batch_norm_channels(64 * 4, 0, 160 * 4, 170 * 4, 180 * 4, rows, columns);
    x.forEach((value, i) => {
      const j = i % columns;
      expect(floats[64 + i]).toBeCloseTo((value - mean[j]!) * factor[j]! + offset[j]!, 5);
    });
  });
});


describe('the plain-memory SIMD convolution gradients', () => {
  it('match plain loops (stride 2, padding, C = 3, CO = 11: vector and scalar tails)', () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    const module = new WebAssembly.Module(Buffer.from(simdKernelsBinary.plain.base64, 'base64'));
    const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
    const floats = new Float32Array(memory.buffer);
    const [batch, height, width, channels, filterHeight, filterWidth, outChannels] = [2, 7, 6, 3, 3, 3, 11];
    const [stride, padTop, padLeft] = [2, 1, 1];
    const outHeight = 4;
    const outWidth = 3;
    const paddedHeight = (outHeight - 1) * stride + filterHeight;
    const paddedWidth = (outWidth - 1) * stride + filterWidth;
    const depth = filterHeight * filterWidth * channels;
    const paddedDepth = (depth + 7) & ~7;
    // Float offsets of each buffer in the memory.
    const at = { x: 0, dy: 1000, w: 2000, xp: 3000, dw: 4000, wt: 5000, dxp: 7000, dx: 9000 };
    const x = Array.from({ length: batch * height * width * channels }, (_, i) => Math.sin(i));
    const dy = Array.from({ length: batch * outHeight * outWidth * outChannels }, (_, i) => Math.cos(i * 0.7));
    const w = Array.from({ length: depth * outChannels }, (_, i) => Math.sin(i * 1.3));
    floats.set(x, at.x);
    floats.set(dy, at.dy);
    floats.set(w, at.w);
    const expectedDw = new Float64Array(depth * outChannels);
    const expectedDx = new Float64Array(x.length);
    for (let n = 0; n < batch; n++) {
      for (let oh = 0; oh < outHeight; oh++) {
        for (let ow = 0; ow < outWidth; ow++) {
          for (let k = 0; k < depth; k++) {
            const c = k % channels;
            const kw = Math.floor(k / channels) % filterWidth;
            const kh = Math.floor(k / channels / filterWidth);
            const h = oh * stride + kh - padTop;
            const v = ow * stride + kw - padLeft;
            if (h < 0 || h >= height || v < 0 || v >= width) continue;
            const xi = ((n * height + h) * width + v) * channels + c;
            for (let co = 0; co < outChannels; co++) {
              const g = dy[((n * outHeight + oh) * outWidth + ow) * outChannels + co]!;
              expectedDw[k * outChannels + co]! += x[xi]! * g;
              expectedDx[xi]! += w[k * outChannels + co]! * g;
            }
          }
        }
      }
    }
    kernels.pad_images(at.xp * 4, at.x * 4, batch, height, width, channels, padTop, padLeft, paddedHeight, paddedWidth);
    kernels.conv2d_backprop_filter(at.dw * 4, at.xp * 4, at.dy * 4, batch, paddedHeight, paddedWidth, channels, filterHeight, filterWidth, outHeight, outWidth, outChannels, stride, stride);
    kernels.transpose_filter(at.wt * 4, at.w * 4, depth, outChannels, paddedDepth);
    kernels.conv2d_backprop_input(at.dxp * 4, at.dy * 4, at.wt * 4, batch, paddedHeight, paddedWidth, channels, filterHeight, filterWidth, outHeight, outWidth, outChannels, stride, stride);
    kernels.crop_images(at.dx * 4, at.dxp * 4, batch, height, width, channels, padTop, padLeft, paddedHeight, paddedWidth);
    expectedDw.forEach((value, i) => expect(floats[at.dw + i]).toBeCloseTo(value, 4));
    expectedDx.forEach((value, i) => expect(floats[at.dx + i]).toBeCloseTo(value, 4));
  });
});
