/**
 * Side-effect-free inspection of an installed tfjs-node style package (`@tensorflow/tfjs-node`,
 * `@tensorflow/tfjs-node-gpu`): resolves it without importing it and checks that its install script
 * really produced the native pieces, which it downloads from a host many networks block.
 *
 * Layout after a good install (tfjs-node 4.22):
 *   lib/napi-v8/tfjs_binding.node         the N-API binding (prebuilt download or local build)
 *   deps/lib/libtensorflow.so.2 (Linux)   libtensorflow 2.9.1; .dylib on macOS, tensorflow.dll on Windows
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The tfjs version the whole workspace is built on; a native package of another version brings its own tfjs. */
export const tfjsVersion = '4.22.0';

/** Where to look for a package: directories (or files) to resolve from, first match wins. */
export interface ResolveOptions {
  /**
   * Directories to resolve the package from, in order. Defaults to this module's own location (where a
   * package manager links peers) and then the current working directory (the user's project).
   */
  resolveFrom?: readonly string[];
}

/** What was found about one native package. `problem` is set when it cannot be used. */
export interface NativePackageStatus {
  packageName: string;
  /** The package folder, when it resolved. */
  packageDir?: string;
  /** Its version, when it resolved. */
  version?: string;
  /** The file `load()` imports. */
  entryPath?: string;
  /** The N-API binding found under `lib/`. */
  bindingPath?: string;
  /** The libtensorflow library found under `deps/lib/` (or beside the binding on Windows). */
  libtensorflowPath?: string;
  /** Why it cannot be used and what to run, or undefined when it looks usable. */
  problem?: { reason: string; fix: string };
  /** Things worth knowing that do not stop it (e.g. the Node 23+ workaround applied at load). */
  notes: string[];
}

/** The command that re-runs a package's install script, with the mirror variable for blocked hosts. */
export function rebuildCommand(packageName: string): string {
  return `npm rebuild ${packageName} (if storage.googleapis.com is blocked: TFJS_NODE_CDN_STORAGE=<reachable mirror> npm rebuild ${packageName})`;
}

/** Inspects `packageName` without importing it. */
export function inspectNativePackage(packageName: string, { resolveFrom }: ResolveOptions = {}): NativePackageStatus {
  const notes = nodeVersionNotes(packageName);
  const found = resolvePackage(packageName, resolveFrom ?? [dirname(fileURLToPath(import.meta.url)), process.cwd()]);
  if (!found) {
    return {
      packageName,
      notes,
      problem: {
        reason: `${packageName} not installed`,
        fix: `npm install ${packageName}@${tfjsVersion}${nodeMajor() >= 22 ? ' (on Node >= 22 prebuilt binaries may be missing, e.g. GPU on Windows; Node 20 LTS is the safe choice)' : ''}`,
      },
    };
  }
  const { packageDir, manifest } = found;
  const version = typeof manifest.version === 'string' ? manifest.version : 'unknown';
  const entryPath = resolve(packageDir, typeof manifest.main === 'string' ? manifest.main : 'dist/index.js');
  const status: NativePackageStatus = { packageName, packageDir, version, entryPath, notes };
  if (version !== tfjsVersion) {
    status.problem = {
      reason: `${packageName}@${version} is installed at ${packageDir}, but digitlab is built on tfjs ${tfjsVersion}`,
      fix: `npm install ${packageName}@${tfjsVersion}`,
    };
    return status;
  }
  const binding = findBinding(packageDir);
  if (!binding) {
    status.problem = {
      reason:
        `${packageName} is installed at ${packageDir} but its native binding lib/napi-v*/tfjs_binding.node is missing ` +
        '(its install script did not download or build it)',
      fix: rebuildCommand(packageName),
    };
    return status;
  }
  status.bindingPath = binding;
  const libtensorflow = findLibtensorflow(packageDir, dirname(binding));
  if (!libtensorflow) {
    status.problem = {
      reason: `${packageName} is installed at ${packageDir} but libtensorflow is missing from deps/lib/ (the download at install time failed)`,
      fix: rebuildCommand(packageName),
    };
    return status;
  }
  status.libtensorflowPath = libtensorflow;
  return status;
}

function resolvePackage(packageName: string, bases: readonly string[]): { packageDir: string; manifest: Record<string, unknown> } | undefined {
  for (const base of bases) {
    // createRequire wants a file inside the directory; the file itself need not exist.
    const require = createRequire(pathToFileURL(join(resolve(base), 'noop.js')));
    let manifestPath: string | undefined;
    try {
      manifestPath = require.resolve(`${packageName}/package.json`);
    } catch {
      manifestPath = findManifestAbove(tryResolve(require, packageName), packageName);
    }
    if (manifestPath) {
      return { packageDir: dirname(manifestPath), manifest: JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown> };
    }
  }
  return undefined;
}

function tryResolve(require: NodeRequire, specifier: string): string | undefined {
  try {
    return require.resolve(specifier);
  } catch {
    return undefined;
  }
}

/** For a package whose `exports` hides package.json: walk up from its entry to its manifest. */
function findManifestAbove(entry: string | undefined, packageName: string): string | undefined {
  for (let directory = entry && dirname(entry); directory && directory !== dirname(directory); directory = dirname(directory)) {
    const candidate = join(directory, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === packageName) return candidate;
  }
  return undefined;
}

function findBinding(packageDir: string): string | undefined {
  const lib = join(packageDir, 'lib');
  for (const entry of listDir(lib).filter((name) => name.startsWith('napi-v')).sort().reverse()) {
    const candidate = join(lib, entry, 'tfjs_binding.node');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function findLibtensorflow(packageDir: string, bindingDir: string): string | undefined {
  for (const directory of [join(packageDir, 'deps', 'lib'), bindingDir]) {
    const match = listDir(directory).find((name) => name.startsWith('libtensorflow') || name === 'tensorflow.dll');
    if (match) return join(directory, match);
  }
  return undefined;
}

function listDir(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}

function nodeMajor(): number {
  return Number(process.versions.node.split('.')[0]);
}

function nodeVersionNotes(packageName: string): string[] {
  return nodeMajor() >= 23
    ? [`Node ${process.versions.node}: ${packageName}@${tfjsVersion} calls util.isNullOrUndefined, removed in Node 23 (tensorflow/tfjs#8609); load() restores it`]
    : [];
}

/**
 * tfjs-node 4.22 calls `util.isNullOrUndefined`, which Node 23 removed; the upstream fix
 * (tensorflow/tfjs#8425) is merged but unreleased. Puts back the one-line original so ops work.
 */
export async function patchRemovedNodeUtil(): Promise<void> {
  const util = (await import('node:util')).default as unknown as Record<string, unknown>;
  if (typeof util.isNullOrUndefined !== 'function') {
    util.isNullOrUndefined = (value: unknown) => value === null || value === undefined;
  }
}
