import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { transformSync } from 'esbuild';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coherenceProblems, packWorkspace, repositoryRoot, type PackedPackage } from '../scripts/pack-workspace.mjs';

// What users get from npm: every publishable package packed as `pnpm publish` would pack it, then
// checked as a set, by publint and arethetypeswrong, and by installing a library alone in a new
// project (from its tarball, with the peers its README's install line names, from the registry)
// and running its README example in Node.
const run = promisify(execFile);
// A user's shell, not ours: pnpm's bin shims put the workspace's hoisted packages on NODE_PATH,
// which would let a fresh project find packages it never installed.
const { NODE_PATH: _nodePath, NODE_OPTIONS: _nodeOptions, ...userEnvironment } = process.env;
const workDirectory = mkdtempSync(join(tmpdir(), 'digitlab-packaging-'));
let packs: PackedPackage[] = [];

beforeAll(() => {
  packs = packWorkspace(join(workDirectory, 'tarballs'));
  console.log(packs.map(({ manifest, bytes, files }) => `${manifest.name}@${manifest.version}: ${bytes} bytes, ${files.length} files`).join('\n'));
}, 300_000);
afterAll(() => rmSync(workDirectory, { recursive: true, force: true }));

it('packs a coherent set: ranges published, internal versions agreeing, LICENSE, README and metadata in each, no dangling source map', () => {
  expect(packs.length).toBeGreaterThanOrEqual(10);
  expect(coherenceProblems(packs)).toEqual([]);
});

it('publint --strict finds nothing in any tarball', async () => {
  const messages: string[] = [];
  for (const { file, manifest } of packs) {
    const bytes = readFileSync(file);
    const tarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const result = await publint({ pack: { tarball }, strict: true });
    for (const message of result.messages) messages.push(`${manifest.name}: ${formatMessage(message, result.pkg) ?? message.code}`);
  }
  expect(messages).toEqual([]);
});

// attw's "esm-only" profile: these packages are ESM-only, so node10 and require() resolutions are out of scope.
const ignoredResolutions = new Set(['node10', 'node16-cjs']);

it('arethetypeswrong (esm-only profile) finds no type problem in any tarball', async () => {
  const problems: string[] = [];
  for (const { file, manifest } of packs) {
    const result = await checkPackage(createPackageFromTarballData(new Uint8Array(readFileSync(file))));
    if (!result.types) continue; // the CLI: a command, no types to check
    for (const problem of result.problems) {
      if ('resolutionKind' in problem && ignoredResolutions.has(problem.resolutionKind)) continue;
      problems.push(`${manifest.name}: ${JSON.stringify(problem)}`);
    }
  }
  expect(problems).toEqual([]);
});

/** The versions of third-party packages the workspace pins (pnpm-workspace.yaml's catalog). */
function catalogVersions(): Map<string, string> {
  const yaml = readFileSync(join(repositoryRoot, 'pnpm-workspace.yaml'), 'utf8');
  const section = yaml.slice(yaml.indexOf('\ncatalog:'));
  return new Map([...section.matchAll(/^ {2}'?([@\w./-]+)'?: ([\d.]+)$/gm)].map((match) => [match[1]!, match[2]!]));
}

/** The package, then every @digitlab package it depends on, transitively (their tarballs install together). */
function withInternalDependencies(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  const pack = packs.find(({ manifest }) => manifest.name === name);
  if (!pack) throw new Error(`${name} was not packed`);
  for (const dependency of Object.keys(pack.manifest.dependencies ?? {})) {
    if (dependency.startsWith('@digitlab/')) withInternalDependencies(dependency, seen);
  }
  return seen;
}

function readmeOf(name: string): string {
  return packs.find(({ manifest }) => manifest.name === name)!.read('README.md');
}

/** A new npm project with the README's install line: our packages from their tarballs, the rest from the registry at the workspace's versions. */
async function freshProject(name: string): Promise<string> {
  const readme = readmeOf(name);
  const installLine = /```sh\n(npm install [^\n]+)/.exec(readme)?.[1];
  if (!installLine) throw new Error(`${name}'s README has no npm install line`);
  const requested = installLine.replace(/#.*$/, '').trim().split(/\s+/).slice(2);
  expect(requested).toContain(name);
  const internal = new Set<string>();
  for (const entry of requested.filter((entry) => entry.startsWith('@digitlab/'))) withInternalDependencies(entry, internal);
  const pins = catalogVersions();
  const specs = [
    ...[...internal].map((entry) => packs.find(({ manifest }) => manifest.name === entry)!.file),
    ...requested.filter((entry) => !entry.startsWith('@digitlab/')).map((entry) => (pins.has(entry) ? `${entry}@${pins.get(entry)}` : entry)),
  ];
  const project = join(workDirectory, name.replace('@digitlab/', 'project-'));
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh-project', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs], { cwd: project, env: userEnvironment, maxBuffer: 16 * 1024 * 1024 });
  return project;
}

/** The README's "## Example" block, types stripped, run by Node in the project. */
async function runReadmeExample(name: string, project: string): Promise<string> {
  const block = /## Example\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readmeOf(name))?.[1];
  if (!block) throw new Error(`${name}'s README has no "## Example" ts block`);
  writeFileSync(join(project, 'example.mjs'), transformSync(block, { loader: 'ts', format: 'esm', target: 'node20' }).code);
  const { stdout } = await run(process.execPath, ['example.mjs'], { cwd: project, env: userEnvironment, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

// Concurrent: most of each test is npm waiting on the registry.
describe.concurrent('a fresh project installs one library from its tarball with its README install line, and its README example runs', () => {
  it('@digitlab/datasets', async () => {
    const project = await freshProject('@digitlab/datasets');
    const output = await runReadmeExample('@digitlab/datasets', project);
    expect(output).toMatch(/55000 5000 10000 package/);
    expect(output).toMatch(/10000 test images batched/);
  }, 240_000);

  it('@digitlab/models, and without @digitlab/pretrained it names the install command', async () => {
    const project = await freshProject('@digitlab/models');
    const output = await runReadmeExample('@digitlab/models', project);
    expect(output).toMatch(/\[ 2, 10 \]/);
    expect(output).toMatch(/seed-cnn 225034/);
    writeFileSync(
      join(project, 'pretrained.mjs'),
      "import { loadPretrained } from '@digitlab/models/node';\nawait loadPretrained('fast-cnn').catch((error) => console.log(error.name, error.message));\n",
    );
    const { stdout } = await run(process.execPath, ['pretrained.mjs'], { cwd: project, env: userEnvironment });
    expect(stdout).toMatch(/PretrainedNotFoundError .*@digitlab\/pretrained, which is not installed.*npm install @digitlab\/pretrained/);
  }, 240_000);

  it('@digitlab/cli without the native engines (optional peers): --backend tensorflow names the package and its install command, auto moves on, backends lists them as not installed', async () => {
    // The CLI and the @digitlab packages it depends on, from their tarballs, into a new project: npm
    // leaves optional peers out, so @digitlab/backend-node and -cuda are not installed, as for a user.
    const internal = withInternalDependencies('@digitlab/cli');
    expect([...internal].filter((name) => /backend-(node|cuda)$/.test(name))).toEqual([]);
    const project = join(workDirectory, 'project-cli');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh-project', private: true, type: 'module' }));
    const tarballs = [...internal].map((entry) => packs.find(({ manifest }) => manifest.name === entry)!.file);
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], { cwd: project, env: userEnvironment, maxBuffer: 16 * 1024 * 1024 });
    const digitlab = (args: string[]) =>
      run(join(project, 'node_modules', '.bin', 'digitlab'), args, { cwd: project, env: userEnvironment, maxBuffer: 16 * 1024 * 1024 }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );
    const tensorflowFix = 'npm install @digitlab/backend-node @tensorflow/tfjs-node@4.22.0';

    const explicit = await digitlab(['train', '--backend', 'tensorflow', '--out', 'runs/never']);
    expect(explicit.code).toBe(1); // BACKEND_NONE_AVAILABLE: a failure, not a usage error
    expect(explicit.stderr).toContain(`[tensorflow] @digitlab/backend-node not installed (the tensorflow engine is optional) (fix: ${tensorflowFix})`);
    expect(explicit.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(project, 'runs'))).toBe(false);
    const asJson = await digitlab(['train', '--backend', 'tensorflow', '--json']);
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ error: { code: 'BACKEND_NONE_AVAILABLE', message: expect.stringContaining(tensorflowFix) } });

    const listed = await digitlab(['backends', '--json']);
    expect(listed.code).toBe(0);
    const { auto, backends } = JSON.parse(listed.stdout) as { auto: string; backends: { name: string; available: boolean; reason: string; fix?: string }[] };
    expect(auto).toBe('wasm');
    expect(backends.filter((row) => !row.available).map(({ name, reason, fix }) => ({ name, reason, fix }))).toEqual([
      { name: 'cuda', reason: '@digitlab/backend-cuda not installed (the cuda engine is optional)', fix: 'npm install @digitlab/backend-cuda @tensorflow/tfjs-node-gpu@4.22.0' },
      { name: 'tensorflow', reason: '@digitlab/backend-node not installed (the tensorflow engine is optional)', fix: tensorflowFix },
    ]);
    const table = await digitlab(['backends']);
    expect(table.stdout).toMatch(/^tensorflow\s+no\s+300\s.*@digitlab\/backend-node not installed/m);
    expect(table.stdout).toContain(`  tensorflow: ${tensorflowFix}`);

    // auto passes over both and runs on wasm, saying in one line what it passed over.
    const automatic = await digitlab(['evaluate', '--model', 'pretrained:fast-cnn', '--data', 'mnist:per-class=5']);
    expect(automatic.code).toBe(0);
    expect(automatic.stderr).toMatch(/using wasm \(simd.*; cuda, tensorflow not available/);
  }, 300_000);

  it('@digitlab/trainer', async () => {
    const project = await freshProject('@digitlab/trainer');
    const output = await runReadmeExample('@digitlab/trainer', project);
    const accuracy = Number(/test accuracy ([\d.]+)%/.exec(output)?.[1]);
    expect(accuracy).toBeGreaterThan(75);
  }, 240_000);
});
