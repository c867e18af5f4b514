#!/usr/bin/env node
// What `pnpm release` would publish, without publishing: in a fresh clone of HEAD (in a temp
// folder; this checkout is untouched) it installs offline from the pnpm store, runs the version
// step (`changeset version` + version constants), packs every publishable package through its
// prepack build guard, checks the set's coherence (scripts/pack-workspace.mjs), and runs
// `pnpm -r publish --dry-run`. Prints the versions it would publish.
// Usage: node scripts/release-dry-run.mjs [--keep]   (needs `pnpm install` done here first)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coherenceProblems, packWorkspace, pnpmCommand, repositoryRoot } from './pack-workspace.mjs';

const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'digitlab-release-'));
const clone = join(work, 'repo');
const [command, prefix] = pnpmCommand();
const inClone = (file, args) => execFileSync(file, args, { cwd: clone, stdio: ['ignore', 'inherit', 'inherit'] });
try {
  execFileSync('git', ['clone', '--quiet', repositoryRoot, clone]);
  inClone(command, [...prefix, 'install', '--frozen-lockfile', '--offline', '--reporter=silent']);
  inClone(command, [...prefix, 'run', 'version-packages']);
  const packs = packWorkspace(join(work, 'tarballs'), clone);
  const problems = coherenceProblems(packs);
  console.log('\nWould publish:');
  for (const { manifest, bytes, files } of packs) console.log(`  ${manifest.name}@${manifest.version}  ${(bytes / 1024).toFixed(1)} KB, ${files.length} files`);
  if (problems.length > 0) {
    console.error(`\nThe set is not coherent:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    inClone(command, [...prefix, '-r', 'publish', '--dry-run', '--no-git-checks', '--reporter=silent']);
    console.log('\nCoherent: ranges published, internal versions agree, LICENSE/README/metadata in each, `pnpm -r publish --dry-run` passed.');
  }
} finally {
  if (keep) console.log(`Kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
