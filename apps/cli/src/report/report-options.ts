/** `digitlab report`: its usage text, flags, and their parsing into typed options. */
import { UsageError, numberFlag, parseCommandArgs } from '../cli-support.js';

export const reportUsage = `usage: digitlab report RUN_DIR [options]
       digitlab report --model DIR|pretrained:NAME [options]

Writes an HTML report (self-contained, opens from disk) of a trained model on the 10,000 MNIST test
digits: learning curves (from RUN_DIR/metrics.jsonl), the confusion matrix whose cells open their
misclassified digits, the per-class report, the worst mistakes with their probabilities, and an
embedding of the penultimate layer.
  RUN_DIR              a run folder of digitlab train (its model/ and metrics.jsonl are used)
  --model DIR|pretrained:NAME  a model folder or shipped pretrained model (no learning curves)
  --out FILE           the report (default RUN_DIR/report.html, or report.html)
  --embedding KIND     umap|pca (default umap)
  --embedding-size N   test digits in the embedding plot, a stratified-by-order subsample (default 2000)
  --test-limit N       evaluate only the first N test digits (default all 10,000)
  --watch              serve the report of RUN_DIR on http://127.0.0.1:PORT and redraw the learning
                       curves as metrics.jsonl grows (the rest appears once the run saves model/)
  --port N             port for --watch (default 6006; 0 picks a free one)
  --backend NAME       auto|wasm|cpu|tensorflow|cuda (default auto)
  --threads N          wasm worker threads
  --seed S             UMAP seed (default 0)
  --config FILE        JSON file whose keys match these flags
  --json               print one JSON object on stdout
`;

const reportFlags = {
  model: { type: 'string' },
  out: { type: 'string' },
  embedding: { type: 'string' },
  'embedding-size': { type: 'string' },
  'test-limit': { type: 'string' },
  watch: { type: 'boolean' },
  port: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** What `digitlab report` was asked to do. */
export interface ReportOptions {
  /** A run folder, when given. */
  run?: string;
  /** The model: the run's model/ folder, a folder, or pretrained:NAME. */
  model: string;
  out: string;
  embedding: 'umap' | 'pca';
  embeddingSize: number;
  testLimit?: number;
  /** Serve a live report on 127.0.0.1:port. */
  watch?: { port: number };
  backend?: string;
  threads?: number;
  seed: number;
}

/** Parses and validates the arguments before anything is loaded. */
export function parseReportArgs(argv: string[]): ReportOptions {
  const { values, positionals } = parseCommandArgs(argv, reportFlags, { allowPositionals: true });
  if (positionals.length > 1) throw new UsageError(`expected one run folder, got ${positionals.length}: ${positionals.join(', ')}`);
  const run = positionals[0];
  if (run !== undefined && typeof values.model === 'string') throw new UsageError('give a run folder or --model, not both');
  if (run === undefined && typeof values.model !== 'string') throw new UsageError('give a run folder (digitlab train prints it) or --model DIR|pretrained:NAME');
  const embedding = typeof values.embedding === 'string' ? values.embedding : 'umap';
  if (values.watch === true && run === undefined) throw new UsageError('--watch needs a run folder: digitlab report RUN_DIR --watch');
  if (embedding !== 'umap' && embedding !== 'pca') throw new UsageError(`--embedding: unknown kind "${embedding}". Should be one of: umap, pca`);
  return {
    ...(run === undefined ? {} : { run }),
    model: run === undefined ? (values.model as string) : `${run}/model`,
    out: typeof values.out === 'string' ? values.out : run === undefined ? 'report.html' : `${run}/report.html`,
    embedding,
    embeddingSize: numberFlag(values, 'embedding-size', 2000, { integer: true, min: 20 }),
    ...(values['test-limit'] === undefined ? {} : { testLimit: numberFlag(values, 'test-limit', 10_000, { integer: true, min: 10 }) }),
    ...(values.watch === true ? { watch: { port: numberFlag(values, 'port', 6006, { integer: true, min: 0 }) } } : {}),
    ...(typeof values.backend === 'string' ? { backend: values.backend } : {}),
    ...(values.threads === undefined ? {} : { threads: numberFlag(values, 'threads', 1, { integer: true, min: 1 }) }),
    seed: numberFlag(values, 'seed', 0, { integer: true }),
  };
}
