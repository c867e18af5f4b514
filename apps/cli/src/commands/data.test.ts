import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The built command, as a user runs it (the root `test` script builds before vitest runs).
const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'digitlab-data-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function digitlab(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, 'data', ...args], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: join(scratch, 'cache') },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('digitlab data', () => {
  it('--json verifies real MNIST and prints one object with the canonical split sizes and counts', () => {
    const { code, stdout } = digitlab('--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    const text = JSON.stringify(report);
    expect(text).toContain('55000');
    expect(text).toContain('10000');
    // The canonical test-set count of the digit 1, from the original files.
    expect(text).toContain('1135');
  });

  it('a bad --sources value is a usage error (exit 2) naming the valid sources', () => {
    const { code, stderr } = digitlab('--sources', 'web');
    expect(code).toBe(2);
    expect(stderr).toMatch(/web/);
    expect(stderr).toMatch(/package/);
  });

  it('a corrupt file in the named directory is not silently replaced by another source: exit 1 naming the file', () => {
    const directory = join(scratch, 'corrupt');
    rmSync(directory, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', directory]);
    writeFileSync(join(directory, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]));
    const { code, stderr } = digitlab('--directory', directory, '--sources', 'directory,package');
    expect(code).toBe(1);
    expect(stderr).toMatch(/train-labels-idx1-ubyte/);
  });
});
