/**
 * The native engines are optional peers of the CLI: `@digitlab/backend-node` (`tensorflow`) and
 * `@digitlab/backend-cuda` (`cuda`) are imported by package name only when a command builds its
 * backend list, and the CLI installs and runs without them. A missing one is replaced by a stand-in
 * plugin of the same name and priority whose detect() says "not installed" with the install command,
 * so `auto` passes over it, `--backend tensorflow` fails naming the package and the install
 * command, and `digitlab backends` lists it with the fix.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendError, type BackendPlugin, type Detection } from '@digitlab/backend';
import { version_core as tfjsVersion } from '@tensorflow/tfjs-core';

/** One native engine the CLI can use when its plugin package is installed beside it. */
export interface OptionalEngine<Module = unknown> {
  /** The plugin's name, as `--backend` takes it. */
  readonly name: string;
  /** The plugin package the CLI imports by name. */
  readonly packageName: string;
  /** The native tfjs package the plugin drives (its own optional peer), installed with it. */
  readonly enginePackage: string;
  /** What the plugin reports, repeated here for the stand-in (a test checks them against the real plugin). */
  readonly tfjsBackendName: string;
  readonly priority: number;
  /** Imports the plugin package. */
  import(): Promise<Module>;
  /** The plugin, from the imported package. */
  createPlugin(module: Module): BackendPlugin;
}

/** `cuda`: libtensorflow with CUDA through `@tensorflow/tfjs-node-gpu`. */
export const cudaEngine: OptionalEngine<typeof import('@digitlab/backend-cuda')> = {
  name: 'cuda',
  packageName: '@digitlab/backend-cuda',
  enginePackage: '@tensorflow/tfjs-node-gpu',
  tfjsBackendName: 'tensorflow',
  priority: 400,
  import: () => import('@digitlab/backend-cuda'),
  createPlugin: (module) => module.createCudaPlugin(),
};

/** `tensorflow`: libtensorflow on the CPU through `@tensorflow/tfjs-node`. */
export const tensorflowEngine: OptionalEngine<typeof import('@digitlab/backend-node')> = {
  name: 'tensorflow',
  packageName: '@digitlab/backend-node',
  enginePackage: '@tensorflow/tfjs-node',
  tfjsBackendName: 'tensorflow',
  priority: 300,
  import: () => import('@digitlab/backend-node'),
  createPlugin: (module) => module.createNodePlugin(),
};

/** The outcome of `importOptionalEngine`: the package, or why it cannot be used and what to run. */
export type OptionalImport<Module> = { module: Module } | { missing: Detection & { available: false } };

/**
 * Imports `engine`'s plugin package when it resolves from the CLI's own location (where npm puts a
 * package installed beside the CLI, globally or in a project). Resolution is checked first, so "not
 * installed" is decided by the resolver, never by the text of an import error.
 */
export async function importOptionalEngine<Module>(engine: OptionalEngine<Module>): Promise<OptionalImport<Module>> {
  const fix = installCommand([engine.packageName, `${engine.enginePackage}@${tfjsVersion}`]);
  try {
    createRequire(import.meta.url).resolve(`${engine.packageName}/package.json`);
  } catch {
    return { missing: { available: false, reason: `${engine.packageName} not installed (the ${engine.name} engine is optional)`, fix } };
  }
  try {
    return { module: await engine.import() };
  } catch (error) {
    return { missing: { available: false, reason: `${engine.packageName} is installed but could not be imported: ${(error as Error).message}`, fix } };
  }
}

/** The engine's real plugin when its package is installed, else a stand-in that reports it missing. */
export async function loadOptionalPlugin<Module>(engine: OptionalEngine<Module>): Promise<BackendPlugin> {
  const found = await importOptionalEngine(engine);
  if ('module' in found) return engine.createPlugin(found.module);
  const { missing } = found;
  return {
    specificationVersion: 'v1',
    name: engine.name,
    tfjsBackendName: engine.tfjsBackendName,
    platforms: ['node'],
    priority: engine.priority,
    detect: async () => missing,
    load: async () => {
      throw new BackendError(`backend "${engine.name}": ${missing.reason}. Fix: ${missing.fix}`);
    },
  };
}

/**
 * The npm command that installs `packages` where this CLI can import them: `npm install -g` beside
 * a global CLI (its `node_modules` sits in no project), else `npm install` in the project that holds
 * it (`cd` there first when it is not the current directory).
 */
export function installCommand(packages: readonly string[], cliDirectory = defaultCliDirectory(), workingDirectory = process.cwd()): string {
  const list = packages.join(' ');
  const marker = `${sep}node_modules${sep}`;
  const at = cliDirectory.indexOf(marker);
  // Not under node_modules at all: a checkout of the repository, where the engines are workspace packages.
  if (at === -1) return `npm install ${list}`;
  const project = cliDirectory.slice(0, at);
  if (!existsSync(join(project, 'package.json'))) return `npm install -g ${list}`;
  if (project === workingDirectory) return `npm install ${list}`;
  return `cd ${/\s/.test(project) ? JSON.stringify(project) : project} && npm install ${list}`;
}

function defaultCliDirectory(): string {
  // This file is src/optional-engines.ts or dist/optional-engines.js: the package folder is one up.
  return dirname(dirname(fileURLToPath(import.meta.url)));
}
