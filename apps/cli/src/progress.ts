/**
 * Training progress for `digitlab train`, on stderr: a live bar with images/s and ETA when stderr
 * is a terminal, otherwise one line per epoch (logs and CI stay readable).
 */
import type { BatchLogs, Callback, EpochLogs } from '@digitlab/trainer/node';

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Training images per epoch. */
  imagesPerEpoch: number;
  epochs: number;
  /** Where to draw; default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Force the live bar on or off; default: on when `stream` is a TTY. */
  live?: boolean;
}

/** A trainer callback that reports progress. */
export function createProgress({ imagesPerEpoch, epochs, stream = process.stderr, live = stream.isTTY === true }: ProgressOptions): Callback {
  let epochStarted = 0;
  let imagesThisEpoch = 0;
  let lastDraw = 0;
  let smoothedLoss = NaN;
  let smoothedAccuracy = NaN;
  return {
    onEpochBegin() {
      epochStarted = performance.now();
      imagesThisEpoch = 0;
      smoothedLoss = NaN;
      smoothedAccuracy = NaN;
    },
    onBatchEnd(logs: BatchLogs) {
      imagesThisEpoch += logs.size;
      // Exponential moving averages: a single batch is too noisy to read.
      smoothedLoss = Number.isNaN(smoothedLoss) ? logs.loss : 0.9 * smoothedLoss + 0.1 * logs.loss;
      smoothedAccuracy = Number.isNaN(smoothedAccuracy) ? logs.accuracy : 0.9 * smoothedAccuracy + 0.1 * logs.accuracy;
      const now = performance.now();
      if (!live || (now - lastDraw < 100 && imagesThisEpoch < imagesPerEpoch)) return;
      lastDraw = now;
      const seconds = (now - epochStarted) / 1000;
      const rate = imagesThisEpoch / Math.max(seconds, 1e-9);
      const remaining = (imagesPerEpoch - imagesThisEpoch) / Math.max(rate, 1e-9);
      const width = 24;
      const filled = Math.round((width * imagesThisEpoch) / imagesPerEpoch);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      stream.write(
        `\r\x1b[2Kepoch ${logs.epoch + 1}/${epochs} ${bar} ${imagesThisEpoch}/${imagesPerEpoch}  loss ${smoothedLoss.toFixed(4)}  acc ${(100 * smoothedAccuracy).toFixed(2)}%  ${Math.round(rate)} img/s  ETA ${formatDuration(remaining)}`,
      );
    },
    onEpochEnd(logs: EpochLogs) {
      if (live) stream.write('\r\x1b[2K');
      stream.write(`${describeEpoch(logs, epochs)}\n`);
    },
  };
}

/** `epoch 1/2: loss 0.1234 acc 96.12% | validation loss 0.0456 acc 98.70% (best) | 512 img/s, 107 s` */
function describeEpoch(logs: EpochLogs, epochs: number): string {
  const validation = logs.validation
    ? ` | validation loss ${logs.validation.loss.toFixed(4)} acc ${(100 * logs.validation.accuracy).toFixed(2)}%${logs.improved ? ' (best)' : ''}`
    : '';
  const rate = logs.images / Math.max(logs.trainSeconds, 1e-9);
  return `epoch ${logs.epoch + 1}/${epochs}: loss ${logs.loss.toFixed(4)} acc ${(100 * logs.accuracy).toFixed(2)}%${validation} | ${Math.round(rate)} img/s, ${logs.trainSeconds.toFixed(1)} s`;
}

/** `1:05`, `12:00`, `1:02:03`. */
function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
