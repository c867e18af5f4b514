/**
 * The `digitlab bench --profile` table: one row per kernel of one profiled step (calls, ms, share of
 * the step, FLOPs, GFLOP/s and the share of this CPU's two ceilings), largest time first, so a reader
 * sees which kernels are near the machine's limit and which are not.
 */
import type { CpuPeak } from './cpu-peak.js';
import { kernelFlops, type KernelShapes } from './kernel-flops.js';

/** One kernel call as `tf.profile` records it, its time already awaited. */
export interface ProfiledKernel extends KernelShapes {
  kernelTimeMs: number | { error: string };
}

/** All calls of one kernel in the profiled step. */
export interface ProfileRow {
  kernel: string;
  calls: number;
  /** Summed time of its calls in the step. */
  milliseconds: number;
  /** milliseconds / the step's wall time. */
  shareOfStep: number;
  /** Summed FLOPs of its calls; null for a memory-bound kernel. */
  flops: number | null;
  gflopsPerSecond: number | null;
  /** Percent of the native AVX2 ceiling for the step's thread count (null when FLOPs or clock are unknown). */
  avx2PeakPercent: number | null;
  /** Percent of the wasm SIMD-128 ceiling. */
  wasmSimdPeakPercent: number | null;
}

/** One profiled step: its wall time, the time inside kernels, and the rows. */
export interface StepProfile {
  phase: 'train' | 'infer';
  batch: number;
  stepMilliseconds: number;
  kernelMilliseconds: number;
  flops: number;
  rows: ProfileRow[];
}

/** Groups a step's kernel calls by kernel name into rows, largest time first. */
export function profileRows(kernels: readonly ProfiledKernel[], stepMilliseconds: number, peak: CpuPeak): ProfileRow[] {
  const groups = new Map<string, { calls: number; milliseconds: number; flops: number | null }>();
  for (const call of kernels) {
    if (typeof call.kernelTimeMs !== 'number') throw new Error(`tf.profile could not time kernel ${call.name}: ${call.kernelTimeMs.error}`);
    const flops = kernelFlops(call);
    const group = groups.get(call.name) ?? { calls: 0, milliseconds: 0, flops: flops === undefined ? null : 0 };
    group.calls += 1;
    group.milliseconds += call.kernelTimeMs;
    if (group.flops !== null && flops !== undefined) group.flops += flops;
    groups.set(call.name, group);
  }
  const percentOf = (gflops: number | null, ceiling: number | null) => (gflops === null || ceiling === null ? null : (100 * gflops) / ceiling);
  return [...groups.entries()]
    .map(([kernel, { calls, milliseconds, flops }]) => {
      const gflopsPerSecond = flops === null || milliseconds <= 0 ? null : flops / (milliseconds * 1e6);
      return {
        kernel,
        calls,
        milliseconds,
        shareOfStep: milliseconds / stepMilliseconds,
        flops,
        gflopsPerSecond,
        avx2PeakPercent: percentOf(gflopsPerSecond, peak.avx2GflopsPerSecond),
        wasmSimdPeakPercent: percentOf(gflopsPerSecond, peak.wasmSimdGflopsPerSecond),
      };
    })
    .sort((a, b) => b.milliseconds - a.milliseconds);
}

/** The ceilings line that heads every table: machine, clock and its source, threads, both peaks. */
export function peakLine(peak: CpuPeak): string {
  if (!peak.clock) return `${peak.model}, ${peak.threads} thread(s); clock unknown (${peak.clockUnknown}), so no % of peak`;
  return (
    `${peak.model}, ${peak.clock.megahertz.toFixed(0)} MHz (${peak.clock.source}), ${peak.threads} thread(s): ` +
    `peak ${peak.avx2GflopsPerSecond?.toFixed(1)} GFLOP/s native AVX2 (2 FMA x 8 lanes x 2 = 32 flop/cycle/core), ` +
    `${peak.wasmSimdGflopsPerSecond?.toFixed(1)} GFLOP/s wasm SIMD-128 (16 flop/cycle/core)`
  );
}

/** A step's profile as an aligned text table. */
export function formatProfile(profile: StepProfile): string {
  const dash = (value: number | null, digits: number) => (value === null ? '-' : value.toFixed(digits));
  const header = ['kernel', 'calls', 'ms/step', 'share', 'MFLOP', 'GFLOP/s', '% AVX2 peak', '% wasm peak'];
  const body = profile.rows.map((row) => [
    row.kernel,
    String(row.calls),
    row.milliseconds.toFixed(2),
    `${(100 * row.shareOfStep).toFixed(1)}%`,
    dash(row.flops === null ? null : row.flops / 1e6, 2),
    dash(row.gflopsPerSecond, 1),
    dash(row.avx2PeakPercent, 1),
    dash(row.wasmSimdPeakPercent, 1),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  const outside = profile.stepMilliseconds - profile.kernelMilliseconds;
  return [
    `${profile.phase} step, batch ${profile.batch}: ${profile.stepMilliseconds.toFixed(1)} ms wall, ${profile.kernelMilliseconds.toFixed(1)} ms in kernels ` +
      `(${outside.toFixed(1)} ms outside kernels: JS dispatch, gradient tape, read-back), ${(profile.flops / 1e6).toFixed(1)} MFLOP counted`,
    line(header),
    ...body.map(line),
  ].join('\n');
}
