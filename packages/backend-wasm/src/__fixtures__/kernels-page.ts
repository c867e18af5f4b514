// A page entry: the kernel cases of kernels.test.ts (our training kernels: Conv2DBackpropFilter,
// Conv2DBackpropInput, MaxPoolGrad, BatchMatMul with transposes, the batch-norm training kernels, the optimizer updates,
// the residual convolution)
// run on `cpu` and on `wasm` inside Chromium; `pageResult` holds each case's relative error per
// output and the tensors it leaked on wasm. The test compares them with `tolerances`.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createCpuPlugin } from '@digitlab/backend';
import { createWasmPlugin } from '../index.js';
import { relativeError } from '../tolerances.js';
import { random, runOn } from './compare-backends.js';
import {
  adamCases,
  adamKernel,
  batchNormTrainingCases,
  batchNormTrainingKernels,
  conv2dResidualCases,
  conv2dResidualKernel,
  convAndGradients,
  convCases,
  matMulAndGradients,
  matMulCases,
  maxPoolAndGradient,
  maxPoolCases,
  sgdMomentumCases,
  sgdMomentumKernel,
  type KernelCase,
} from './kernel-cases.js';

interface CaseResult {
  name: string;
  errors: number[];
  outputs: number;
  leaked: number;
}

const result: Record<string, unknown> = {};
try {
  await createCpuPlugin().load();
  const loaded = await createWasmPlugin({ wasmPaths: '/wasm-files/' }).load();
  result.capabilities = loaded.capabilities;
  const cases: [string, KernelCase][] = [
    ...convCases.map((c): [string, KernelCase] => [`conv2d + Conv2DBackpropInput + Conv2DBackpropFilter x=${c.x} filter=${c.filter} strides=${c.strides} pad=${JSON.stringify(c.pad)}`, convAndGradients(c)]),
    ...maxPoolCases.map((c): [string, KernelCase] => [`maxPool + MaxPoolGrad x=${c.x} size=${c.size} stride=${c.stride} pad=${c.pad}`, maxPoolAndGradient(c)]),
    ...matMulCases.map((c): [string, KernelCase] => [
      `BatchMatMul a=${c.a} b=${c.b} transposeA=${c.transposeA} transposeB=${c.transposeB} + gradients`,
      [[random(c.a, 6), random(c.b, 7)], matMulAndGradients(c.transposeA, c.transposeB)],
    ]),
    ...batchNormTrainingCases.map((c): [string, KernelCase] => [`DigitlabBatchNormMoments + DigitlabBatchNormGradient x=${c.x} shift=${c.shift}`, batchNormTrainingKernels(c)]),
    ...sgdMomentumCases.map((c): [string, KernelCase] => [`DigitlabSgdMomentum ${JSON.stringify(c)}`, sgdMomentumKernel(c)]),
    ...adamCases.map((c): [string, KernelCase] => [`DigitlabAdam ${JSON.stringify(c)}`, adamKernel(c)]),
    ...conv2dResidualCases.map((c): [string, KernelCase] => [`DigitlabConv2DResidual x=${c.x} filter=${c.filter} strides=${c.strides}`, conv2dResidualKernel(c)]),
  ];
  const results: CaseResult[] = [];
  for (const [name, [inputs, compute]] of cases) {
    const cpu = await runOn('cpu', inputs, compute);
    const wasm = await runOn('wasm', inputs, compute);
    results.push({ name, errors: cpu.values.map((expected, index) => relativeError(wasm.values[index] ?? [], expected)), outputs: wasm.values.length, leaked: wasm.leaked });
  }
  result.cases = results;
} catch (error) {
  result.error = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
}
(globalThis as { pageResult?: unknown }).pageResult = result;
