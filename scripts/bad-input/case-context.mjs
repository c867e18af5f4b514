/** What a bad-input case gets to build its inputs in its own temp folder. */
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Root can run a case as `nobody` (setpriv from util-linux), so chmod 000 really denies. */
export const setprivAvailable = process.getuid?.() === 0 && ['/usr/bin/setpriv', '/bin/setpriv'].some((path) => existsSync(path));

export const mnistFiles = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** Helpers bound to one case folder `dir`; every path they return lies inside it. */
export function caseContext(dir, f) {
  const at = (name) => join(dir, name);
  const context = {
    dir,
    f,
    async write(name, content, mode = 0o644) {
      const path = at(name);
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      await writeFile(path, content);
      await chmod(path, mode);
      return path;
    },
    async mkdir(name, mode = 0o755) {
      const path = at(name);
      await mkdir(path, { recursive: true });
      await chmod(path, mode);
      return path;
    },
    async link(name, target) {
      const path = at(name);
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      await symlink(target, path);
      return path;
    },
    /** A copy of the fast-cnn folder, optionally edited (`edit(json)` on model.json, `meta(json)` on digitlab.json). */
    async model(name = 'model', { edit, meta, source = f.model } = {}) {
      const path = at(name);
      await cp(source, path, { recursive: true });
      if (edit) {
        const json = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
        const replaced = edit(json);
        await writeFile(join(path, 'model.json'), typeof replaced === 'string' ? replaced : JSON.stringify(replaced ?? json));
      }
      if (meta) {
        const json = JSON.parse(await readFile(join(path, 'digitlab.json'), 'utf8'));
        const replaced = meta(json);
        await writeFile(join(path, 'digitlab.json'), typeof replaced === 'string' ? replaced : JSON.stringify(replaced ?? json));
      }
      return path;
    },
    /** A folder with the four MNIST files as symlinks to the real ones, except `changes[file]` (bytes, or a function of the path). */
    async mnist(changes = {}) {
      const path = await context.mkdir('mnist');
      for (const file of mnistFiles) {
        const change = changes[file];
        if (change === undefined) await symlink(join(f.mnist, file), join(path, file));
        else if (typeof change === 'function') await change(join(path, file), join(f.mnist, file));
        else if (change !== null) await writeFile(join(path, file), change);
      }
      return path;
    },
    /** A class folder copy (0..9, four PNGs each), then `change(path)`. */
    async folder(name = 'digits', change) {
      const path = at(name);
      await cp(f.folder, path, { recursive: true });
      if (change) await change(path);
      return path;
    },
    /** A CSV with the fixture header and rows, both replaceable. */
    async csv(name = 'data.csv', { header = f.csvHeader, rows = f.csvRows, mode } = {}) {
      return context.write(name, `${[header, ...rows].filter((line) => line !== undefined).join('\n')}\n`, mode);
    },
    async settle() {},
  };
  return context;
}
