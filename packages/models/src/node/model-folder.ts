/**
 * File-system primitives for model folders: atomic folder replacement and weight paths that cannot
 * leave the folder. Node-only.
 * @internal
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describeFileError } from '@digitlab/errors';
import { ModelFormatError, ModelOptionError } from '../errors.js';
import { METADATA_JSON, MODEL_JSON, WEIGHTS_BIN } from '../model-artifacts.js';


/** Writes `data` and flushes it to disk, so a rename that follows never exposes a partial file. */
export async function writeFileDurably(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Fills a fresh sibling temp folder with `write`, then moves it into place as `target`. An
 * existing `target` is only replaced once the new folder is complete (it is renamed aside, the new
 * one renamed in, the old one removed), and only if it is empty or holds a saved model: saving
 * over an unrelated folder is refused rather than deleting someone's files.
 */
export async function writeFolderAtomically(target: string, write: (temp: string) => Promise<void>): Promise<void> {
  const resolved = path.resolve(target);
  const parent = path.dirname(resolved);
  const name = path.basename(resolved);
  await fs.mkdir(parent, { recursive: true });
  await assertReplaceable(resolved);
  // mkdir, not mkdtemp: mkdtemp creates 0700 folders, and a model is shared (0755 under the usual
  // umask 022), e.g. for another user's `digitlab finetune --model`.
  const temp = path.join(parent, `.${name}.tmp-${globalThis.crypto.randomUUID()}`);
  await fs.mkdir(temp);
  try {
    await write(temp);
    const existing = await fs.lstat(resolved).catch(() => undefined);
    if (!existing) {
      await fs.rename(temp, resolved);
    } else {
      await assertReplaceable(resolved);
      const aside = `${temp}.old`;
      await fs.rename(resolved, aside);
      try {
        await fs.rename(temp, resolved);
      } catch (error) {
        await fs.rename(aside, resolved);
        throw error;
      }
      await fs.rm(aside, { recursive: true, force: true });
    }
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true });
    throw error;
  }
}

async function assertReplaceable(folder: string): Promise<void> {
  const stat = await fs.lstat(folder).catch(() => undefined);
  if (!stat) return;
  if (!stat.isDirectory()) {
    throw new ModelOptionError(`cannot save a model to "${folder}": it exists and is not a folder. Choose a new or empty folder.`);
  }
  const entries = await fs.readdir(folder);
  if (entries.length > 0 && !entries.includes(MODEL_JSON) && !entries.includes(METADATA_JSON)) {
    throw new ModelOptionError(
      `refusing to replace "${folder}": it is not empty and holds no saved model (${MODEL_JSON} or ${METADATA_JSON}). Choose a new or empty folder.`,
    );
  }
}

/** Reads a JSON file, naming it in the error when it is missing or malformed. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ModelFormatError(
      file,
      missing
        ? `${file} is missing: a digitlab model folder holds ${MODEL_JSON}, ${WEIGHTS_BIN} and ${METADATA_JSON}. Check the path, or save the model with saveModel().`
        : `cannot read ${describeFileError(error, file)}`,
      { cause: error },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ModelFormatError(file, `${file} is not valid JSON (${(error as Error).message}); it should hold the ${what}. Re-save the model with saveModel().`, {
      cause: error,
    });
  }
}

/**
 * Resolves a weights-manifest path inside `folder`, rejecting anything that could read outside it:
 * absolute paths, URLs, `..` segments, backslashes, and symlinks whose target lies elsewhere.
 */
export async function resolveWeightPath(folder: string, manifestPath: unknown, modelJson: string): Promise<string> {
  const reject = (why: string): never => {
    throw new ModelFormatError(
      modelJson,
      `${modelJson} lists weight file ${JSON.stringify(manifestPath)}, which ${why}. Weight files must be plain relative paths inside ${folder}; re-save the model with saveModel().`,
    );
  };
  if (typeof manifestPath !== 'string' || manifestPath === '') return reject('is not a file name');
  if (path.posix.isAbsolute(manifestPath) || path.win32.isAbsolute(manifestPath)) reject('is an absolute path');
  if (/^[a-z][a-z0-9+.-]*:/i.test(manifestPath)) reject('is a URL, not a file in the model folder');
  if (manifestPath.includes('\\')) reject('contains a backslash');
  if (manifestPath.split('/').includes('..')) reject('leaves the model folder through ".."');
  const realFolder = await fs.realpath(folder);
  const candidate = path.join(realFolder, manifestPath);
  let real: string;
  try {
    real = await fs.realpath(candidate);
  } catch (error) {
    throw new ModelFormatError(candidate, `weight file ${candidate} (listed in ${modelJson}) is missing. Copy the whole model folder, or re-save the model.`, {
      cause: error,
    });
  }
  const relative = path.relative(realFolder, real);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) reject(`resolves (through a symlink) to ${real}, outside the model folder`);
  const stat = await fs.stat(real);
  if (!stat.isFile()) reject('is not a regular file');
  return real;
}
