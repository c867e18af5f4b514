#!/usr/bin/env node
// Rebuilds @digitlab/backend-wasm's SIMD kernels from csrc/ with Debian's clang 14
// (packages/backend-wasm/scripts/build-kernels.sh) and checks that every file the build writes is
// byte for byte the committed one. The toolchain is found, or installed as root with apt-get
// (clang-14, lld-14, llvm-14: Debian bookworm), like scripts/ensure-chromium.mjs installs Chromium;
// anything else fails here saying how to fix it. The working tree is never written.
// Usage: node scripts/check-kernels.mjs   (pnpm kernels:check)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = join(root, 'packages/backend-wasm');
const tools = ['clang-14', 'llvm-objdump-14', 'wasm-ld-14'];
const packages = ['clang-14', 'lld-14', 'llvm-14'];
const has = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

let missing = tools.filter((tool) => !has(tool));
if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && has('apt-get')) {
    console.log(`kernels: ${missing.join(', ')} not found; installing Debian's ${packages.join(' ')} (apt-get)`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    missing = tools.filter((tool) => !has(tool));
  }
  if (missing.length > 0) {
    console.error(`Rebuilding the wasm kernels needs ${missing.join(', ')}. Fix: \`sudo apt-get install ${packages.join(' ')}\` (Debian bookworm), then run this again.`);
    process.exit(1);
  }
}

// The build runs in a copy of the package (sources only), so the working tree is never touched;
// then every file of the copy must equal the original.
const copy = mkdtempSync(join(tmpdir(), 'digitlab-kernels-'));
try {
  cpSync(packageDir, copy, { recursive: true, filter: (source) => !/[\\/](node_modules|dist)$/.test(source) });
  execFileSync('sh', [join(copy, 'scripts/build-kernels.sh')], { stdio: 'inherit' });
  const differing = readdirSync(copy, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(copy, join(entry.parentPath, entry.name)))
    .filter((file) => !readFileSync(join(copy, file)).equals(readFileSync(join(packageDir, file))));
  if (differing.length > 0) {
    console.error(`kernels: the rebuild from csrc/ differs from the files in packages/backend-wasm: ${differing.join(', ')}.`);
    console.error('Either csrc/ changed without a rebuild (run `sh packages/backend-wasm/scripts/build-kernels.sh` and commit), or the toolchain differs from clang 14.');
    process.exit(1);
  }
  console.log('kernels: rebuilt from csrc/ with clang 14; byte for byte the committed files.');
} finally {
  rmSync(copy, { recursive: true, force: true });
}
