import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFileError } from './file-error.js';

/** The error Node really throws reading `path`. */
async function readError(path: string): Promise<unknown> {
  return readFile(path).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('describeFileError', () => {
  it('says what Node says in words, with the path and a fix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'digitlab-file-error-'));
    try {
      expect(describeFileError(await readError(join(dir, 'absent.csv')), 'absent.csv')).toBe('absent.csv: no such file or folder (ENOENT). Check the path.');
      expect(describeFileError(await readError(dir), dir)).toBe(`${dir}: is a folder, not a file (EISDIR). Pass the file inside it.`);
      await symlink(join(dir, 'b'), join(dir, 'a'));
      await symlink(join(dir, 'a'), join(dir, 'b'));
      expect(describeFileError(await readError(join(dir, 'a')), 'a')).toMatch(/^a: a symlink loop \(ELOOP\)\. /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the message of an error without an errno code', () => {
    expect(describeFileError(new Error('disk on fire'), 'x.bin')).toBe('x.bin: cannot read it (disk on fire).');
  });
});
