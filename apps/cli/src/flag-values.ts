/** Small readers of parsed flag values that several commands share. */
import { UsageError } from './exit-codes.js';

/** A string flag given once or several times (or from --config) as a list. */
export function toList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? [value] : [];
}

/** A comma-separated flag as trimmed, non-empty parts; undefined when absent. */
export function commaList(value: unknown): string[] | undefined {
  return typeof value === 'string' ? value.split(',').map((part) => part.trim()).filter(Boolean) : undefined;
}

/** `--labels A,B,...`: distinct class names in label order, at least two; undefined when absent. */
export function labelsFlag(values: Record<string, unknown>): string[] | undefined {
  const labels = commaList(values.labels);
  if (labels === undefined) return undefined;
  if (labels.length < 2 || new Set(labels).size !== labels.length) {
    throw new UsageError(`--labels must list at least 2 distinct class names separated by commas, e.g. --labels cat,dog or --labels 0,1,2; got "${String(values.labels)}"`);
  }
  return labels;
}
