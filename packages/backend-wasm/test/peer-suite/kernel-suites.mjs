// Plain JS (with kernel-suites.d.mts) so that compare-with-stock.mjs runs in Node without a build.
/**
 * Which of tfjs-core's own op test files exercise each kernel we register on `wasm`. The peer
 * suite runs the union of these files (relative to tfjs-core's `dist/`); its test fails when a kernel of ours is missing here.
 */

/**
 * Kernel name → the tfjs-core test files that run it. An empty list names a kernel no tfjs-core op
 * reaches (our own custom kernels); `unreachableReasons` says where it is tested instead.
 */
export const kernelSuites = {
  Conv2D: ['ops/conv2d_test.js'],
  FusedConv2D: ['ops/fused/fused_conv2d_test.js'],
  _FusedMatMul: ['ops/fused/fused_mat_mul_test.js'],
  // The gradients of conv2d / fused conv2d and the forward pass of conv2dTranspose.
  Conv2DBackpropFilter: ['ops/conv2d_test.js', 'ops/conv2d_transpose_test.js', 'ops/fused/fused_conv2d_test.js'],
  Conv2DBackpropInput: ['ops/conv2d_test.js', 'ops/conv2d_transpose_test.js', 'ops/fused/fused_conv2d_test.js'],
  MaxPool: ['ops/max_pool_test.js'],
  MaxPoolGrad: ['ops/max_pool_test.js'],
  BatchMatMul: ['ops/mat_mul_test.js', 'ops/fused/fused_mat_mul_test.js'],
  Tile: ['ops/tile_test.js'],
  Sum: ['ops/sum_test.js'],
  Mean: ['ops/mean_test.js', 'ops/moments_test.js'],
  // tf.clone runs Identity.
  Identity: ['ops/clone_test.js'],
  // tfjs-core tests tf.cast (every dtype pair) in its Tensor suite.
  Cast: ['tensor_test.js'],
  FusedBatchNorm: ['ops/batchnorm_test.js'],
  // tf.mul is tested in arithmetic_test with div and pow.
  Multiply: ['ops/arithmetic_test.js'],
  Add: ['ops/add_test.js'],
  Sub: ['ops/sub_test.js'],
  // Ours where the kernel pool splits it, else stock (the suite's single thread).
  Relu: ['ops/relu_test.js'],
  // Relu's gradient runs our fused kernel once the kernels are registered.
  DigitlabReluGradient: ['ops/relu_test.js'],
  DigitlabBatchNormMoments: [],
  DigitlabBatchNormGradient: [],
  DigitlabSgdMomentum: [],
  DigitlabAdam: [],
  DigitlabGlobalNorm: [],
  DigitlabConv2DResidual: [],
};

/** Why a kernel with no tfjs-core test file is still covered. */
export const unreachableReasons = {
  DigitlabBatchNormMoments:
    "our custom kernel, called only by @digitlab/models' batchNormTraining; no tfjs-core op runs it. Checked against cpu in packages/backend-wasm/src/kernels.test.ts.",
  DigitlabBatchNormGradient:
    "our custom kernel, called only by @digitlab/models' batchNormTraining; no tfjs-core op runs it. Checked against cpu in packages/backend-wasm/src/kernels.test.ts.",
  DigitlabSgdMomentum:
    "our custom kernel, called only by @digitlab/trainer's sgd optimizer; no tfjs-core op runs it. Checked against the op-by-op update on cpu in packages/backend-wasm/src/optimizer-updates.test.ts.",
  DigitlabAdam:
    "our custom kernel, called only by @digitlab/trainer's adam and adamw optimizers; no tfjs-core op runs it. Checked against the op-by-op update on cpu in packages/backend-wasm/src/optimizer-updates.test.ts.",
  DigitlabGlobalNorm:
    "our custom kernel, called only by @digitlab/trainer's globalNorm; no tfjs-core op runs it. Checked against a float64 sum in packages/backend-wasm/src/optimizer-updates.test.ts.",
  DigitlabConv2DResidual:
    "our custom kernel, called only by @digitlab/models' inferenceFunction; no tfjs-core op runs it. Checked against cpu and the three kernels it replaces in packages/backend-wasm/src/conv2d-residual.test.ts.",
};

/** Every test file in `kernelSuites`, once each, in a stable order. */
export function peerSuiteFiles() {
  return [...new Set(Object.values(kernelSuites).flat())].sort();
}

/**
 * The (kernel, file) pairs of `kernelSuites` that a run never called, as "Kernel in file".
 * @param {Readonly<Record<string, Readonly<Record<string, number>>>>} kernelCalls kernel → file → calls
 * @returns {string[]}
 */
export function unexercisedMappings(kernelCalls) {
  return Object.entries(kernelSuites).flatMap(([kernel, files]) => files.filter((file) => !(kernelCalls[kernel]?.[file] ?? 0)).map((file) => `${kernel} in ${file}`));
}
