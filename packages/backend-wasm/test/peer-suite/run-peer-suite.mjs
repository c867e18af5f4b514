/**
 * Runs tfjs-core's own op tests (its npm package's `dist/**_test.js`, jasmine) against a wasm
 * backend in a child Node process and returns one result per spec.
 *
 * The spec files, tfjs-core, tfjs-backend-wasm and our packages' `src/` are bundled into one ES
 * module with esbuild, so everything shares one copy of tfjs-core (its engine, kernel and gradient
 * registries). A child process keeps jasmine's globals and tfjs's global engine out of the
 * vitest worker.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..');
const require = createRequire(join(packageDir, 'package.json'));
/** tfjs-core's `dist/` folder, where its test files live. */
const tfjsCoreDist = join(dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist');
const wasmPaths = `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`;

// The bundle is an ES module; tfjs-backend-wasm's emscripten glue and tfjs-core's jasmine_util use
// `require`, `__dirname` and `__filename`.
const nodeGlobalsBanner = [
  "import { createRequire as __peerCreateRequire } from 'node:module';",
  "import { fileURLToPath as __peerFileURLToPath } from 'node:url';",
  'const require = __peerCreateRequire(import.meta.url);',
  'const __filename = __peerFileURLToPath(import.meta.url);',
  "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
].join('\n');

/**
 * The source of a bundle entry that runs `files` through `main` (node-main.ts' `runInNode` or
 * page-main.ts' `runInPage`). The specs are imported by `import()` inside the main, after
 * install-jasmine.ts has put jasmine's globals in place (they call `describe` at import).
 * @param {string} mainModule absolute path of the main module
 * @param {string} mainExport its exported function
 * @param {readonly string[]} files tfjs-core test files relative to its `dist/`
 * @returns {string}
 */
export function specEntrySource(mainModule, mainExport, files) {
  const loaders = files.map((file) => `  { file: ${JSON.stringify(file)}, load: () => import(${JSON.stringify(join(tfjsCoreDist, file))}) }`);
  return `import { ${mainExport} } from ${JSON.stringify(mainModule)};\nawait ${mainExport}([\n${loaders.join(',\n')}\n]);\n`;
}

/**
 * @param {{ backend: 'ours' | 'stock', files: readonly string[], timeoutMs?: number }} options
 *   `files`: tfjs-core test files relative to its `dist/` (e.g. `ops/conv2d_test.js`).
 * @returns {Promise<import('./peer-suite-result.js').PeerSuiteOutcome & { bundleMs: number, runMs: number }>}
 */
export async function runPeerSuite({ backend, files, timeoutMs = 300_000 }) {
  if (files.length === 0) throw new Error('runPeerSuite: no test files given; pass tfjs-core test files such as "ops/conv2d_test.js".');
  // Inside this package, so the bundle resolves @tensorflow/tfjs-backend-wasm as an installed app would
  // (the plugin's detect() resolves it from the calling module).
  const cacheDir = join(packageDir, 'node_modules', '.cache');
  await mkdir(cacheDir, { recursive: true });
  const workDir = await mkdtemp(join(cacheDir, 'peer-suite-'));
  try {
    const entry = specEntrySource(join(here, 'node-main.ts'), 'runInNode', files);
    const entryFile = join(workDir, 'entry.ts');
    await writeFile(entryFile, entry);
    const outfile = join(workDir, 'peer-suite.mjs');
    const bundleStart = performance.now();
    await build({
      entryPoints: [entryFile],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // tfjs's ES modules (one tfjs-core for the specs, tfjs-backend-wasm and our src), our src.
      mainFields: ['module', 'main'],
      conditions: ['@digitlab/source'],
      // tfjs-core's jasmine_util requires jasmine-core, a dev dependency of this package, not of tfjs-core.
      nodePaths: [join(packageDir, 'node_modules')],
      banner: { js: nodeGlobalsBanner },
      logLevel: 'silent',
    });
    const bundleMs = performance.now() - bundleStart;
    const resultsFile = join(workDir, 'results.json');
    const runStart = performance.now();
    const { code, output } = await runChild(outfile, resultsFile, { PEER_BACKEND: backend, PEER_WASM_PATHS: wasmPaths }, timeoutMs);
    const runMs = performance.now() - runStart;
    let results;
    try {
      results = JSON.parse(await readFile(resultsFile, 'utf8'));
    } catch {
      throw new Error(`the peer suite (${backend}) wrote no results (exit ${code}). Its output ends:\n${output.slice(-4000)}`);
    }
    return { ...results, bundleMs, runMs };
  } finally {
    // PEER_KEEP=1 keeps the bundle (node_modules/.cache/peer-suite-*) to rerun or read it.
    if (!process.env.PEER_KEEP) await rm(workDir, { recursive: true, force: true });
  }
}

/** Runs the bundle; resolves with its exit code and output (stdout and stderr, last 64 KB). */
function runChild(outfile, resultsFile, env, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [outfile, resultsFile], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const append = (chunk) => {
      output = (output + chunk).slice(-65_536);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the peer suite ran past ${timeoutMs} ms and was killed. Its output ends:\n${output.slice(-4000)}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
