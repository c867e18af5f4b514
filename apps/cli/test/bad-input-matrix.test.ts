/**
 * The bad-input matrix (scripts/bad-input-matrix.mjs) in the unit suite: its quick subset (44 of
 * 221 cases: one or more per group — flags, --config, --data/--model forms, IDX, CSV, images,
 * class folders, model folders, permissions) against the built CLI. The full matrix takes about
 * 3.5 minutes on this 2-core machine, too long for every run; `node scripts/bad-input-matrix.mjs`
 * runs it all. The subset takes about 45 s here.
 */
import { execFile, execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const run = promisify(execFile);

interface MatrixResult {
  total: number;
  clean: number;
  results: { group: string; name: string; clean: boolean; problems: string[]; message: string }[];
}

beforeAll(() => {
  execFileSync('npx', ['tsc', '--build', 'apps/cli'], { cwd: repository, stdio: 'inherit' });
});

describe('bad-input matrix (quick subset)', () => {
  it('every case ends clean: right exit code, a message naming the value and the fix, nothing half-written', async () => {
    let stdout: string;
    try {
      ({ stdout } = await run(process.execPath, [join(repository, 'scripts', 'bad-input-matrix.mjs'), '--subset', '--json', '--concurrency', '2'], { cwd: repository, maxBuffer: 16 << 20 }));
    } catch (error) {
      // Exit 1 means some case is not clean; its JSON report is still on stdout.
      stdout = (error as { stdout?: string }).stdout ?? '';
      if (!stdout) throw error;
    }
    const report = JSON.parse(stdout) as MatrixResult;
    expect(report.total).toBeGreaterThanOrEqual(40);
    const dirty = report.results.filter((result) => !result.clean).map((result) => `${result.group}: ${result.name}: ${result.problems.join('; ')} (${result.message})`);
    expect(dirty).toEqual([]);
  }, 300_000);
});
