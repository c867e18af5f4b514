/**
 * The image files `digitlab predict` answers: each file given, and every PNG or JPEG in each folder
 * given (its sub-folders too with `recursive`), in name order.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './exit-codes.js';

const imageFile = /\.(png|jpe?g)$/i;

/** Expands `paths` into image files. A folder with no image (at the depth asked) is a UsageError naming it. */
export function expandImagePaths(paths: readonly string[], { recursive = false }: { recursive?: boolean } = {}): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory = false;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      // A missing file is answered as that file's error, beside the others.
    }
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const found: string[] = [];
    let skippedFolders = 0;
    const walk = (folder: string) => {
      const entries = readdirSync(folder, { withFileTypes: true }).filter((entry) => !entry.name.startsWith('.'));
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const child = join(folder, entry.name);
        if (entry.isDirectory()) {
          if (recursive) walk(child);
          else skippedFolders += 1;
        } else if (imageFile.test(entry.name)) {
          found.push(child);
        }
      }
    };
    walk(path);
    if (found.length === 0) {
      throw new UsageError(
        `"${path}" holds no PNG or JPEG file${recursive ? ' at any depth' : ''}.` +
          (skippedFolders > 0 ? ` It has ${skippedFolders} sub-folder${skippedFolders === 1 ? '' : 's'}: pass --recursive to read them.` : ' Pass image files or a folder of them.'),
      );
    }
    files.push(...found);
  }
  return files;
}
