// First: the relaxed (FMA) builds must validate in this Node 20 process (see the fixture).
import './__fixtures__/relaxed-simd.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { simdKernelsBinary } from './internal/simd-kernels-binary.js';
import { relaxedSimdSupported, type SimdKernels } from './internal/simd-kernels.js';

const variants = ['plain', 'shared', 'relaxedPlain', 'relaxedShared'] as const;
type Variant = (typeof variants)[number];

/** A variant's kernels on a fresh memory of its own kind (the shared builds import a shared one). */
function instantiate(variant: Variant, pages: number): { kernels: SimdKernels; floats: Float32Array } {
  const shared = variant === 'shared' || variant === 'relaxedShared';
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
  const module = new WebAssembly.Module(Buffer.from(simdKernelsBinary[variant].base64, 'base64'));
  const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
  return { kernels, floats: new Float32Array(memory.buffer) };
}

// The .wasm bytes are committed (users and CI have no clang); these checks catch a hand-edited
// artifact or a C source changed without re-running scripts/build-kernels.sh.
describe('the committed SIMD kernel module', () => {
  it('relaxed SIMD validates in this process (the FMA builds below are really run)', () => {
    expect(relaxedSimdSupported()).toBe(true);
  });
  it.each(variants)('%s variant matches its recorded SHA-256 and is valid WebAssembly', (variant) => {
    const bytes = Buffer.from(simdKernelsBinary[variant].base64, 'base64');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(simdKernelsBinary[variant].sha256);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
    expect(imports).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
  });
  it.each(['relaxedPlain', 'relaxedShared'] as const)('%s differs from clang\'s output only by its relaxed_madd opcodes', (variant) => {
    // The committed bytes with every relaxed_madd (fd 85 02) turned back into clang 14's prototype
    // opcode (fd af 01) must hash to the recorded clang output: nothing else was edited.
    const bytes = Buffer.from(simdKernelsBinary[variant].base64, 'base64');
    let sites = 0;
    for (let i = bytes.indexOf(Buffer.from([0xfd, 0x85, 0x02])); i >= 0; i = bytes.indexOf(Buffer.from([0xfd, 0x85, 0x02]), i + 3)) {
      bytes[i + 1] = 0xaf;
      bytes[i + 2] = 0x01;
      sites++;
    }
    expect(sites).toBe(simdKernelsBinary[variant].sites);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(simdKernelsBinary[variant].clangSha256);
  });
  it('ships its bytes once: the declaration tsc emits types them as string, with no module inside', () => {
    const file = new URL('./internal/simd-kernels-binary.ts', import.meta.url).pathname;
    const options = { declaration: true, emitDeclarationOnly: true, strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, skipLibCheck: true, types: [] };
    let declaration = '';
    const emitted = ts.createProgram([file], options).emit(undefined, (name, text) => {
      if (name.endsWith('.d.ts')) declaration = text;
    });
    expect(emitted.diagnostics).toEqual([]);
    expect(declaration).toMatch(/export declare const simdKernelsBinary: SimdKernelsBinary;/);
    for (const variant of variants) expect(declaration).not.toContain(simdKernelsBinary[variant].base64.slice(0, 64));
    expect(declaration.length).toBeLessThan(2_000);
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
    const { kernels, floats } = instantiate('plain', 1);
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

  it.each([
    [4, 8],
    [16, 32],
    [5, 7],
    [9, 3],
    [1, 6],
  ])('transposes a %i × %i matrix (4 × 4 blocks and the rows and columns past them)', (rows, columns) => {
    const { kernels, floats } = instantiate('plain', 1);
    const m = Array.from({ length: rows * columns }, (_, i) => i + 1);
    floats.set(m, 0);
    floats.fill(-1, 1024, 1024 + rows * columns);
    kernels.transpose_matrix(1024 * 4, 0, rows, columns);
    const expected = Array.from({ length: rows * columns }, (_, k) => m[(k % rows) * columns + Math.floor(k / rows)]);
    expect(Array.from(floats.subarray(1024, 1024 + rows * columns))).toEqual(expected);
    expect(floats[1024 + rows * columns]).toBe(0); // nothing written past the matrix
  });
});

// The kernel tests against cpu run one build (FMA, shared memory: threads); this runs the
// convolution gradients of every build, plain and FMA, on a memory of their own.
describe('the SIMD convolution gradients of each build', () => {
  it.each(variants)('%s: match plain loops (stride 2, padding, C = 3, CO = 11: vector and scalar tails)', (variant) => {
    const { kernels, floats } = instantiate(variant, 2);
    const [batch, height, width, channels, filterHeight, filterWidth, outChannels] = [2, 7, 6, 3, 3, 3, 11];
    const [stride, padTop, padLeft] = [2, 1, 1];
    const outHeight = 4;
    const outWidth = 3;
    const paddedHeight = (outHeight - 1) * stride + filterHeight;
    const paddedWidth = (outWidth - 1) * stride + filterWidth;
    const depth = filterHeight * filterWidth * channels;
    const paddedDepth = (depth + 7) & ~7;
    // Float offsets of each buffer in the memory.
    const at = { x: 0, dy: 1000, w: 2000, xp: 3000, dw: 4000, wt: 5000, dxp: 7000, dx: 9000, panel: 11000 };
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
    kernels.conv2d_backprop_input(at.dxp * 4, at.dy * 4, at.wt * 4, at.panel * 4, batch, paddedHeight, paddedWidth, channels, filterHeight, filterWidth, outHeight, outWidth, outChannels, stride, stride);
    kernels.crop_images(at.dx * 4, at.dxp * 4, batch, height, width, channels, padTop, padLeft, paddedHeight, paddedWidth);
    expectedDw.forEach((value, i) => expect(floats[at.dw + i]).toBeCloseTo(value, 4));
    expectedDx.forEach((value, i) => expect(floats[at.dx + i]).toBeCloseTo(value, 4));
  });
});
