import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { trainCustom } from '../examples/custom-trainer.js';
import { finetunePretrained } from '../examples/finetune-pretrained.js';
import { createCpuPlugin, liveTensorCount, selectBackend } from '../packages/backend/src/index.js';
import { createWasmPlugin } from '../packages/backend-wasm/src/index.js';

// The examples/ scripts, run on small slices of real MNIST on the wasm backend (as `node
// examples/...` picks it by `auto` on a machine without a native engine), with leak checks.
beforeAll(async () => {
  await selectBackend('wasm', { plugins: [createWasmPlugin(), createCpuPlugin()], loadOptions: { threads: 1 } });
});
const out = mkdtempSync(join(tmpdir(), 'digitlab-examples-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('the custom trainer learns from 100 images per digit with its own loss and schedule', async () => {
  const before = liveTensorCount();
  const lines: string[] = [];
  const { accuracy, steps } = await trainCustom({ perClass: 100, testPerClass: 50, epochs: 2, report: (line: string) => lines.push(line) });
  console.log(lines.join('\n'));
  expect(steps).toBe(2 * Math.ceil(1000 / 64));
  expect(lines[0]).toMatch(/^epoch 1: loss \d+\.\d{4}, next lr /);
  // 2 epochs on 1,000 images: well above chance (10%); a broken loss or schedule stays near it.
  expect(accuracy).toBeGreaterThan(0.8);
  expect(liveTensorCount()).toBe(before);
}, 60_000);

it('fine-tuning the pretrained fast-cnn on digits 5-9 with LoRA trains a few percent of it and exports plain layers', async () => {
  const before = liveTensorCount();
  const lines: string[] = [];
  const folder = join(out, 'finetuned');
  const { accuracy, mergedAccuracy, parameters } = await finetunePretrained({ perClass: 50, testPerClass: 40, epochs: 2, out: folder, report: (line: string) => lines.push(line) });
  console.log(lines.join('\n'));
  expect(parameters.fraction).toBeGreaterThan(0);
  expect(parameters.fraction).toBeLessThan(0.1);
  expect(accuracy).toBeGreaterThan(0.85);
  // Merging LoRA is exact up to float rounding: the same predictions, so (nearly) the same accuracy.
  expect(Math.abs(mergedAccuracy - accuracy)).toBeLessThanOrEqual(1 / 200);
  const exported = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as { modelTopology: unknown };
  expect(JSON.stringify(exported.modelTopology)).not.toMatch(/Lora/);
  expect(JSON.parse(readFileSync(join(folder, 'digitlab.json'), 'utf8'))).toMatchObject({ labels: ['5', '6', '7', '8', '9'] });
  expect(lines[0]).toMatch(/^LoRA: \d+ of \d+ parameters trained/);
  expect(liveTensorCount()).toBe(before);
}, 60_000);
