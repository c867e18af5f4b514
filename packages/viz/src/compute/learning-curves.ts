/**
 * Learning curves from a run's `metrics.jsonl`, as `digitlab train` writes it: one
 * `{"type":"epoch", epoch, step, loss, accuracy, learningRate, validation?: {loss, accuracy}, ...}`
 * line per epoch (epoch counted from 0) and `{"type":"eval", split, loss, accuracy, ...}` lines.
 */
import { VizError } from '../errors.js';

/** One epoch of training. */
export interface EpochPoint {
  /** 1-based epoch number. */
  epoch: number;
  step: number;
  loss: number;
  accuracy: number;
  learningRate: number;
  validationLoss?: number;
  validationAccuracy?: number;
}

/** An evaluation line (the final test evaluation). */
export interface EvalPoint {
  split: string;
  loss: number;
  accuracy: number;
}

/** What a run's metrics.jsonl holds. */
export interface LearningCurves {
  epochs: EpochPoint[];
  evaluations: EvalPoint[];
}

/**
 * Parses the text of a metrics.jsonl. Lines of other types are ignored; a resumed run's repeated
 * epoch keeps its last line. A line that is not JSON throws, naming its number — except a last,
 * partial line, which a live run may be writing.
 */
export function parseMetricsJsonl(text: string): LearningCurves {
  const byEpoch = new Map<number, EpochPoint>();
  const evaluations: EvalPoint[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      if (index === lines.length - 1) return; // still being written
      throw new VizError(`metrics.jsonl line ${index + 1} is not JSON: ${line.slice(0, 80)}. Pass the metrics.jsonl a digitlab run wrote.`, { cause: error });
    }
    const number = (key: string) => (typeof record[key] === 'number' ? (record[key] as number) : NaN);
    if (record.type === 'epoch') {
      const validation = record.validation as { loss?: number; accuracy?: number } | undefined;
      const epoch = number('epoch') + 1;
      byEpoch.set(epoch, {
        epoch,
        step: number('step'),
        loss: number('loss'),
        accuracy: number('accuracy'),
        learningRate: number('learningRate'),
        ...(validation?.loss === undefined ? {} : { validationLoss: validation.loss }),
        ...(validation?.accuracy === undefined ? {} : { validationAccuracy: validation.accuracy }),
      });
    } else if (record.type === 'eval') {
      evaluations.push({ split: String(record.split ?? 'test'), loss: number('loss'), accuracy: number('accuracy') });
    }
  });
  return { epochs: [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch), evaluations };
}
