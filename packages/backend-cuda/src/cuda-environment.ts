/**
 * Side-effect-free checks of what `@tensorflow/tfjs-node-gpu` 4.22 needs beyond itself: its
 * libtensorflow 2.9.1 GPU build is linked against CUDA 11.2 and cuDNN 8.1, and needs the NVIDIA driver.
 * Nothing is executed: the driver is found through /proc or `nvidia-smi` on PATH, and libraries by
 * looking where the dynamic loader looks (LD_LIBRARY_PATH, /etc/ld.so.cache, the usual CUDA folders).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The shared libraries libtensorflow 2.9.1 GPU loads first; without them it falls over at import. */
export const requiredCudaLibraries = ['libcudart.so.11.0', 'libcudnn.so.8'] as const;

/** The one command that installs CUDA 11.2 + cuDNN 8.1 beside whatever CUDA the system has. */
export const cudaInstallFix =
  'install CUDA 11.2 and cuDNN 8.1 (e.g. conda install -c conda-forge cudatoolkit=11.2 cudnn=8.1.0) and add their lib directory to LD_LIBRARY_PATH';

/** Where the checks look; every field has a default, tests point them at temp folders. */
export interface CudaEnvironmentOptions {
  /** NVIDIA's driver version file. Default `/proc/driver/nvidia/version`. */
  driverVersionFile?: string;
  /** PATH-like list searched for `nvidia-smi`. Default `process.env.PATH`. */
  path?: string;
  /** LD_LIBRARY_PATH-like list searched first for the libraries. Default `process.env.LD_LIBRARY_PATH`. */
  ldLibraryPath?: string;
  /** The loader cache, searched for library names. Default `/etc/ld.so.cache`. */
  ldCacheFile?: string;
  /** Folders searched after the above. Default: the usual CUDA and system library folders. */
  libraryDirs?: readonly string[];
}

/** The NVIDIA driver found, or why none was. */
export type DriverCheck = { found: true; version?: string; source: string } | { found: false; reason: string; fix: string };

/** Looks for the NVIDIA kernel driver without running anything. */
export function checkNvidiaDriver({ driverVersionFile = '/proc/driver/nvidia/version', path = process.env.PATH ?? '' }: CudaEnvironmentOptions = {}): DriverCheck {
  const text = readText(driverVersionFile);
  if (text !== undefined) {
    // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 ..."
    const version = /Kernel Module\s+([0-9.]+)/.exec(text)?.[1];
    return { found: true, source: driverVersionFile, ...(version ? { version } : {}) };
  }
  const smi = path
    .split(delimiter)
    .filter(Boolean)
    .map((directory) => join(directory, process.platform === 'win32' ? 'nvidia-smi.exe' : 'nvidia-smi'))
    .find((candidate) => existsSync(candidate));
  if (smi) return { found: true, source: smi };
  return {
    found: false,
    reason: `no NVIDIA driver found (${driverVersionFile} is absent and nvidia-smi is not on PATH)`,
    fix: 'install the NVIDIA driver (>= 450.80.02, needed by CUDA 11.x) on a machine with an NVIDIA GPU',
  };
}

/** Where each required library was found, and what is missing. */
export interface LibraryCheck {
  found: Record<string, string>;
  missing: string[];
  /** CUDA/cuDNN majors present that tfjs-node-gpu cannot use, e.g. `libcudart.so.12`. */
  incompatible: string[];
}

/** Looks for `libraries` where the dynamic loader would. */
export function checkCudaLibraries(
  libraries: readonly string[] = requiredCudaLibraries,
  { ldLibraryPath = process.env.LD_LIBRARY_PATH ?? '', ldCacheFile = '/etc/ld.so.cache', libraryDirs = defaultLibraryDirs() }: CudaEnvironmentOptions = {},
): LibraryCheck {
  const directories = [...ldLibraryPath.split(delimiter).filter(Boolean), ...libraryDirs];
  // The loader cache is a binary file whose entries hold the library names as plain strings.
  const ldCache = readText(ldCacheFile, 'latin1') ?? '';
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const library of libraries) {
    const directory = directories.find((candidate) => existsSync(join(candidate, library)));
    if (directory) found[library] = join(directory, library);
    else if (ldCache.includes(`${library}\0`)) found[library] = `${library} (in ${ldCacheFile})`;
    else missing.push(library);
  }
  // Any other major of the runtime or of cuDNN: CUDA 12 / 13 machines have libcudart.so.12 / .13 and libcudnn.so.9.
  const otherMajor = /^libcud(?:art\.so\.(?!11$)|nn\.so\.(?!8$))\d+$/;
  const cacheNames = ldCache.match(/libcud(?:art|nn)\.so\.\d+(?=\0)/g) ?? [];
  const folderNames = directories.flatMap((directory) => listDir(directory));
  const incompatible = new Set([...cacheNames, ...folderNames].filter((name) => otherMajor.test(name)));
  return { found, missing, incompatible: [...incompatible].sort() };
}

/** The usual homes of CUDA and system libraries, including versioned /usr/local/cuda-* installs. */
export function defaultLibraryDirs(): string[] {
  const versioned = listDir('/usr/local')
    .filter((name) => name.startsWith('cuda-'))
    .sort()
    .reverse()
    .flatMap((name) => [join('/usr/local', name, 'lib64'), join('/usr/local', name, 'targets', 'x86_64-linux', 'lib')]);
  return [
    '/usr/local/cuda/lib64',
    ...versioned,
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/lib/wsl/lib',
    '/opt/cuda/lib64',
  ];
}

/** The GPU model names the driver lists under /proc (cheap, no process spawned). */
export function listNvidiaGpus(gpusDir = '/proc/driver/nvidia/gpus'): string[] {
  return listDir(gpusDir)
    .map((bus) => /Model:\s*(.+)/.exec(readText(join(gpusDir, bus, 'information')) ?? '')?.[1]?.trim())
    .filter((model): model is string => Boolean(model));
}

function readText(file: string, encoding: BufferEncoding = 'utf8'): string | undefined {
  try {
    return readFileSync(file, encoding);
  } catch {
    return undefined;
  }
}

function listDir(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}
