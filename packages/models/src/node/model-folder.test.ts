import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveWeightPath, writeFolderAtomically } from './model-folder.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'digitlab-folder-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeFolderAtomically', () => {
  it('keeps the previous folder intact and removes the temp folder when writing fails midway', async () => {
    const target = join(root, 'model');
    await writeFolderAtomically(target, async (temp) => writeFile(join(temp, 'model.json'), 'old'));
    const failure = writeFolderAtomically(target, async (temp) => {
      await writeFile(join(temp, 'model.json'), 'new, half written');
      throw new Error('disk full');
    });
    await expect(failure).rejects.toThrow('disk full');
    expect(await readFile(join(target, 'model.json'), 'utf8')).toBe('old');
    expect(await readdir(root)).toEqual(['model']);
  });

  it('creates missing parent folders', async () => {
    const target = join(root, 'a', 'b', 'model');
    await writeFolderAtomically(target, async (temp) => writeFile(join(temp, 'digitlab.json'), '{}'));
    expect(await readdir(target)).toEqual(['digitlab.json']);
  });
});

describe('resolveWeightPath', () => {
  it('accepts files in subfolders and symlinks that stay inside the folder', async () => {
    const folder = join(root, 'inside');
    await mkdir(join(folder, 'shards'), { recursive: true });
    await writeFile(join(folder, 'shards', 'one.bin'), 'x');
    await symlink(join(folder, 'shards', 'one.bin'), join(folder, 'alias.bin'));
    expect(await resolveWeightPath(folder, 'shards/one.bin', 'model.json')).toMatch(/shards\/one\.bin$/);
    expect(await resolveWeightPath(folder, 'alias.bin', 'model.json')).toMatch(/shards\/one\.bin$/);
  });

  it('rejects backslashes, empty names and folders', async () => {
    const folder = join(root, 'inside');
    await expect(resolveWeightPath(folder, '..\\secret.bin', 'model.json')).rejects.toThrow(/contains a backslash/);
    await expect(resolveWeightPath(folder, '', 'model.json')).rejects.toThrow(/is not a file name/);
    await expect(resolveWeightPath(folder, 'shards', 'model.json')).rejects.toThrow(/is not a regular file/);
    await expect(resolveWeightPath(folder, 'shards/../../x.bin', 'model.json')).rejects.toThrow(/leaves the model folder/);
  });
});
