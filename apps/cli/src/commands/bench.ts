/**
 * `digitlab bench` — training and inference throughput of a zoo model on one backend, on random
 * data (the measurement is in `../bench/run-benchmark.ts`). Prints `{ backend, model, batch, threads,
 * steps, trainImagesPerSecond, inferModel, inferImagesPerSecond, inferLatencyMs, leakedTensorsPerStep, maxRssBytes }`;
 * `--profile` adds one profiled training step and one profiled inference, per kernel, against this
 * CPU's peak. The model definitions are the ones `bench/pytorch_reference.py` uses, so ratios are like for like.
 */
import { chooseBackend } from '../backends.js';
import { cpuPeak, type CpuPeak } from '../bench/cpu-peak.js';
import { formatProfile, peakLine, type StepProfile } from '../bench/profile-table.js';
import { benchOptimizers, runBenchmark } from '../bench/run-benchmark.js';
import { createLogger, numberFlag, parseCommandArgs, runCommand, UsageError, writeJson } from '../cli-support.js';

const models = ['seed-cnn', 'resnet-mini', 'resnet18', 'fast-cnn', 'fast-bn-cnn', 'bn-cnn'] as const;

/** The `--help` text (also read by `digitlab completion` for the flags). */
export const usage = `usage: digitlab bench [--model ${models.join('|')}] [--backend NAME] [--batch 64] [--steps N]
                      [--warmup N] [--optimizer sgdm|adam] [--threads N] [--profile] [--seed N] [--json]

Measures training and inference images/s on random data, and the median latency of one inference
call. Inference runs on the trained model with its batch normalisations folded into the layers
before them (inferModel: folded), as predict, evaluate and the demo serve it. Defaults: seed-cnn, auto backend, batch 64, 20 timed steps after 3 warm-up steps, SGD with
momentum 0.9 and learning rate 0.01. --profile then profiles one training step and one inference
(tf.profile) and prints per kernel: calls, ms, share of the step, FLOPs, GFLOP/s and % of this CPU's
peak (native AVX2: 32 flop/cycle/core; wasm SIMD-128: 16), for the thread count the engine uses.
`;

/** What `digitlab bench` prints. */
export interface BenchResult {
  backend: string;
  model: string;
  batch: number;
  threads: number | null;
  steps: number;
  warmup: number;
  optimizer: string;
  trainImagesPerSecond: number;
  /** The model inference was timed on: the trained one with its batch normalisations folded (`foldBatchNorm`). */
  inferModel: 'folded';
  inferImagesPerSecond: number;
  /** Median wall time of one inference call at this batch size, in ms. */
  inferLatencyMs: number;
  /** Tensors left alive per timed training step; anything above 0 is a leak. */
  leakedTensorsPerStep: number;
  /** Peak resident memory of this process (`process.resourceUsage().maxRSS`, converted from KiB). */
  maxRssBytes: number;
  /** With --profile: the ceilings and one profiled step of each phase. */
  profile?: { peak: CpuPeak; train: StepProfile; infer: StepProfile };
  capabilities: Record<string, string | number | boolean>;
}

/** Runs `digitlab bench`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('bench', argv, usage, async ({ json }) => {
    const { values } = parseCommandArgs(argv, {
      model: { type: 'string' },
      backend: { type: 'string' },
      batch: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      optimizer: { type: 'string' },
      threads: { type: 'string' },
      profile: { type: 'boolean' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
    });
    const model = oneOf(values, 'model', models, 'seed-cnn');
    const optimizer = oneOf(values, 'optimizer', benchOptimizers, 'sgdm');
    const batch = numberFlag(values, 'batch', 64, { integer: true, min: 1 });
    const steps = numberFlag(values, 'steps', 20, { integer: true, min: 1 });
    const warmup = numberFlag(values, 'warmup', 3, { integer: true, min: 0 });
    const seed = numberFlag(values, 'seed', 0, { integer: true });
    const threads = values.threads === undefined ? undefined : numberFlag(values, 'threads', 1, { integer: true, min: 1 });
    const logger = createLogger();
    const { chosen } = await chooseBackend(typeof values.backend === 'string' ? values.backend : 'auto', { threads, logger });
    const engineThreads = typeof chosen.capabilities.threads === 'number' ? chosen.capabilities.threads : (threads ?? null);
    logger.info(`bench: ${model}, batch ${batch}, ${optimizer}, ${warmup} warm-up + ${steps} timed steps${values.profile ? ', then one profiled step of each' : ''}`);
    const peak = values.profile ? cpuPeak(engineThreads ?? 1) : undefined;
    const { profile, ...measured } = await runBenchmark({ model, optimizer, batch, steps, warmup, seed, profilePeak: peak });
    const result: BenchResult = {
      backend: chosen.name,
      model,
      batch,
      threads: engineThreads,
      steps,
      warmup,
      optimizer,
      ...measured,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      ...(peak && profile ? { profile: { peak, ...profile } } : {}),
      capabilities: chosen.capabilities,
    };
    if (json) writeJson(result);
    else process.stdout.write(summary(result));
    return 0;
  });
}

function summary(result: BenchResult): string {
  const lines = [
    `${result.model} on ${result.backend}, batch ${result.batch}, ${result.threads ?? '?'} thread(s): train ${result.trainImagesPerSecond.toFixed(1)} img/s, ` +
      `infer (${result.inferModel}) ${result.inferImagesPerSecond.toFixed(1)} img/s (${result.inferLatencyMs.toFixed(2)} ms per call), ` +
      `leaked tensors/step ${result.leakedTensorsPerStep}, max RSS ${(result.maxRssBytes / 2 ** 20).toFixed(0)} MiB`,
  ];
  if (result.profile) lines.push('', peakLine(result.profile.peak), '', formatProfile(result.profile.train), '', formatProfile(result.profile.infer));
  return `${lines.join('\n')}\n`;
}

function oneOf<T extends string>(values: Record<string, unknown>, flag: string, choices: readonly T[], fallback: T): T {
  const value = values[flag] ?? fallback;
  if (!choices.includes(value as T)) throw new UsageError(`Unsupported --${flag}: "${String(value)}". Should be one of: ${choices.join(', ')}`);
  return value as T;
}
