#!/usr/bin/env node
// After `changeset version`: rewrites each package's `src/version.ts` constant (`packageVersion`,
// kept as a constant so the module also works in browsers) to the version in its package.json.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const parent of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, parent))) {
    const constantFile = join(root, parent, name, 'src', 'version.ts');
    if (!existsSync(constantFile)) continue;
    const { version } = JSON.parse(readFileSync(join(root, parent, name, 'package.json'), 'utf8'));
    const source = readFileSync(constantFile, 'utf8');
    const updated = source.replace(/(export const packageVersion = ')[^']*(';)/, `$1${version}$2`);
    if (!/export const packageVersion = '/.test(source)) throw new Error(`${constantFile} has no \`export const packageVersion = '...'\` to update`);
    if (updated !== source) {
      writeFileSync(constantFile, updated);
      console.log(`${parent}/${name}/src/version.ts: ${version}`);
    }
  }
}
