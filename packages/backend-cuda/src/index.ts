/**
 * @digitlab/backend-cuda — the `cuda` backend plugin: libtensorflow's GPU build through the optional
 * peer `@tensorflow/tfjs-node-gpu` (CUDA 11.2, cuDNN 8.1, NVIDIA driver).
 *
 * - `createCudaPlugin(options?)`: the plugin.
 * - `checkNvidiaDriver`, `checkCudaLibraries`, `listNvidiaGpus`: the side-effect-free checks it runs.
 */
export { createCudaPlugin, type CudaPluginOptions } from './cuda-plugin.js';
export {
  checkCudaLibraries,
  checkNvidiaDriver,
  cudaInstallFix,
  defaultLibraryDirs,
  listNvidiaGpus,
  requiredCudaLibraries,
  type CudaEnvironmentOptions,
  type DriverCheck,
  type LibraryCheck,
} from './cuda-environment.js';
