#!/usr/bin/env node
/**
 * The bad-input matrix: hostile-but-realistic inputs (flags, data files, images, model folders,
 * permissions) run against the built CLI, each in its own temp folder, with a verdict per case.
 *
 *   node scripts/bad-input-matrix.mjs [--cli apps/cli/dist/bin.js] [--only REGEX] [--subset]
 *                                     [--slow] [--concurrency N] [--json]
 *
 * `--slow` adds the cases that take minutes (a wasm out-of-memory at --batch-size 30000 takes two).
 *
 * A case is clean when: the exit code is the expected one; the message (the first `digitlab …:`
 * line on stderr) names the value and says what to do; no stack trace, raw errno text or raw tfjs
 * error is printed; `--json` cases print one JSON object; and nothing is left half-written in the
 * case's folder. Cases marked `nobody` run as user nobody through setpriv, because root reads
 * chmod-000 files anyway; without root or setpriv they run as the current user (when it is not
 * root) or are reported as unverified. Exits 1 when any case is not clean.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cases } from './bad-input/cases.mjs';
import { buildFixtures, repoRoot } from './bad-input/fixtures.mjs';
import { caseContext, setprivAvailable } from './bad-input/case-context.mjs';

const { values } = parseArgs({
  options: {
    cli: { type: 'string', default: join(repoRoot, 'apps/cli/dist/bin.js') },
    only: { type: 'string' },
    subset: { type: 'boolean', default: false },
    slow: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: String(Math.max(2, Math.min(4, availableParallelism()))) },
    json: { type: 'boolean', default: false },
  },
});
const cli = resolve(values.cli);

/** A fix is said with one of these verbs or phrases. */
const fixWords = /\b(pass|use|check|run|download|re-?save|remove|rename|give|choose|install|lower|raise|reduce|try|should be|expected|must|add|copy|retrain|shrink|make|delete|set|omit|drop|point|pick|needs?|fix|keep|allowed|takes?|supported|one of|range|valid|ensemble|instead|did you mean|known options|unzip|help|required|say so|layer groups|export|fine-tune)\b/i;
/** The line every usage error ends with; it is not counted as the message's fix. */
const helpLine = /^Run "digitlab [\w-]+ --help" for usage\.$/;
const stackTrace = /^\s+at .+:\d+:\d+\)?$|node:internal/m;
const rawErrno = /\b(EISDIR|ENOTDIR|EACCES|ENOENT|EPERM|ELOOP|EMFILE): [a-z ,]+/;
const rawTfjs = /tf\.\w+\(\)|memory access out of bounds|could not be broadcast|should have \d+ values but has|Error in \w+: |Cannot read propert|is not a function|undefined is not/;

/** The files under `dir`, relative, for the half-written check. */
async function listTree(dir, prefix = '') {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(prefix, entry.name);
    found.push(path);
    if (entry.isDirectory()) found.push(...(await listTree(join(dir, entry.name), path)));
  }
  return found;
}

function run(args, { cwd, user, timeoutMs }) {
  return new Promise((done) => {
    const command = user === 'nobody' ? ['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, cli, ...args]] : [process.execPath, [cli, ...args]];
    const child = spawn(command[0], command[1], { cwd, env: { ...process.env, HOME: cwd, XDG_CACHE_HOME: join(cwd, '.cache'), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? (signal ? 128 : -1), stdout, stderr, timedOut });
    });
  });
}

/**
 * The message: from the first `digitlab …:` line (or the warning asked for, or the first stderr
 * line) to the end of stderr, without the closing "Run … --help" line. Returns its first line for
 * the table and the whole block for the checks (a message may list sources or files below).
 */
function messageOf(stderr, stdout, warn) {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '' && !helpLine.test(line));
  let start = warn ? lines.findIndex((line) => warn.test(line)) : lines.findIndex((line) => /^digitlab( [\w-]+)?: /.test(line));
  if (start < 0) start = 0;
  const block = lines.slice(start);
  const first = block[0] ?? stdout.split('\n')[0] ?? '';
  return { first, block: block.join('\n') || first };
}

async function runCase(testCase, fixtures, root) {
  const dir = await mkdtemp(join(root, 'case-'));
  await chmod(dir, 0o777);
  const context = caseContext(dir, fixtures);
  const args = await testCase.run(context);
  await context.settle();
  const before = new Set(await listTree(dir));
  const user = testCase.nobody ? (setprivAvailable ? 'nobody' : process.getuid?.() === 0 ? 'unverified' : 'self') : 'self';
  const started = performance.now();
  const result = user === 'unverified' ? undefined : await run(args, { cwd: dir, user, timeoutMs: testCase.timeoutMs ?? 60_000 });
  const seconds = (performance.now() - started) / 1000;
  const problems = [];
  let message = '';
  if (!result) {
    problems.push('unverified: root without setpriv reads chmod-000 files');
  } else {
    const { first, block } = messageOf(result.stderr, result.stdout, testCase.warn);
    message = first;
    const all = `${result.stderr}\n${result.stdout}`;
    if (result.timedOut) problems.push(`hang: killed after ${(testCase.timeoutMs ?? 60_000) / 1000} s`);
    else if (result.code !== testCase.exit) problems.push(`exit ${result.code}, expected ${testCase.exit}`);
    if (stackTrace.test(all)) problems.push('stack trace');
    if (rawErrno.test(all)) problems.push('raw errno text');
    if (rawTfjs.test(all)) problems.push('raw tfjs/JS error');
    const lower = block.toLowerCase();
    for (const value of testCase.mention ?? []) if (!lower.includes(String(value).toLowerCase())) problems.push(`message does not name "${value}"`);
    if ((testCase.exit !== 0 || testCase.warn) && !fixWords.test(block)) problems.push('message says no fix');
    if (testCase.warn && !testCase.warn.test(result.stderr)) problems.push(`no warning matching ${testCase.warn}`);
    if (testCase.json) {
      try {
        JSON.parse(result.stdout);
      } catch {
        problems.push('--json stdout is not one JSON object');
      }
    }
    if (testCase.exit !== 0) {
      const left = (await listTree(dir)).filter((path) => !before.has(path) && !path.startsWith('.cache'));
      if (left.length > 0) problems.push(`left behind: ${left.slice(0, 3).join(', ')}`);
    }
  }
  await rm(dir, { recursive: true, force: true }).catch(() => {});
  return { name: testCase.name, group: testCase.group, exit: result?.code ?? null, message, clean: problems.length === 0, problems, seconds, user };
}

async function main() {
  const root = await mkdtemp(join(tmpdir(), 'digitlab-bad-input-'));
  await chmod(root, 0o755);
  const started = performance.now();
  try {
    const fixtures = await buildFixtures(join(root, 'fixtures'));
    let selected = cases;
    if (values.only) selected = selected.filter((testCase) => new RegExp(values.only).test(`${testCase.group} ${testCase.name}`));
    if (!values.slow) selected = selected.filter((testCase) => !testCase.slow);
    if (values.subset) selected = selected.filter((testCase) => testCase.subset);
    const results = new Array(selected.length);
    let next = 0;
    const worker = async () => {
      while (next < selected.length) {
        const index = next++;
        results[index] = await runCase(selected[index], fixtures, root);
      }
    };
    await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
    const clean = results.filter((result) => result.clean).length;
    const seconds = (performance.now() - started) / 1000;
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ cli, total: results.length, clean, seconds, results }, null, 2)}\n`);
    } else {
      const cut = (text, width) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
      process.stdout.write(`${cut('case', 48)} exit  ${cut('message (first line)', 90)} verdict\n`);
      for (const result of results) {
        const verdict = result.clean ? 'clean' : `NOT CLEAN: ${result.problems.join('; ')}`;
        process.stdout.write(`${cut(`${result.group}: ${result.name}`, 48)} ${String(result.exit).padEnd(5)} ${cut(result.message.replace(/\s+/g, ' '), 90)} ${verdict}\n`);
      }
      process.stdout.write(`\n${clean} of ${results.length} cases clean (${results.length - clean} not) in ${seconds.toFixed(0)} s against ${cli}\n`);
    }
    process.exitCode = clean === results.length ? 0 : 1;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
