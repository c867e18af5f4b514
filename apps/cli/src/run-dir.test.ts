import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runDirectory, trimMetrics } from './run-dir.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'digitlab-run-dir-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const line = (record: Record<string, unknown>) => `${JSON.stringify(record)}\n`;

it('trimMetrics drops the epochs a checkpoint does not hold and a line a kill cut short, keeping everything else in order', async () => {
  const run = runDirectory(root);
  const lines = [line({ type: 'epoch', epoch: 0, loss: 1 }), line({ type: 'eval', split: 'validation' }), line({ type: 'epoch', epoch: 1, loss: 0.5 }), line({ type: 'epoch', epoch: 2, loss: 0.4 })];
  await writeFile(run.metrics, `${lines.join('')}{"type":"epo`);
  expect(trimMetrics(run, 2)).toBe(2);
  expect(await readFile(run.metrics, 'utf8')).toBe(lines.slice(0, 3).join(''));
  expect(trimMetrics(run, 2)).toBe(0);
  expect(trimMetrics(run, 0)).toBe(2);
  expect(await readFile(run.metrics, 'utf8')).toBe(lines[1]);
});

it('trimMetrics leaves a run without metrics.jsonl alone', () => {
  expect(trimMetrics(runDirectory(join(root, 'none')), 3)).toBe(0);
});
