// Turns clang 14's relaxed-SIMD *prototype* FMA into the standard relaxed_madd, with proof that
// only instructions change. Used by build-kernels.sh:
//   node rewrite-relaxed-madd.mjs FMA.wasm CONTROL.wasm FMA.objdump OUT.wasm
// FMA.wasm: built with -DDIGITLAB_RELAXED_MADD (MADD → __builtin_wasm_fma_f32x4, opcode fd af 01).
// CONTROL.wasm: the same build with that builtin swapped for __builtin_wasm_fms_f32x4 (fd b0 01),
//   an intrinsic of the same type that LLVM treats just as opaquely.
// FMA.objdump: `llvm-objdump -d FMA.wasm`, LLVM's own walk of every instruction of the code section.
// Checks, each fatal:
//   1. every `f32x4.fma` instruction objdump lists sits at bytes fd af 01 of the code section;
//   2. FMA.wasm and CONTROL.wasm have the same length and differ exactly at the second byte of
//      those instructions (af vs b0): the sites are instructions, not immediates or data that
//      happen to hold these bytes, found independently of objdump;
// then writes OUT.wasm with each site rewritten to fd 85 02 (relaxed_madd = 0x105, LEB 85 02: the
// same length, so no size or offset changes) and prints the number of sites.
// Semantics: the prototype computed op0 + op1·op2, relaxed_madd computes op0·op1 + op2; the C
// source's MADD macro passes the operands in relaxed_madd's order (see csrc/training-kernels.c).
import { readFileSync, writeFileSync } from 'node:fs';

const [fmaPath, controlPath, objdumpPath, outPath] = process.argv.slice(2);
if (!outPath) throw new Error('usage: node rewrite-relaxed-madd.mjs FMA.wasm CONTROL.wasm FMA.objdump OUT.wasm');
const fma = readFileSync(fmaPath);
const control = readFileSync(controlPath);
const fail = (message) => {
  process.stderr.write(`rewrite-relaxed-madd: ${message}\n`);
  process.exit(1);
};

// Byte range of the code section's payload (section id 10); objdump's addresses are relative to it.
function readUnsignedLeb(bytes, offset) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[offset++];
    if (byte === undefined) fail('truncated LEB128');
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return { value, next: offset };
  }
}
if (fma.readUInt32LE(0) !== 0x6d736100) fail(`${fmaPath} is not a WebAssembly module`);
let codeStart = -1;
let codeEnd = -1;
for (let offset = 8; offset < fma.length; ) {
  const id = fma[offset];
  const { value: size, next } = readUnsignedLeb(fma, offset + 1);
  if (id === 10) [codeStart, codeEnd] = [next, next + size];
  offset = next + size;
}
if (codeStart < 0) fail(`${fmaPath} has no code section`);

// 1. The sites LLVM's disassembler decodes as f32x4.fma.
const sites = [];
let instructions = 0;
for (const line of readFileSync(objdumpPath, 'utf8').split('\n')) {
  const match = /^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*\t(\S+)/.exec(line);
  if (!match) continue;
  instructions++;
  const [, address, hex, mnemonic] = match;
  const at = codeStart + Number.parseInt(address, 16);
  const bytes = hex.trim().split(' ').map((h) => Number.parseInt(h, 16));
  if (at + bytes.length > codeEnd || bytes.some((byte, i) => fma[at + i] !== byte)) {
    fail(`objdump's instruction at 0x${address} (${mnemonic}) does not match the file's bytes`);
  }
  if (mnemonic === 'f32x4.fma') {
    if (bytes.join(' ') !== '253 175 1') fail(`f32x4.fma at 0x${address} is encoded as ${hex.trim()}, expected fd af 01`);
    sites.push(at);
  } else if (/unknown|invalid/i.test(mnemonic)) {
    fail(`objdump could not decode the instruction at 0x${address}`);
  }
}
if (instructions === 0) fail('objdump listed no instructions');
if (sites.length === 0) fail('no f32x4.fma instruction: was the FMA build compiled with -DDIGITLAB_RELAXED_MADD -mrelaxed-simd?');

// 2. The control build differs exactly at the opcode bytes of those sites.
if (control.length !== fma.length) fail(`the control build has ${control.length} bytes, the FMA build ${fma.length}: codegen differs beyond the opcode`);
const differing = [];
for (let i = 0; i < fma.length; i++) if (fma[i] !== control[i]) differing.push(i);
const expected = sites.map((site) => site + 1);
if (differing.join() !== expected.join() || differing.some((i) => fma[i] !== 0xaf || control[i] !== 0xb0)) {
  fail(`the FMA and control builds differ at byte offsets [${differing.join(', ')}], expected exactly the f32x4.fma opcodes at [${expected.join(', ')}]`);
}

const out = Buffer.from(fma);
for (const site of sites) {
  out[site + 1] = 0x85;
  out[site + 2] = 0x02;
}
writeFileSync(outPath, out);
process.stdout.write(`${sites.length}\n`);
