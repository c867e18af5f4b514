#!/usr/bin/env node
// Packs every publishable package of the workspace into one folder (through each package's
// `prepack`: build guard + LICENSE) and checks that the set is coherent as published:
// no `workspace:`/`catalog:` range left, every internal dependency and peer range satisfied by the
// version packed beside it, LICENSE and README in every tarball, `repository.directory` right, no
// README link and no source map pointing at a file the tarball does not hold.
// Usage: node scripts/pack-workspace.mjs [DEST]   (prints each tarball, its size, and any problem)
// Used by test-support/packaging.test.ts and scripts/release-dry-run.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `npx -y pnpm@<version>` with the version of the root `packageManager` field (one definition). */
export function pnpmCommand(root = repositoryRoot) {
  const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return ['npx', ['-y', packageManager]];
}

/** Package folders (relative to root) that publish: packages/* and apps/* not private. */
export function publishableDirectories(root = repositoryRoot) {
  return ['packages', 'apps'].flatMap((parent) =>
    readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, parent, entry.name, 'package.json')))
      .map((entry) => `${parent}/${entry.name}`)
      .filter((dir) => !JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).private),
  );
}

/**
 * Packs every publishable package into `destination` with pnpm (which rewrites `workspace:` and
 * `catalog:` ranges as publishing does) and returns one record per tarball.
 * @returns {{ dir: string, file: string, bytes: number, manifest: any, files: string[], read: (path: string) => string }[]}
 */
export function packWorkspace(destination, root = repositoryRoot) {
  const dirs = publishableDirectories(root);
  const [command, prefix] = pnpmCommand(root);
  const filters = dirs.flatMap((dir) => ['--filter', `./${dir}`]);
  execFileSync(command, [...prefix, '-r', ...filters, 'pack', '--pack-destination', destination], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return dirs.map((dir) => {
    const { name, version } = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const file = join(destination, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
    const unpacked = join(destination, 'unpacked', name.replace(/^@/, '').replace('/', '-'));
    mkdirSync(unpacked, { recursive: true });
    execFileSync('tar', ['-xzf', file, '-C', unpacked, '--strip-components=1']);
    const files = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean).map((path) => path.replace(/^package\//, ''));
    const read = (path) => readFileSync(join(unpacked, path), 'utf8');
    return { dir, file, bytes: statSync(file).size, manifest: JSON.parse(read('package.json')), files, read };
  });
}

const dependencyFields = ['dependencies', 'peerDependencies', 'optionalDependencies'];

/** Problems that would make the packed set incoherent as published; empty when it is fine. */
export function coherenceProblems(packs) {
  const problems = [];
  const versions = new Map(packs.map(({ manifest }) => [manifest.name, manifest.version]));
  for (const { dir, manifest, files, read } of packs) {
    const at = `${manifest.name}@${manifest.version}`;
    for (const field of [...dependencyFields, 'devDependencies']) {
      for (const [name, range] of Object.entries(manifest[field] ?? {})) {
        if (/^(workspace|catalog):/.test(range)) problems.push(`${at}: ${field}.${name} is still "${range}" in the tarball`);
      }
    }
    for (const field of dependencyFields) {
      for (const [name, range] of Object.entries(manifest[field] ?? {})) {
        const packed = versions.get(name);
        if (packed !== undefined && !semver.satisfies(packed, range)) problems.push(`${at}: ${field}.${name} "${range}" does not accept ${name}@${packed} packed beside it`);
      }
    }
    for (const required of ['LICENSE', 'README.md']) if (!files.includes(required)) problems.push(`${at}: no ${required} in the tarball`);
    if (manifest.repository?.directory !== dir) problems.push(`${at}: repository.directory is "${manifest.repository?.directory}", expected "${dir}"`);
    for (const key of ['homepage', 'bugs', 'keywords', 'license', 'engines']) if (manifest[key] === undefined) problems.push(`${at}: no "${key}" in package.json`);
    // npm shows the README on its own: a relative link or image must be a file of the tarball.
    if (files.includes('README.md')) {
      for (const [, href] of read('README.md').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^([a-z]+:|#)/i.test(href)) continue;
        const target = posix.normalize(href.split('#')[0]);
        if (!files.some((file) => file === target || file.startsWith(`${target.replace(/\/$/, '')}/`))) problems.push(`${at}: README.md links ${href}, which the tarball does not hold: link it by its repository URL`);
      }
    }
    for (const map of files.filter((path) => path.endsWith('.map'))) {
      const { sources = [] } = JSON.parse(read(map));
      for (const source of sources) {
        const target = posix.normalize(posix.join(posix.dirname(map), source));
        if (!files.includes(target)) problems.push(`${at}: ${map} points at ${target}, which the tarball does not hold`);
      }
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const destination = process.argv[2] ? resolve(process.argv[2]) : mkdtempSync(join(tmpdir(), 'digitlab-packs-'));
  const packs = packWorkspace(destination);
  for (const { manifest, file, bytes, files } of packs) console.log(`${manifest.name}@${manifest.version}\t${bytes} bytes\t${files.length} files\t${file}`);
  const problems = coherenceProblems(packs);
  for (const problem of problems) console.error(problem);
  if (!process.argv[2]) rmSync(destination, { recursive: true, force: true });
  process.exit(problems.length > 0 ? 1 : 0);
}
