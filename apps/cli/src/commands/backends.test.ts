import { detectAll } from '@digitlab/backend';
import { describe, expect, it } from 'vitest';
import { createCliBackendRegistry } from '../backends.js';
import { run, type BackendRow } from './backends.js';
import { runCaptured as runCapturedWith } from '../../test/support/run-captured.js';

const runCaptured = (argv: string[]) => runCapturedWith(run, argv);

const reports = await detectAll(await createCliBackendRegistry());

describe('digitlab backends', () => {
  it('--json lists every plugin, available or not, as real detection found them', async () => {
    const { code, stdout } = await runCaptured(['--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { platform: string; auto: string | null; backends: BackendRow[] };
    expect(result.platform).toBe('node');
    expect(result.backends.map((row) => [row.name, row.priority, row.available, row.reason])).toEqual(
      reports.map((report) => [report.name, report.priority, report.detection.available, report.detection.reason]),
    );
    expect(result.auto).toBe(reports.find((report) => report.detection.available)?.name);
    // Node 20 validates SIMD WebAssembly, which is what makes wasm fast.
    expect(result.backends.find((row) => row.name === 'wasm')?.capabilities).toEqual({ simd: true });
    for (const row of result.backends.filter((entry) => !entry.available)) expect(row.fix).toMatch(/\S/);
  });

  it('--load reports what the loaded engines say about themselves', async () => {
    const { code, stdout } = await runCaptured(['--json', '--load']);
    expect(code).toBe(0);
    const rows = (JSON.parse(stdout) as { backends: BackendRow[] }).backends;
    const wasm = rows.find((row) => row.name === 'wasm');
    expect(wasm).toMatchObject({ loaded: true, capabilities: { simd: true } });
    expect(wasm?.capabilities.threads).toBeGreaterThanOrEqual(1);
    expect(rows.find((row) => row.name === 'cpu')).toMatchObject({ loaded: true, capabilities: { threads: 1 } });
  });

  it('prints a table with the fixes for what is missing', async () => {
    const { code, stdout } = await runCaptured([]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^backend\s+available\s+priority\s+platforms\s+capabilities\s+reason$/);
    for (const report of reports) expect(stdout).toMatch(new RegExp(`^${report.name}\\s+${report.detection.available ? 'yes' : 'no'}\\s+${report.priority}\\s`, 'm'));
    expect(stdout).toContain(`auto picks: ${reports.find((report) => report.detection.available)?.name}`);
    for (const report of reports.filter((entry) => !entry.detection.available)) expect(stdout).toContain(`  ${report.name}: ${report.detection.fix}`);
  });

  it('a bad flag is a usage error (exit 2)', async () => {
    expect((await runCaptured(['--frobnicate'])).code).toBe(2);
  });
});
