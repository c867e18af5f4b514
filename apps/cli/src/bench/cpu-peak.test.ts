import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AVX2_FLOPS_PER_CYCLE, WASM_SIMD_FLOPS_PER_CYCLE, clockFromCpuinfo, clockFromLscpu, cpuPeak } from './cpu-peak.js';

describe('cpuPeak', () => {
  it('is flop/cycle x clock x threads, with the clock from /proc/cpuinfo', () => {
    const megahertz = clockFromCpuinfo(readFileSync('/proc/cpuinfo', 'utf8'));
    if (megahertz === undefined) throw new Error('this machine\'s /proc/cpuinfo has no "cpu MHz" line; the test needs one');
    const peak = cpuPeak(2);
    expect(peak.clock?.source).toBe('/proc/cpuinfo cpu MHz');
    // The clock moves between two reads on a machine with frequency scaling: compare through the result itself.
    const clock = peak.clock?.megahertz ?? Number.NaN;
    expect(Math.abs(clock - megahertz) / megahertz).toBeLessThan(0.5);
    expect(peak.avx2GflopsPerSecond).toBeCloseTo((AVX2_FLOPS_PER_CYCLE * clock * 2) / 1000, 9);
    expect(peak.wasmSimdGflopsPerSecond).toBeCloseTo((WASM_SIMD_FLOPS_PER_CYCLE * clock * 2) / 1000, 9);
    expect(peak.model).not.toBe('');
  });

  it('averages the cores\' cpu MHz lines and ignores other fields', () => {
    expect(clockFromCpuinfo('processor\t: 0\ncpu MHz\t\t: 2000.000\ncpu cores\t: 2\n\nprocessor\t: 1\ncpu MHz\t\t: 3000.500\n')).toBeCloseTo(2500.25, 9);
    expect(clockFromCpuinfo('processor\t: 0\nBogoMIPS\t: 50.00\n')).toBeUndefined();
  });

  it('falls back to lscpu, naming which field it read', () => {
    const lscpu = execFileSync('lscpu', { encoding: 'utf8' });
    const fromMachine = clockFromLscpu(lscpu);
    // Some virtual machines' lscpu prints no clock at all; then there is nothing to read and the result says so.
    if (/^CPU( max)? MHz:/m.test(lscpu)) expect(fromMachine?.megahertz).toBeGreaterThan(0);
    else expect(fromMachine).toBeUndefined();
    expect(clockFromLscpu('Architecture: aarch64\nCPU max MHz: 2400.0000\nCPU min MHz: 1000.0000\n')).toEqual({ megahertz: 2400, source: 'lscpu CPU max MHz' });
    expect(clockFromLscpu('CPU MHz: 1795.123\nCPU max MHz: 3500\n')).toEqual({ megahertz: 1795.123, source: 'lscpu CPU MHz' });
  });
});
