import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCudaLibraries, checkNvidiaDriver, cudaInstallFix, listNvidiaGpus } from './cuda-environment.js';
import { createCudaPlugin } from './cuda-plugin.js';

const scratch = mkdtempSync(join(tmpdir(), 'digitlab-cuda-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes `files` (relative path → content) under a fresh folder of the scratch dir. */
function folder(name: string, files: Record<string, string> = {}): string {
  const root = join(scratch, name);
  mkdirSync(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const gpuPackage = '@tensorflow/tfjs-node-gpu';
/** A complete-looking tfjs-node-gpu install (binding and libtensorflow present). */
const installed = folder('installed', {
  [`node_modules/${gpuPackage}/package.json`]: JSON.stringify({ name: gpuPackage, version: '4.22.0', main: 'dist/index.js' }),
  [`node_modules/${gpuPackage}/lib/napi-v8/tfjs_binding.node`]: '',
  [`node_modules/${gpuPackage}/deps/lib/libtensorflow.so.2`]: '',
});
const driverFile = join(folder('proc', { version: 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n' }), 'version');
const noDriver = { driverVersionFile: join(scratch, 'absent', 'version'), path: folder('empty-path') };
const noLibraries = { ldLibraryPath: '', ldCacheFile: join(scratch, 'absent', 'ld.so.cache'), libraryDirs: [] };

function installedHere(specifier: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${specifier}/package.json`);
    return true;
  } catch {
    return false;
  }
}

describe('cuda plugin detection', () => {
  it.skipIf(installedHere(gpuPackage))('on this machine, says tfjs-node-gpu is not installed', async () => {
    const detection = await createCudaPlugin().detect();
    expect(detection.available).toBe(false);
    // Whatever else this machine lacks (driver, CUDA 11.2 libraries) follows, each with its fix.
    expect(detection.reason).toMatch(/^@tensorflow\/tfjs-node-gpu not installed(, and |$)/);
    expect(detection.fix).toMatch(/^npm install @tensorflow\/tfjs-node-gpu@4\.22\.0/);
    if (!checkNvidiaDriver().found) expect(detection.reason).toContain(', and no NVIDIA driver found');
  });

  it('says there is no GPU build for macOS', async () => {
    const detection = await createCudaPlugin({ osPlatform: 'darwin', resolveFrom: [installed] }).detect();
    expect(detection).toMatchObject({ available: false, reason: '@tensorflow/tfjs-node-gpu has no GPU build for darwin (Linux and Windows only)' });
  });

  it('with the package but no driver, names both places it looked, and the libraries still missing', async () => {
    const detection = await createCudaPlugin({ osPlatform: 'linux', resolveFrom: [installed], ...noDriver, ...noLibraries }).detect();
    expect(detection).toEqual({
      available: false,
      reason:
        `no NVIDIA driver found (${noDriver.driverVersionFile} is absent and nvidia-smi is not on PATH), ` +
        'and libcudart.so.11.0, libcudnn.so.8 not found on LD_LIBRARY_PATH, in /etc/ld.so.cache or the usual CUDA folders',
      fix: `install the NVIDIA driver (>= 450.80.02, needed by CUDA 11.x) on a machine with an NVIDIA GPU; then ${cudaInstallFix}`,
    });
  });

  it('without the package, also says what the machine lacks, so installing the package alone is not the whole fix', async () => {
    const detection = await createCudaPlugin({ osPlatform: 'linux', resolveFrom: [folder('bare')], ...noDriver, ...noLibraries }).detect();
    expect(detection.reason).toBe(
      '@tensorflow/tfjs-node-gpu not installed, ' +
        `and no NVIDIA driver found (${noDriver.driverVersionFile} is absent and nvidia-smi is not on PATH), ` +
        'and libcudart.so.11.0, libcudnn.so.8 not found on LD_LIBRARY_PATH, in /etc/ld.so.cache or the usual CUDA folders',
    );
    expect(detection.fix?.split('; then ')).toHaveLength(3);
  });

  it('with a driver but only CUDA 12, explains that CUDA 11.2 / cuDNN 8.1 are needed', async () => {
    const cuda12 = folder('cuda-12', { 'libcudart.so.12': '', 'libcudnn.so.9': '' });
    const detection = await createCudaPlugin({ osPlatform: 'linux', resolveFrom: [installed], driverVersionFile: driverFile, ...noLibraries, ldLibraryPath: cuda12 }).detect();
    expect(detection).toEqual({
      available: false,
      reason:
        'libcudart.so.11.0, libcudnn.so.8 not found on LD_LIBRARY_PATH, in /etc/ld.so.cache or the usual CUDA folders ' +
        '(found libcudart.so.12, libcudnn.so.9: other CUDA / cuDNN majors are not compatible with @tensorflow/tfjs-node-gpu@4.22, which is built for CUDA 11.2 / cuDNN 8.1)',
      fix: cudaInstallFix,
    });
  });

  it('recognises a CUDA 13 machine from the loader cache (as on an H200 with driver 580)', () => {
    const ldCacheFile = join(
      folder('etc-13', { 'ld.so.cache': 'glibc-ld.so.cache1.1\0libcudart.so.13\0/usr/local/cuda-13.0/lib64/libcudart.so.13\0libcudnn.so.9\0/x/libcudnn.so.9\0libcudart.so.11.0\0' }),
      'ld.so.cache',
    );
    expect(checkCudaLibraries(undefined, { ...noLibraries, ldCacheFile })).toEqual({
      found: { 'libcudart.so.11.0': `libcudart.so.11.0 (in ${ldCacheFile})` },
      missing: ['libcudnn.so.8'],
      incompatible: ['libcudart.so.13', 'libcudnn.so.9'],
    });
  });

  it('is available with the driver, CUDA 11 on LD_LIBRARY_PATH and cuDNN 8 in the loader cache', async () => {
    const cuda11 = folder('cuda-11', { 'libcudart.so.11.0': '' });
    const ldCacheFile = join(folder('etc', { 'ld.so.cache': 'glibc-ld.so.cache1.1\0libcudnn.so.8\0/usr/lib/x86_64-linux-gnu/libcudnn.so.8\0' }), 'ld.so.cache');
    const options = { osPlatform: 'linux' as const, resolveFrom: [installed], driverVersionFile: driverFile, ldLibraryPath: cuda11, ldCacheFile, libraryDirs: [] };
    const detection = await createCudaPlugin(options).detect();
    expect(detection.available).toBe(true);
    expect(detection.reason).toMatch(/^@tensorflow\/tfjs-node-gpu@4\.22\.0, NVIDIA driver 535\.104\.05/);
    expect(checkCudaLibraries(undefined, options)).toEqual({
      found: { 'libcudart.so.11.0': join(cuda11, 'libcudart.so.11.0'), 'libcudnn.so.8': `libcudnn.so.8 (in ${ldCacheFile})` },
      missing: [],
      incompatible: [],
    });
  });
});

describe('driver and GPU discovery', () => {
  it('falls back to nvidia-smi on PATH when /proc has no driver file', () => {
    const bin = folder('bin', { 'nvidia-smi': '#!/bin/sh\n' });
    expect(checkNvidiaDriver({ driverVersionFile: noDriver.driverVersionFile, path: bin })).toEqual({ found: true, source: join(bin, 'nvidia-smi') });
    expect(checkNvidiaDriver({ driverVersionFile: driverFile, path: '' })).toEqual({ found: true, source: driverFile, version: '535.104.05' });
  });

  it('reads GPU models from the driver proc folder', () => {
    const gpus = folder('gpus', { '0000:3b:00.0/information': 'Model: \t\t NVIDIA H200\nIRQ: 120\n' });
    expect(listNvidiaGpus(gpus)).toEqual(['NVIDIA H200']);
    expect(listNvidiaGpus(join(scratch, 'absent'))).toEqual([]);
  });
});
