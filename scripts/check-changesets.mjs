#!/usr/bin/env node
// Every publishable package changed since a base ref must be named by a changeset added since then.
// Usage: node scripts/check-changesets.mjs [--since <ref>]   (default: $CHANGESET_BASE, else main)
// Works in a fresh clone with no remote: it needs only the base ref and `changeset status`, whose
// JSON (`--output`) lists the changesets added since the base and the packages each one names.
// (`changeset status` alone only fails when no changeset at all was added.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const toolRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const cwd = process.cwd();
const { values } = parseArgs({ options: { since: { type: 'string' } } });
const base = values.since ?? process.env.CHANGESET_BASE ?? 'main';
const git = (...args) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

try {
  git('rev-parse', '--verify', '--quiet', `${base}^{commit}`);
} catch {
  console.error(`check-changesets: base "${base}" is not a commit here. Pass one with --since <ref> or CHANGESET_BASE (a branch, tag or hash).`);
  process.exit(2);
}
const mergeBase = git('merge-base', base, 'HEAD');
if (mergeBase === git('rev-parse', 'HEAD')) {
  console.log(`check-changesets: HEAD is ${base} (or behind it): nothing to check.`);
  process.exit(0);
}

// Publishable packages: packages/* and apps/* that are not private and not ignored by changesets.
const config = JSON.parse(readFileSync(join(cwd, '.changeset/config.json'), 'utf8'));
const packages = ['packages', 'apps'].flatMap((parent) =>
  readdirSync(join(cwd, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(cwd, parent, entry.name, 'package.json')))
    .map((entry) => ({ dir: `${parent}/${entry.name}`, manifest: JSON.parse(readFileSync(join(cwd, parent, entry.name, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private && !(config.ignore ?? []).includes(manifest.name)),
);

// Files that do not reach users: tests, fixtures and benchmarks.
const notShipped = /(\.test\.ts$|\/__fixtures__\/|^[^/]+\/[^/]+\/bench\/)/;
const changedFiles = git('diff', '--name-only', mergeBase, 'HEAD').split('\n').filter((file) => file && !notShipped.test(file));
const changed = packages.filter(({ dir }) => changedFiles.some((file) => file.startsWith(`${dir}/`)));
if (changed.length === 0) {
  console.log(`check-changesets: 0 changed package(s) since ${base}: nothing needs a changeset.`);
  process.exit(0);
}

const outputDir = mkdtempSync(join(tmpdir(), 'changeset-status-'));
const output = join(outputDir, 'status.json');
try {
  const changesetBin = join(toolRoot, 'node_modules', '@changesets', 'cli', 'bin.js');
  execFileSync(process.execPath, [changesetBin, 'status', `--since=${mergeBase}`, `--output=${output}`], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
} catch {
  // `changeset status` exits 1 when packages changed and no changeset was added at all.
  if (!existsSync(output)) {
    console.error(`check-changesets: packages changed since ${base} (${changed.map(({ manifest }) => manifest.name).join(', ')}) and no changeset was added. Run \`pnpm changeset\`.`);
    process.exit(1);
  }
}
const status = JSON.parse(readFileSync(output, 'utf8'));
rmSync(outputDir, { recursive: true, force: true });
const named = new Set(status.changesets.flatMap((changeset) => changeset.releases.map((release) => release.name)));
const missing = changed.filter(({ manifest }) => !named.has(manifest.name));
if (missing.length > 0) {
  for (const { dir, manifest } of missing) {
    const files = changedFiles.filter((file) => file.startsWith(`${dir}/`));
    console.error(`${manifest.name}: changed since ${base} (${files.slice(0, 3).join(', ')}${files.length > 3 ? `, +${files.length - 3} more` : ''}) but no changeset names it.`);
  }
  console.error('Add one with `pnpm changeset` (or a hand-written .changeset/<name>.md) naming each package above.');
  process.exit(1);
}
console.log(`check-changesets: ${changed.length} changed package(s) since ${base}, each named by a changeset: ${changed.map(({ manifest }) => manifest.name).join(', ') || 'none'}.`);
