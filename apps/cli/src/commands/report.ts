/**
 * `digitlab report RUN_DIR|--model DIR` — a self-contained HTML report of a trained model on the
 * MNIST test digits: learning curves, a confusion matrix that opens its mistakes, the per-class
 * report, the worst mistakes and an embedding of the penultimate layer.
 */
import { chooseBackend } from '../backends.js';
import { createLogger, runCommand, writeJson } from '../cli-support.js';
import { parseReportArgs, reportUsage } from '../report/report-options.js';
import { startReportWatch } from '../report/watch-report.js';
import { writeReport } from '../report/write-report.js';

/** Runs `digitlab report`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('report', argv, reportUsage, async ({ json }) => {
    const options = parseReportArgs(argv);
    const logger = createLogger();
    await chooseBackend(options.backend, { threads: options.threads, logger });
    if (options.watch && options.run !== undefined) {
      const watch = await startReportWatch({ ...options, run: options.run, watch: options.watch });
      logger.info(`live report of ${options.run} on ${watch.url} (Ctrl-C to stop)`);
      if (json) writeJson({ url: watch.url });
      await new Promise<void>((resolve) => process.once('SIGINT', resolve));
      await watch.close();
      return;
    }
    const result = await writeReport(options);
    const { total, predict, embedding } = result.seconds;
    logger.info(`${result.size} test digits in ${predict.toFixed(1)} s, ${result.embedding.kind} of ${result.embedding.count} in ${embedding.toFixed(1)} s, ${total.toFixed(1)} s in all`);
    if (json) {
      writeJson({
        report: result.out,
        accuracy: result.accuracy,
        size: result.size,
        confusionMatrix: result.cells.counts,
        perClass: result.report.perClass,
        mistakes: result.mistakes.map(({ index, label, predicted, probability }) => ({ index, label, predicted, probability })),
        embedding: result.embedding,
        seconds: result.seconds,
      });
    } else {
      process.stdout.write(`accuracy ${(100 * result.accuracy).toFixed(2)}% on ${result.size} test digits, ${result.mistakes.length} mistakes\nreport written to ${result.out}\n`);
    }
  });
}
