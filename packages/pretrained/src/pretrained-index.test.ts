import { readdir, readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { packagedModelUrl, pretrainedNames } from './index.js';

const packageRoot = new URL('../', import.meta.url);

it('lists exactly the model folders the package holds and publishes', async () => {
  const entries = await readdir(packageRoot, { withFileTypes: true });
  const folders = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !['src', 'dist', 'node_modules'].includes(entry.name))
    .map((entry) => entry.name);
  expect(folders.sort()).toEqual([...pretrainedNames].sort());
  const manifest = JSON.parse(await readFile(new URL('package.json', packageRoot), 'utf8')) as { files: string[] };
  for (const name of pretrainedNames) expect(manifest.files).toContain(name);
});

it('points at a complete model folder whose digitlab.json names the same architecture', async () => {
  for (const name of pretrainedNames) {
    const modelJson = packagedModelUrl(name);
    const topology = JSON.parse(await readFile(modelJson, 'utf8')) as { weightsManifest: { paths: string[] }[] };
    for (const group of topology.weightsManifest) {
      for (const weightsPath of group.paths) expect((await stat(new URL(weightsPath, modelJson))).size).toBeGreaterThan(0);
    }
    const metadata = JSON.parse(await readFile(new URL('digitlab.json', modelJson), 'utf8')) as { architecture: string };
    expect(metadata.architecture).toBe(name);
    expect(fileURLToPath(modelJson)).toMatch(new RegExp(`${name}[\\\\/]model\\.json$`));
  }
});

it('names what it ships when asked for another model', () => {
  expect(() => packagedModelUrl('resnet18')).toThrow(/No pretrained weights for "resnet18".*ships: fast-cnn, bn-cnn/);
});
