#!/usr/bin/env node
// Runs before `pnpm pack` / `pnpm publish` in each package (its `prepack` script), so no tarball
// leaves without a current build or without the licence:
// 1. `tsc --build` for the package (incremental: a no-op under a second when dist/ is current, a
//    rebuild of it and its workspace dependencies when a source is newer or dist/ is missing);
// 2. every file the manifest names as an entry point (exports, main, types, bin) must exist;
// 3. the repository's LICENSE is copied to the package root. One text at the root, copied at pack
//    time (and git-ignored in the packages), so the copies can never drift from it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = process.cwd();
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const where = relative(root, packageDir) || '.';

if (existsSync(join(packageDir, 'tsconfig.json'))) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '--build', packageDir], { stdio: 'inherit' });
}

/** Every file path in an exports map, `main`, `types` and `bin`, without the wildcard patterns. */
function entryFiles(value) {
  if (typeof value === 'string') return value.includes('*') ? [] : [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(entryFiles);
  return [];
}
const entries = [manifest.exports, manifest.main, manifest.types, manifest.bin].flatMap(entryFiles);
const missing = entries.filter((file) => !existsSync(join(packageDir, file)));
if (missing.length > 0) {
  console.error(`prepack: ${manifest.name} (${where}) names files that are not there after the build: ${missing.join(', ')}. Fix the build or the manifest.`);
  process.exit(1);
}

copyFileSync(join(root, 'LICENSE'), join(packageDir, 'LICENSE'));
