import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

// scripts/check-changesets.mjs in a fresh clone of this repository with no remote, as CI has it.
const root = join(import.meta.dirname, '..');
const script = join(root, 'scripts/check-changesets.mjs');
const clone = mkdtempSync(join(tmpdir(), 'changeset-check-'));
afterAll(() => rmSync(clone, { recursive: true, force: true }));

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: clone, encoding: 'utf8' });
const check = () => spawnSync(process.execPath, [script, '--since', 'base'], { cwd: clone, encoding: 'utf8' });

it('fails for a changed package no changeset names, and passes once one does', () => {
  execFileSync('git', ['clone', '--quiet', root, clone]);
  git('remote', 'remove', 'origin');
  git('branch', 'base');
  git('checkout', '--quiet', '-b', 'feature');

  appendFileSync(join(clone, 'packages/datasets/src/augment.test.ts'), '\n// a test-only change needs no changeset\n');
  git('commit', '--quiet', '-am', 'test only');
  let result = check();
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/0 changed package\(s\)/);

  appendFileSync(join(clone, 'packages/datasets/src/index.ts'), '\n// a shipped change\n');
  appendFileSync(join(clone, 'packages/backend/src/index.ts'), '\n// another\n');
  git('commit', '--quiet', '-am', 'shipped change');
  result = check();
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/packages changed since base \(@digitlab\/backend, @digitlab\/datasets\) and no changeset was added/);

  writeFileSync(join(clone, '.changeset/datasets-only.md'), "---\n'@digitlab/datasets': patch\n---\n\nA comment.\n");
  git('add', '-A');
  git('commit', '--quiet', '-m', 'changeset for one of the two');
  result = check();
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/@digitlab\/backend: changed since base \(packages\/backend\/src\/index\.ts\) but no changeset names it/);
  expect(result.stderr).not.toMatch(/@digitlab\/datasets:/);

  writeFileSync(join(clone, '.changeset/backend-too.md'), "---\n'@digitlab/backend': patch\n---\n\nA comment.\n");
  git('add', '-A');
  git('commit', '--quiet', '-m', 'changeset for the other');
  result = check();
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/2 changed package\(s\) since base, each named by a changeset: @digitlab\/backend, @digitlab\/datasets/);
});

it('names the fix for a base that does not exist', () => {
  const result = spawnSync(process.execPath, [script, '--since', 'no-such-ref'], { cwd: clone, encoding: 'utf8' });
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(/base "no-such-ref" is not a commit here\. Pass one with --since/);
});
