import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simdKernelsBinary } from './internal/simd-kernels-binary.js';

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
