import { describe, expect, it } from 'vitest';
import type { CpuPeak } from './cpu-peak.js';
import { formatProfile, peakLine, profileRows } from './profile-table.js';

// A 2000 MHz machine on 2 threads: 32 · 2000 MHz · 2 = 128 GFLOP/s AVX2, 64 GFLOP/s wasm SIMD-128.
const peak: CpuPeak = { model: 'Test CPU', clock: { megahertz: 2000, source: '/proc/cpuinfo cpu MHz' }, threads: 2, avx2GflopsPerSecond: 128, wasmSimdGflopsPerSecond: 64 };
// Two calls of one 3x3 convolution, output [8, 10, 10, 16] from 4 channels: 2·8·10·10·16·9·4 = 921,600 FLOPs each.
const conv = { name: 'Conv2D', inputShapes: [[8, 12, 12, 4], [3, 3, 4, 16]], outputShapes: [[8, 10, 10, 16]] };
const convFlops = 921_600;

describe('profileRows', () => {
  it('sums the calls of each kernel, largest time first, with the rate and both shares of peak', () => {
    const rows = profileRows(
      [
        { ...conv, kernelTimeMs: 0.01 },
        { name: 'Relu', inputShapes: [[8, 10, 10, 16]], outputShapes: [[8, 10, 10, 16]], kernelTimeMs: 0.005 },
        { ...conv, kernelTimeMs: 0.02 },
      ],
      0.05,
      peak,
    );
    expect(rows.map((row) => row.kernel)).toEqual(['Conv2D', 'Relu']);
    const [convolution, relu] = rows;
    expect(convolution).toMatchObject({ calls: 2, flops: 2 * convFlops });
    expect(convolution?.milliseconds).toBeCloseTo(0.03, 12);
    expect(convolution?.shareOfStep).toBeCloseTo(0.6, 12);
    // 1,843,200 FLOPs in 0.03 ms = 61.44 GFLOP/s: 48% of 128, 96% of 64.
    expect(convolution?.gflopsPerSecond).toBeCloseTo(61.44, 9);
    expect(convolution?.avx2PeakPercent).toBeCloseTo(48, 9);
    expect(convolution?.wasmSimdPeakPercent).toBeCloseTo(96, 9);
    expect(relu).toMatchObject({ calls: 1, flops: null, gflopsPerSecond: null, avx2PeakPercent: null, wasmSimdPeakPercent: null });
  });

  it('refuses a kernel tf.profile could not time, naming it', () => {
    expect(() => profileRows([{ ...conv, kernelTimeMs: { error: 'timer unavailable' } }], 1, peak)).toThrow('tf.profile could not time kernel Conv2D: timer unavailable');
  });

  it('leaves % of peak out when the clock is unknown, and says why', () => {
    const unknown: CpuPeak = { model: 'Test CPU', clock: null, clockUnknown: 'no cpu MHz', threads: 1, avx2GflopsPerSecond: null, wasmSimdGflopsPerSecond: null };
    const [row] = profileRows([{ ...conv, kernelTimeMs: 0.01 }], 0.01, unknown);
    expect(row).toMatchObject({ avx2PeakPercent: null, wasmSimdPeakPercent: null });
    expect(row?.gflopsPerSecond).toBeCloseTo(92.16, 9);
    expect(peakLine(unknown)).toBe('Test CPU, 1 thread(s); clock unknown (no cpu MHz), so no % of peak');
  });
});

describe('formatProfile', () => {
  it('prints the step line, the header and one aligned row per kernel, "-" where there is no rate', () => {
    const rows = profileRows([{ ...conv, kernelTimeMs: 0.02 }, { name: 'MaxPool', inputShapes: [[8, 10, 10, 16]], outputShapes: [[8, 5, 5, 16]], kernelTimeMs: 0.01 }], 0.04, peak);
    const text = formatProfile({ phase: 'train', batch: 8, stepMilliseconds: 0.04, kernelMilliseconds: 0.03, flops: convFlops, rows });
    expect(text.split('\n')).toEqual([
      'train step, batch 8: 0.0 ms wall, 0.0 ms in kernels (0.0 ms outside kernels: JS dispatch, gradient tape, read-back), 0.9 MFLOP counted',
      'kernel   calls  ms/step  share  MFLOP  GFLOP/s  % AVX2 peak  % wasm peak',
      'Conv2D       1     0.02  50.0%   0.92     46.1         36.0         72.0',
      'MaxPool      1     0.01  25.0%      -        -            -            -',
    ]);
    expect(peakLine(peak)).toBe(
      'Test CPU, 2000 MHz (/proc/cpuinfo cpu MHz), 2 thread(s): peak 128.0 GFLOP/s native AVX2 (2 FMA x 8 lanes x 2 = 32 flop/cycle/core), 64.0 GFLOP/s wasm SIMD-128 (16 flop/cycle/core)',
    );
  });
});
