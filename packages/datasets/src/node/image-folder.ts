/**
 * A folder of your own digit images, one sub-folder per class: `<root>/<label>/*.png|jpg|jpeg`.
 * Folders named 0-9 are digit labels; any other set of folder names is mapped to labels in sorted
 * order (numeric when every name is a number, so `10` comes after `9`) and the mapping is returned
 * as `classes`. A class folder that yields no image is an error naming it: a silently missing class
 * would shift every label after it.
 */
import type { Dirent } from 'node:fs';
import { lstat, readFile, readdir, realpath, stat } from 'node:fs/promises';
import { describeFileError } from '@digitlab/errors';
import { join, relative, sep } from 'node:path';
import { type DigitDataset, PIXELS_PER_IMAGE } from '../digit-dataset.js';
import { DatasetError, ImageError } from '../errors.js';
import { DEFAULT_MAX_IMAGE_BYTES, type ImageLimits } from '../rgba-image.js';
import { preprocessDigitImage } from './preprocess-image-file.js';

/** Options of {@link readImageFolder}. */
export interface ReadImageFolderOptions extends ImageLimits {
  /** What to do with an image that cannot be used: throw (default) or record it in `skipped`. */
  onInvalid?: 'skip' | 'error';
}

/** A file that was left out, and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** The images as a dataset, the class names (`classes[label]`), and what was left out. */
export interface ImageFolderDataset extends DigitDataset {
  classes: string[];
  skipped: SkippedFile[];
}

const imageExtensions = /\.(png|jpe?g)$/i;
const digitClasses = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * Reads and MNIST-preprocesses every image under `root`. Symbolic links are followed only when
 * they resolve inside `root`. Hidden files are ignored; files that are not `.png`, `.jpg` or
 * `.jpeg`, and entries that are not in a class folder, are listed in `skipped` whatever `onInvalid`
 * says (they are not images that failed, they are not images).
 */
export async function readImageFolder(root: string, options: ReadImageFolderOptions = {}): Promise<ImageFolderDataset> {
  const onInvalid = options.onInvalid ?? 'error';
  if (onInvalid !== 'skip' && onInvalid !== 'error') throw new DatasetError(`readImageFolder: onInvalid must be "skip" or "error", got "${String(onInvalid)}".`);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  let realRoot: string;
  try {
    realRoot = await realpath(root);
    if (!(await stat(realRoot)).isDirectory()) throw new Error('not a directory');
  } catch (error) {
    const why = (error as Error).message === 'not a directory' ? `${root}: a file, not a folder.` : describeFileError(error, root);
    throw new DatasetError(`readImageFolder: ${why} Pass a folder holding one sub-folder per class.`, { cause: error });
  }
  const skipped: SkippedFile[] = [];
  const invalid = (path: string, reason: string, cause?: unknown) => {
    if (onInvalid === 'error') throw cause instanceof ImageError ? cause : new ImageError(`${path}: ${reason}`, path, cause === undefined ? undefined : { cause });
    skipped.push({ path, reason });
  };
  const inside = (path: string) => {
    const rel = relative(realRoot, path);
    return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep);
  };
  /** Resolves an entry; symlinks must land inside the root. Returns the real path or undefined when rejected. */
  const resolveEntry = async (real: string, path: string): Promise<string | undefined> => {
    const info = await lstat(real);
    if (!info.isSymbolicLink()) return real;
    let target: string;
    try {
      target = await realpath(real);
    } catch (error) {
      invalid(path, `broken symbolic link (${(error as Error).message})`, error);
      return undefined;
    }
    if (!inside(target)) {
      invalid(path, `symbolic link to ${target}, outside ${root}; refusing to follow it`);
      return undefined;
    }
    return target;
  };

  // Real paths for the containment checks, the caller's spelling of `root` in what we report.
  const folders: { name: string; path: string; display: string }[] = [];
  for (const entry of (await readdir(realRoot, { withFileTypes: true })).sort((a, b) => compare(a.name, b.name))) {
    if (entry.name.startsWith('.')) continue;
    const display = join(root, entry.name);
    const resolved = await resolveEntry(join(realRoot, entry.name), display);
    if (!resolved) continue;
    if ((await stat(resolved)).isDirectory()) folders.push({ name: entry.name, path: resolved, display });
    else skipped.push({ path: display, reason: 'not inside a class folder (expected <root>/<label>/<image>)' });
  }
  if (folders.length === 0) throw new DatasetError(`readImageFolder: "${root}" has no class folders. Expected <root>/<label>/<image>.png, e.g. ${join(root, '7', 'a.png')}.`);
  const digitsOnly = folders.every((folder) => /^[0-9]$/.test(folder.name));
  if (!digitsOnly && folders.every((folder) => /^[0-9]+$/.test(folder.name))) folders.sort((a, b) => Number(a.name) - Number(b.name) || compare(a.name, b.name));
  const classes = digitsOnly ? digitClasses : folders.map((folder) => folder.name);

  const images: Uint8Array[] = [];
  const labels: number[] = [];
  for (const folder of folders) {
    const label = classes.indexOf(folder.name);
    const before = { images: images.length, skipped: skipped.length };
    let entries: Dirent[];
    try {
      entries = await readdir(folder.path, { withFileTypes: true });
    } catch (error) {
      throw new DatasetError(`readImageFolder: class folder ${describeFileError(error, folder.display)}`, { cause: error });
    }
    for (const entry of entries.sort((a, b) => compare(a.name, b.name))) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder.display, entry.name);
      if (!imageExtensions.test(entry.name)) {
        skipped.push({ path, reason: 'not a .png, .jpg or .jpeg file' });
        continue;
      }
      const resolved = await resolveEntry(join(folder.path, entry.name), path);
      if (!resolved) continue;
      const info = await stat(resolved);
      if (!info.isFile()) {
        skipped.push({ path, reason: 'not a regular file' });
        continue;
      }
      if (info.size > maxBytes) {
        invalid(path, `${info.size} bytes, over the ${maxBytes}-byte limit (maxBytes). Shrink the image or raise maxBytes.`);
        continue;
      }
      let bytes: Uint8Array;
      try {
        bytes = await readFile(resolved);
      } catch (error) {
        // An unreadable file is skipped and reported like an undecodable one (permission denied, …).
        const why = describeFileError(error, path);
        invalid(path, why.slice(path.length + 2), new ImageError(why, path, { cause: error }));
        continue;
      }
      try {
        images.push(preprocessDigitImage(bytes, { ...options, path }));
        labels.push(label);
      } catch (error) {
        if (!(error instanceof ImageError)) throw error;
        invalid(path, error.message.startsWith(`${path}: `) ? error.message.slice(path.length + 2) : error.message, error);
      }
    }
    if (images.length === before.images) {
      const left = skipped.length - before.skipped;
      throw new DatasetError(
        `readImageFolder: class folder "${folder.display}" holds no usable image${left > 0 ? ` (${left} file${left === 1 ? '' : 's'} skipped: ${skipped.slice(before.skipped, before.skipped + 3).map((file) => file.reason).join('; ')})` : ''}. ` +
          'Add PNG or JPEG images of that class, or remove the folder.',
      );
    }
  }
  const all = new Uint8Array(images.length * PIXELS_PER_IMAGE);
  images.forEach((image, i) => all.set(image, i * PIXELS_PER_IMAGE));
  return { images: all, labels: Uint8Array.from(labels), size: images.length, classes, skipped };
}

/** Plain code-point order, so the label mapping does not depend on the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
