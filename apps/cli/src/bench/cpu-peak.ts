/**
 * This CPU's peak floating-point rate, the ceiling the profile table compares kernels against:
 * peak = flop/cycle/core × clock × threads. Two ceilings, both FMA-based (one multiply-add = 2 FLOPs):
 *   native AVX2: 2 FMA units × 8 float32 lanes × 2 = 32 flop/cycle (what PyTorch's kernels can reach);
 *   wasm SIMD-128: 2 FMA units × 4 lanes × 2 = 16 flop/cycle (what a wasm kernel can reach at best).
 * The clock is the mean of /proc/cpuinfo's `cpu MHz` lines (the current clock the kernel reports);
 * where that file has none (some ARM and virtual machines), lscpu's `CPU MHz` or `CPU max MHz`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** flop/cycle/core of native AVX2 code with two FMA units. */
export const AVX2_FLOPS_PER_CYCLE = 32;
/** flop/cycle/core of wasm SIMD-128 code with two FMA units. */
export const WASM_SIMD_FLOPS_PER_CYCLE = 16;

/** The clock the peaks assume, and where it was read. */
export interface CpuClock {
  megahertz: number;
  source: '/proc/cpuinfo cpu MHz' | 'lscpu CPU MHz' | 'lscpu CPU max MHz';
}

/** The machine and its two ceilings for `threads` threads, in GFLOP/s. */
export interface CpuPeak {
  model: string;
  clock: CpuClock | null;
  /** Why the clock is unknown, when it is. */
  clockUnknown?: string;
  threads: number;
  avx2GflopsPerSecond: number | null;
  wasmSimdGflopsPerSecond: number | null;
}

/** The mean of the `cpu MHz` lines of a /proc/cpuinfo text, or undefined when it has none. */
export function clockFromCpuinfo(text: string): number | undefined {
  const values = [...text.matchAll(/^cpu MHz\s*:\s*([\d.]+)\s*$/gm)].map((match) => Number(match[1])).filter((value) => value > 0);
  return values.length > 0 ? values.reduce((total, value) => total + value, 0) / values.length : undefined;
}

/** lscpu's `CPU MHz`, else its `CPU max MHz`, from its text output. */
export function clockFromLscpu(text: string): CpuClock | undefined {
  const current = /^CPU MHz:\s*([\d.]+)/m.exec(text)?.[1];
  if (current) return { megahertz: Number(current), source: 'lscpu CPU MHz' };
  const maximum = /^CPU max MHz:\s*([\d.]+)/m.exec(text)?.[1];
  return maximum ? { megahertz: Number(maximum), source: 'lscpu CPU max MHz' } : undefined;
}

function readText(read: () => string): string {
  try {
    return read();
  } catch {
    return '';
  }
}

/** Reads this machine's model and clock and works out both ceilings for `threads` threads. */
export function cpuPeak(threads: number): CpuPeak {
  const cpuinfo = readText(() => readFileSync('/proc/cpuinfo', 'utf8'));
  const fromCpuinfo = clockFromCpuinfo(cpuinfo);
  const lscpu = fromCpuinfo === undefined ? readText(() => execFileSync('lscpu', { encoding: 'utf8' })) : '';
  const clock: CpuClock | undefined = fromCpuinfo !== undefined ? { megahertz: fromCpuinfo, source: '/proc/cpuinfo cpu MHz' } : clockFromLscpu(lscpu);
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const ceiling = (flopsPerCycle: number) => (clock ? (flopsPerCycle * clock.megahertz * threads) / 1000 : null);
  return {
    model,
    clock: clock ?? null,
    ...(clock ? {} : { clockUnknown: 'no cpu MHz in /proc/cpuinfo and no CPU MHz or CPU max MHz from lscpu' }),
    threads,
    avx2GflopsPerSecond: ceiling(AVX2_FLOPS_PER_CYCLE),
    wasmSimdGflopsPerSecond: ceiling(WASM_SIMD_FLOPS_PER_CYCLE),
  };
}
