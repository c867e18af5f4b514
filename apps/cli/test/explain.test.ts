/**
 * `digitlab explain` end to end, in-process: the shipped pretrained bn-cnn on real MNIST digits
 * saved as PNG files; the HTML report opened from disk in real Chromium.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, type Browser } from '../../../test-support/browser/chromium.js';
import { run } from '../src/commands/explain.js';
import { writeMnistPngs } from './mnist-pngs.js';
import { checkPage } from './page-check.js';
import { runCaptured } from './support/run-captured.js';

const directory = mkdtempSync(join(tmpdir(), 'digitlab-explain-'));
let browser: Browser;
beforeAll(async () => {
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  rmSync(directory, { recursive: true, force: true });
});

type ExplainJson = {
  images: { file: string; predicted: number; probabilities: number[]; layers: { name: string; shape: number[] }[]; attributions: { method: string; target: number; values: number[]; layer?: string; completeness?: { relativeError: number } }[]; milliseconds: Record<string, number> }[];
  pngs: string[];
};

describe('digitlab explain', () => {
  it('explains real digits with pretrained:bn-cnn: prediction, every layer, each method, an HTML page Chromium shows cleanly, PNGs', async () => {
    const { files, labels } = writeMnistPngs(directory, [0, 1]);
    const out = join(directory, 'explain.html');
    const { code, stdout } = await runCaptured(run, ['--model', 'pretrained:bn-cnn', ...files, '--method', 'all', '--out', out, '--png', join(directory, 'png'), '--backend', 'wasm', '--threads', '1', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as ExplainJson;
    expect(result.images.map((image) => image.predicted)).toEqual(labels);
    for (const image of result.images) {
      expect(image.layers.map((layer) => layer.name)).toContain('block1_conv1');
      expect(image.layers.at(-1)).toMatchObject({ name: 'softmax', shape: [10] });
      expect(image.layers).toHaveLength(27); // the 26 layers of bn-cnn and the softmax
      expect(image.attributions.map((a) => a.method)).toEqual(['saliency', 'gradient-x-input', 'smoothgrad', 'integrated-gradients', 'occlusion', 'gradcam', 'gradcam']);
      for (const attribution of image.attributions) expect(attribution.values).toHaveLength(784);
      expect(image.attributions.find((a) => a.method === 'integrated-gradients')!.completeness!.relativeError).toBeLessThan(0.05);
      // The last block's map (4x4) and the first block's output (12x12), which shows where the evidence is.
      expect(image.attributions.filter((a) => a.method === 'gradcam').map((a) => a.layer)).toEqual(['block2_conv3_relu', 'block1_conv3_relu']);
      expect(Math.max(...image.attributions.at(-1)!.values)).toBeGreaterThan(0);
    }
    expect(result.pngs).toHaveLength(2 * 8);
    const png = PNG.sync.read(readFileSync(result.pngs.find((path) => path.endsWith('digit-0-gradcam-block1_conv3_relu.png'))!));
    expect([png.width, png.height]).toEqual([224, 224]);

    const page = readFileSync(out, 'utf8');
    expect(page.match(/<section/g)).toHaveLength(2);
    expect(page).toContain('block2_conv3_relu');
    const shown = await checkPage(browser, out);
    expect(shown.errors).toEqual([]);
    expect(shown.offOrigin).toEqual([]);
    expect(shown.title).toBe('digitlab explain: pretrained:bn-cnn');
    expect(shown.inked).toBeGreaterThan(0.05);
  });

  it('refuses an unknown method and a missing model before reading any image', async () => {
    const bad = await runCaptured(run, ['--model', 'pretrained:bn-cnn', 'x.png', '--method', 'lime']);
    expect(bad.code).toBe(2);
    const noModel = await runCaptured(run, ['x.png']);
    expect(noModel.code).toBe(2);
  });
});
