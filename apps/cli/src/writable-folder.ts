/**
 * Checks, before any work, that an output folder flag (`--out`) names a folder this process can
 * create or write into, so a long run never fails at its end on a path it could have refused at
 * its start.
 */
import { existsSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './exit-codes.js';

/**
 * Throws a UsageError naming `path`, the reason and the fix unless `path` is a folder, or can be
 * created as one. Writability is probed with a temporary folder in the nearest existing folder
 * (removed at once): access bits say little for root or on read-only mounts, and pseudo file
 * systems such as /proc (where a recursive mkdir spins for ever) refuse it at once.
 */
export function assertWritableFolder(path: string, flag = '--out'): void {
  let parent = resolve(path);
  while (!existsSync(parent)) parent = dirname(parent);
  if (!statSync(parent).isDirectory()) {
    throw new UsageError(
      parent === resolve(path)
        ? `${flag} "${path}" is a file, not a folder. Pick a new folder.`
        : `${flag} "${path}" cannot be created: "${parent}" is a file, not a folder. Pick a folder path whose parents are folders.`,
    );
  }
  try {
    rmdirSync(mkdtempSync(join(parent, '.digitlab-write-test-')));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOSPC' ? 'no space left on the device' : `no folders can be created there: ${code ?? (error as Error).message}`;
    throw new UsageError(`${flag} "${path}" is not writable: "${parent}" refuses new files (${why}). Pick a folder you can write to, e.g. under your home folder.`, { cause: error });
  }
}
