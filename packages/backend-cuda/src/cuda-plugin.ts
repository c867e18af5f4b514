import { BackendError, type BackendPlugin, type Detection, type LoadedBackend } from '@digitlab/backend';
import { inspectNativePackage, loadNativePackage, type ResolveOptions } from '@digitlab/backend-node';
import {
  checkCudaLibraries,
  checkNvidiaDriver,
  cudaInstallFix,
  listNvidiaGpus,
  requiredCudaLibraries,
  type CudaEnvironmentOptions,
} from './cuda-environment.js';

/** Options of the `cuda` plugin: where to resolve the package and where to look for the driver and libraries. */
export interface CudaPluginOptions extends ResolveOptions, CudaEnvironmentOptions {
  /** Defaults to `process.platform`; tfjs-node-gpu ships GPU builds for Linux (and Windows) only. */
  osPlatform?: NodeJS.Platform;
}

const packageName = '@tensorflow/tfjs-node-gpu';

/**
 * The `cuda` plugin: libtensorflow's GPU build through `@tensorflow/tfjs-node-gpu` (optional peer).
 * Highest priority: when a GPU, the driver, CUDA 11.2 and cuDNN 8.1 are all there, it is the fastest.
 * It registers the tfjs backend named `tensorflow` (tfjs-node-gpu reuses tfjs-node's name), so it
 * cannot be loaded in the same process as the `tensorflow` plugin.
 */
export function createCudaPlugin(options: CudaPluginOptions = {}): BackendPlugin {
  return {
    specificationVersion: 'v1',
    name: 'cuda',
    tfjsBackendName: 'tensorflow',
    platforms: ['node'],
    priority: 400,
    async detect() {
      return detectCuda(options);
    },
    async load(): Promise<LoadedBackend> {
      const detection = detectCuda(options);
      if (!detection.available) throw new BackendError(`${detection.reason}. Fix: ${detection.fix ?? 'see digitlab backends'}`);
      await loadNativePackage(inspectNativePackage(packageName, options), 'tensorflow', (message) =>
        /lib(cudart|cudnn|cublas|cufft|curand|cusolver|cusparse)/.test(message) ? `a CUDA 11.2 / cuDNN 8.1 library failed to load: ${cudaInstallFix}` : `run: npm rebuild ${packageName}`,
      );
      const driver = checkNvidiaDriver(options);
      const gpus = listNvidiaGpus();
      return {
        name: 'cuda',
        tfjsBackendName: 'tensorflow',
        capabilities: {
          device: gpus[0] ?? 'gpu',
          ...(gpus.length > 1 ? { gpus: gpus.length } : {}),
          ...(driver.found && driver.version ? { driver: driver.version } : {}),
        },
      };
    },
  };
}

/**
 * Runs every check and reports every problem at once, in the order a user would fix them (package,
 * driver, libraries), so that one `digitlab backends` tells the whole story: on a machine without a
 * GPU, installing the package alone would not help, and the reason says so.
 */
function detectCuda(options: CudaPluginOptions): Detection {
  const osPlatform = options.osPlatform ?? process.platform;
  if (osPlatform !== 'linux' && osPlatform !== 'win32') {
    return { available: false, reason: `${packageName} has no GPU build for ${osPlatform} (Linux and Windows only)`, fix: 'use the tensorflow or wasm backend' };
  }
  const problems: { reason: string; fix: string }[] = [];
  const status = inspectNativePackage(packageName, options);
  if (status.problem) problems.push(status.problem);
  const driver = checkNvidiaDriver(options);
  if (!driver.found) problems.push({ reason: driver.reason, fix: driver.fix });
  // Windows finds DLLs through PATH; only the Linux loader's places are checked here.
  if (osPlatform === 'linux') {
    const libraries = checkCudaLibraries(requiredCudaLibraries, options);
    if (libraries.missing.length > 0) {
      const other =
        libraries.incompatible.length > 0
          ? ` (found ${libraries.incompatible.join(', ')}: other CUDA / cuDNN majors are not compatible with ${packageName}@4.22, which is built for CUDA 11.2 / cuDNN 8.1)`
          : '';
      problems.push({ reason: `${libraries.missing.join(', ')} not found on LD_LIBRARY_PATH, in /etc/ld.so.cache or the usual CUDA folders${other}`, fix: cudaInstallFix });
    }
  }
  if (problems.length > 0 || !driver.found) {
    return { available: false, reason: problems.map((problem) => problem.reason).join(', and '), fix: problems.map((problem) => problem.fix).join('; then ') };
  }
  return {
    available: true,
    reason: [`${packageName}@${status.version}, NVIDIA driver ${driver.version ?? `(${driver.source})`}`, ...status.notes].join('; '),
  };
}
