#!/usr/bin/env node
// Makes sure a Chromium exists for the browser tests, before `pnpm test` runs them.
// Order: $CHROMIUM_PATH, the Debian/Ubuntu paths, then (as root with apt-get) `apt-get install chromium`.
// Anything else fails here, saying how to fix it: a missing browser is never a silent skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromiumCandidates } from '../test-support/browser/chromium-path.mjs';

const found = chromiumCandidates().find((path) => existsSync(path));
if (found) {
  console.log(`chromium: ${found}`);
  process.exit(0);
}
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (isRoot && hasApt) {
  console.log('chromium: not found; installing Debian\'s chromium (apt-get install -y chromium) for the browser tests');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const installed = chromiumCandidates().find((path) => existsSync(path));
  if (installed) {
    console.log(`chromium: ${installed}`);
    process.exit(0);
  }
}
console.error(
  [
    'The browser tests need Chromium and none was found.',
    `Looked at: ${chromiumCandidates().join(', ')}.`,
    'Fix: install it (Debian/Ubuntu: `sudo apt-get install chromium`), or point CHROMIUM_PATH at a Chromium or Chrome executable.',
  ].join('\n'),
);
process.exit(1);
