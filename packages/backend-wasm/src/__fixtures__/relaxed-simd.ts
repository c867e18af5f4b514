/**
 * Imported first by test files (for its side effect): lets Node 20 validate relaxed SIMD, so the
 * tests run the FMA build of our kernels as apps do (apps/cli sets the same flag at startup; Node
 * ≥ 22 has it on by default). vitest runs each test file in its own forked process, so the flag
 * reaches no other package's tests. Set at run time, before any WebAssembly is compiled.
 */
import { setFlagsFromString } from 'node:v8';

if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');
