/**
 * `digitlab data [--directory DIR] [--json]` — loads real MNIST from the first source that has it,
 * verifies every file (IDX structure + SHA-256), and prints where each file came from, the split
 * sizes and the per-class counts.
 */
import { DatasetError, MNIST_SOURCES, type MnistSource, countLabels, loadMnist } from '@digitlab/datasets/node';
import { UsageError, createLogger, numberFlag, parseCommandArgs, runCommand, writeJson } from '../cli-support.js';

const usage = `usage: digitlab data [--directory DIR] [--cache-directory DIR] [--sources LIST] [--validation-size N] [--seed N] [--json]

Loads and verifies the real MNIST files and prints which source was used, the split sizes and the
per-class counts.
  --directory DIR        a folder holding the four MNIST files (raw or .gz)
  --cache-directory DIR  where downloads are kept (default $XDG_CACHE_HOME/digitlab/mnist or ~/.cache/digitlab/mnist)
  --sources LIST         comma-separated order of sources (default ${MNIST_SOURCES.join(',')})
  --validation-size N    training images held out for validation (default 5000)
  --seed N               seed of the validation split (default 0)
  --timeout-ms N         give up on a mirror after N ms without data (default 30000)
  --backend NAME         accepted for uniformity with other commands; data loads no backend
  --json                 print one JSON object on stdout
`;

/** Runs `digitlab data`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('data', argv, usage, async ({ json }) => {
    const { values } = parseCommandArgs(argv, {
      directory: { type: 'string' },
      'cache-directory': { type: 'string' },
      sources: { type: 'string' },
      'validation-size': { type: 'string' },
      seed: { type: 'string' },
      'timeout-ms': { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    });
    const logger = createLogger();
    const sources = parseSources(values.sources);
    const started = performance.now();
    let lastReport = 0;
    const splits = await loadMnist({
      ...(typeof values.directory === 'string' ? { directory: values.directory } : {}),
      ...(typeof values['cache-directory'] === 'string' ? { cacheDirectory: values['cache-directory'] } : {}),
      ...(sources ? { sources } : {}),
      validationSize: numberFlag(values, 'validation-size', 5000, { integer: true, min: 0 }),
      seed: numberFlag(values, 'seed', 0, { integer: true }),
      timeoutMs: numberFlag(values, 'timeout-ms', 30_000, { min: 1 }),
      onProgress: (event) => {
        if (event.type === 'skipped') logger.debug(`${event.file}: ${event.source} skipped: ${event.reason}`);
        else if (event.type === 'found') logger.debug(`${event.file}: ${event.source} ${event.location}`);
        else if (event.type === 'cached') logger.info(`${event.file}: cached in ${event.path}`);
        else if (event.type === 'cache-write-failed') logger.warn(`${event.file}: could not write the cache ${event.path}: ${event.reason}`);
        else if (event.type === 'download' && (performance.now() - lastReport > 1000 || event.receivedBytes === event.totalBytes)) {
          lastReport = performance.now();
          const total = event.totalBytes ? ` of ${(event.totalBytes / 1e6).toFixed(1)} MB` : '';
          logger.info(`${event.file}: ${(event.receivedBytes / 1e6).toFixed(1)} MB${total} from ${event.url}`);
        }
      },
    }).catch((error: unknown) => {
      // A bad --sources value is a usage mistake; everything else (missing, damaged files) is a failure.
      if (DatasetError.isInstance(error) && /unknown source|sources is empty/.test(error.message)) throw new UsageError(error.message, { cause: error });
      throw error;
    });
    const seconds = (performance.now() - started) / 1000;
    const splitRows = { train: splits.train, validation: splits.validation, test: splits.test };
    const summary = Object.fromEntries(Object.entries(splitRows).map(([name, dataset]) => [name, { size: dataset.size, classCounts: countLabels(dataset) }]));
    if (json) {
      writeJson({ files: splits.files, splits: summary, seconds: Number(seconds.toFixed(3)) });
      return 0;
    }
    const lines = [`MNIST loaded and verified (IDX structure + SHA-256) in ${seconds.toFixed(2)} s`, ''];
    for (const [name, origin] of Object.entries(splits.files)) lines.push(`  ${name.padEnd(24)} ${origin.source.padEnd(9)} ${origin.location}`);
    lines.push('', `  ${'split'.padEnd(10)} ${'size'.padStart(6)}  ${Array.from({ length: 10 }, (_, digit) => String(digit).padStart(5)).join(' ')}`);
    for (const [name, row] of Object.entries(summary)) {
      lines.push(`  ${name.padEnd(10)} ${String(row.size).padStart(6)}  ${row.classCounts.map((count) => String(count).padStart(5)).join(' ')}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}

function parseSources(raw: unknown): MnistSource[] | undefined {
  if (raw === undefined) return undefined;
  const sources = String(raw).split(',').map((source) => source.trim()).filter((source) => source.length > 0);
  for (const source of sources) {
    if (!MNIST_SOURCES.includes(source as MnistSource)) {
      throw new UsageError(`--sources: unknown source "${source}". Should be one of: ${MNIST_SOURCES.join(', ')}`);
    }
  }
  if (sources.length === 0) throw new UsageError(`--sources is empty. Give a comma-separated list of: ${MNIST_SOURCES.join(', ')}`);
  return sources as MnistSource[];
}
