/**
 * Profiles one step with `tf.profile` and turns its kernel records into a {@link StepProfile}. The
 * wall time is taken around the step inside the profiled function, so it includes the profiler's own
 * book-keeping (a few microseconds per kernel) but not the awaiting of kernel times afterwards.
 * `tf.profile` also records op scopes (custom-gradient ops such as `fusedMatMul__op`) whose time is
 * that of the kernels they run; those are left out, so no time is counted twice.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CpuPeak } from './cpu-peak.js';
import { profileRows, type ProfiledKernel, type StepProfile } from './profile-table.js';

/** Runs `step` once under `tf.profile` and tabulates its kernels. `step` must dispose what it creates. */
export async function profileStep(phase: StepProfile['phase'], batch: number, peak: CpuPeak, step: () => void): Promise<StepProfile> {
  let stepMilliseconds = Number.NaN;
  const info = await tf.profile(() => {
    const start = performance.now();
    step();
    stepMilliseconds = performance.now() - start;
  });
  // tf.profile awaits every kernelTimeMs before it resolves; the cast records that.
  const backendName = tf.getBackend();
  const kernels = (info.kernels as unknown as ProfiledKernel[]).filter((record) => tf.getKernel(record.name, backendName) !== undefined);
  const rows = profileRows(kernels, stepMilliseconds, peak);
  return {
    phase,
    batch,
    stepMilliseconds,
    kernelMilliseconds: rows.reduce((total, row) => total + row.milliseconds, 0),
    flops: rows.reduce((total, row) => total + (row.flops ?? 0), 0),
    rows,
  };
}
