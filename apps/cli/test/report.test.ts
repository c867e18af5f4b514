/**
 * `digitlab train` writes report.html into its run folder, and `digitlab report RUN_DIR` rebuilds it
 * with the numbers in --json; both in-process, on real MNIST; the page checked in real Chromium.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, type Browser } from '../../../test-support/browser/chromium.js';
import { run as report } from '../src/commands/report.js';
import { parseReportArgs } from '../src/report/report-options.js';
import { startReportWatch } from '../src/report/watch-report.js';
import { run as train } from '../src/commands/train.js';
import { checkPage, checkPageAt } from './page-check.js';
import { runCaptured } from './support/run-captured.js';

const directory = mkdtempSync(join(tmpdir(), 'digitlab-report-'));
const runFolder = join(directory, 'run');
let browser: Browser;
beforeAll(async () => {
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  rmSync(directory, { recursive: true, force: true });
});

type ReportJson = { accuracy: number; size: number; confusionMatrix: number[][]; mistakes: { index: number; label: number; predicted: number; probability: number }[]; embedding: { kind: string; layer: string; count: number }; seconds: Record<string, number> };

describe('digitlab report', () => {
  it('train writes report.html at the end of a real run; report RUN_DIR rebuilds it, its cells open their mistakes in Chromium', async () => {
    const trained = await runCaptured(train, ['--model', 'fast-cnn', '--limit', '1500', '--epochs', '2', '--out', runFolder, '--backend', 'wasm', '--threads', '1', '--json']);
    expect(trained.code).toBe(0);
    expect((JSON.parse(trained.stdout) as { report: string }).report).toBe(join(runFolder, 'report.html'));
    expect(readFileSync(join(runFolder, 'report.html'), 'utf8')).toContain('Learning curves');

    const out = join(directory, 'again.html');
    const { code, stdout } = await runCaptured(report, [runFolder, '--out', out, '--embedding', 'pca', '--embedding-size', '500', '--backend', 'wasm', '--threads', '1', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as ReportJson;
    expect(result.size).toBe(10_000);
    expect(result.accuracy).toBeGreaterThan(0.8); // 1,500 training digits, 2 epochs
    const offDiagonal = result.confusionMatrix.reduce((sum, row, t) => sum + row.reduce((s, n, p) => s + (p === t ? 0 : n), 0), 0);
    expect(result.mistakes).toHaveLength(offDiagonal);
    expect(result.embedding).toEqual({ kind: 'pca', layer: 'fc1', count: 500, seconds: expect.any(Number) });

    const page = readFileSync(out, 'utf8');
    expect(page.match(/<path class="series"/g)).toHaveLength(5); // loss and accuracy (train, validation), learning rate
    expect(page.match(/<circle class="point"/g)).toHaveLength(500);
    const worst = result.mistakes[0]!;
    expect(page).toContain(`id="cell-${worst.label}-${worst.predicted}"`);

    const shown = await checkPage(browser, out);
    expect(shown.errors).toEqual([]);
    expect(shown.offOrigin).toEqual([]);
    expect(shown.inked).toBeGreaterThan(0.05);
    // Clicking a mistake cell of the matrix opens the list of its digits.
    const { page: tab, errors } = await (await import('../../../test-support/browser/chromium.js')).openPage(browser, `file://${out}`);
    await tab.goto(`file://${out}`);
    const cell = `cell-${worst.label}-${worst.predicted}`;
    expect(await tab.evaluate((id) => (document.getElementById(id) as HTMLDetailsElement).open, cell)).toBe(false);
    await tab.click(`a[href="#${cell}"]`);
    // The page opens the cell on 'hashchange', a task queued after the click returns.
    await tab.waitForFunction((id) => (document.getElementById(id) as HTMLDetailsElement).open, cell, { timeout: 5_000 }).catch(() => undefined);
    expect(await tab.evaluate((id) => (document.getElementById(id) as HTMLDetailsElement).open, cell)).toBe(true);
    expect(await tab.locator(`#${cell} img`).count()).toBe(result.confusionMatrix[worst.label]![worst.predicted]);
    expect(errors).toEqual([]);
    await tab.context().close();
  });

  it('--watch serves the run on 127.0.0.1 and redraws the curves as metrics.jsonl grows', async () => {
    const options = parseReportArgs([runFolder, '--watch', '--port', '0', '--embedding', 'pca', '--embedding-size', '100', '--test-limit', '300']);
    // The default refresh (5 s) leaves Chromium time to draw and measure the page before it reloads.
    const watch = await startReportWatch({ ...options, run: runFolder, watch: options.watch! });
    try {
      expect(watch.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const first = await (await fetch(watch.url)).text();
      expect(first).toContain('2 epochs so far');
      expect(first).toContain('<meta http-equiv="refresh" content="5">');
      const metrics = join(runFolder, 'metrics.jsonl');
      appendFileSync(metrics, `${JSON.stringify({ type: 'epoch', epoch: 2, step: 999, loss: 0.2, accuracy: 0.95, learningRate: 0.001, validation: { loss: 0.25, accuracy: 0.93 } })}\n`);
      const second = await (await fetch(watch.url)).text();
      expect(second).toContain('3 epochs so far');
      expect(second.match(/<circle cx="[\d.]+" cy="[\d.]+" r="2.5"/g)!.length).toBeGreaterThan(first.match(/<circle cx="[\d.]+" cy="[\d.]+" r="2.5"/g)!.length);
      // The model's sections arrive once the saved model has been evaluated (300 digits here).
      let page = second;
      for (let tries = 0; tries < 120 && !page.includes('Confusion matrix'); tries++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        page = await (await fetch(watch.url)).text();
      }
      expect(page).toContain('Confusion matrix (300 test digits');
      const shown = await checkPageAt(browser, watch.url);
      expect(shown.errors).toEqual([]);
      expect(shown.offOrigin).toEqual([]);
    } finally {
      await watch.close();
    }
  });

  it('refuses a run folder together with --model, and an unknown embedding', async () => {
    expect((await runCaptured(report, [runFolder, '--model', 'pretrained:bn-cnn'])).code).toBe(2);
    expect((await runCaptured(report, ['--model', 'pretrained:bn-cnn', '--embedding', 'tsne'])).code).toBe(2);
    expect(existsSync(join(directory, 'report.html'))).toBe(false);
  });
});
