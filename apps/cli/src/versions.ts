/** `digitlab --version`: the CLI's version, each @digitlab package it runs, and TensorFlow.js. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Packages whose versions `--version` prints, in this order. */
const packages = [
  '@digitlab/cli',
  '@digitlab/errors',
  '@digitlab/backend',
  '@digitlab/backend-wasm',
  '@digitlab/datasets',
  '@digitlab/models',
  '@digitlab/trainer',
  '@digitlab/viz',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-backend-wasm',
];

/** `name → version` for every package above that resolves from the CLI (missing ones say so). */
export function packageVersions(): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const name of packages) {
    try {
      const file = name === '@digitlab/cli' ? '../package.json' : `${name}/package.json`;
      versions[name] = (require(file) as { version: string }).version;
    } catch {
      versions[name] = 'not installed';
    }
  }
  return versions;
}

/** The `--version` text: `digitlab 0.1.0` then one `name version` line per package. */
export function formatVersions(versions: Record<string, string>): string {
  const width = Math.max(...Object.keys(versions).map((name) => name.length));
  return `digitlab ${versions['@digitlab/cli']} (node ${process.versions.node})\n${Object.entries(versions)
    .map(([name, version]) => `  ${name.padEnd(width)}  ${version}`)
    .join('\n')}\n`;
}
