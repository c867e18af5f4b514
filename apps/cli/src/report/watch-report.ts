/**
 * `digitlab report RUN_DIR --watch`: a live report on 127.0.0.1, the way people watch TensorBoard.
 * The learning curves are re-read from metrics.jsonl on every request (cheap); the model's sections
 * (confusion matrix, mistakes, embedding) are computed once the run has saved `model/`, and again
 * whenever it saves a newer one. The page reloads itself every few seconds.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { htmlPage, parseMetricsJsonl, type PageSection } from '@digitlab/viz';
import { curvesSection, openTargetedCell } from './model-report.js';
import type { ReportOptions } from './report-options.js';
import { writeReport } from './write-report.js';

/** A running live report. */
export interface ReportWatch {
  url: string;
  close(): Promise<void>;
}

/** Starts the server of a live report of `options.run` on `options.watch.port`. */
export async function startReportWatch(options: ReportOptions & { run: string; watch: { port: number } }, { refreshSeconds = 5 } = {}): Promise<ReportWatch> {
  const metrics = join(options.run, 'metrics.jsonl');
  const modelFile = join(options.run, 'model', 'model.json');
  let model: { version: number; sections: PageSection[] } | undefined;
  let building: Promise<void> | undefined;
  const refreshModel = () => {
    if (!existsSync(modelFile) || building) return;
    const version = statSync(modelFile).mtimeMs;
    if (model?.version === version) return;
    building = writeReport({ ...options, out: join(options.run, 'report.html') })
      .then((result) => {
        model = { version, sections: result.modelSections };
      })
      .finally(() => {
        building = undefined;
      });
  };
  const page = () => {
    refreshModel();
    const curves = existsSync(metrics) ? parseMetricsJsonl(readFileSync(metrics, 'utf8')) : undefined;
    const waiting: PageSection[] = model ? [] : [{ heading: 'Model', html: `<p>${building ? 'Evaluating the saved model on the test digits…' : 'The confusion matrix, mistakes and embedding appear when the run saves model/.'}</p>` }];
    const epochs = curves?.epochs.length ?? 0;
    return htmlPage({
      title: `digitlab report (live): ${options.run}`,
      subtitle: `${epochs} epoch${epochs === 1 ? '' : 's'} so far; this page reloads every ${refreshSeconds} s`,
      sections: [...curvesSection(curves), ...(model?.sections ?? waiting)],
      script: openTargetedCell,
      refreshSeconds,
    });
  };
  const server = createServer((request, response) => {
    if (request.url !== '/' && request.url !== '/index.html') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the live report is at /');
      return;
    }
    try {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page());
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.watch.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      await building?.catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
