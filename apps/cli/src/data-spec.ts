/**
 * `--data` / `--test`, one vocabulary in every command: `mnist[:digits=5-9][:per-class=K]`,
 * `csv:FILE` (Kaggle layout: label, pixel0..pixel783) or `folder:DIR` (one sub-folder per class).
 */
import { UsageError } from './exit-codes.js';

/** A parsed `--data` / `--test` value. */
export type DataSpec = { kind: 'mnist'; digits: number[]; perClass?: number } | { kind: 'csv'; path: string } | { kind: 'folder'; path: string };

/** The forms, for usage texts and errors. */
export const dataSpecForms = 'mnist[:digits=5-9][:per-class=K] | csv:FILE | folder:DIR';

/** Parses `mnist[:digits=5-9][:per-class=K] | csv:FILE | folder:DIR`. */
export function parseDataSpec(spec: string, flag = '--data'): DataSpec {
  const bad = (why: string) => new UsageError(`${flag} "${spec}": ${why}. Should be one of: mnist[:digits=5-9][:per-class=K], csv:FILE, folder:DIR`);
  if (spec.startsWith('csv:')) {
    if (spec.length === 4) throw bad('no file after csv:');
    return { kind: 'csv', path: spec.slice(4) };
  }
  if (spec.startsWith('folder:')) {
    if (spec.length === 7) throw bad('no folder after folder:');
    return { kind: 'folder', path: spec.slice(7) };
  }
  const [head, ...options] = spec.split(':');
  if (head !== 'mnist') throw bad(`unknown source "${head}"`);
  let digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  let perClass: number | undefined;
  for (const option of options) {
    const [key, value = ''] = option.split('=');
    if (key === 'digits') {
      const parsed = value.split(',').flatMap((part) => {
        const range = /^(\d)-(\d)$/.exec(part);
        if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
        if (/^\d$/.test(part)) return [Number(part)];
        throw bad(`digits must be digits or ranges like 5-9 or 0,2,4, got "${value}"`);
      });
      if (parsed.length < 2 || new Set(parsed).size !== parsed.length) throw bad(`digits must name at least 2 distinct digits, got "${value}"`);
      digits = parsed;
    } else if (key === 'per-class') {
      perClass = Number(value);
      if (!Number.isInteger(perClass) || perClass < 1) throw bad(`per-class must be a positive integer, got "${value}"`);
    } else {
      throw bad(`unknown option "${key}" (mnist takes digits=... and per-class=K)`);
    }
  }
  return { kind: 'mnist', digits, ...(perClass === undefined ? {} : { perClass }) };
}

/** The spec written back in its canonical form (config.json, digitlab.json). */
export function describeDataSpec(spec: DataSpec): string {
  if (spec.kind === 'mnist' && spec.digits.length === 10 && spec.digits.every((digit, index) => digit === index) && !spec.perClass) return 'mnist';
  if (spec.kind === 'mnist') return `mnist:digits=${spec.digits.join(',')}${spec.perClass ? `:per-class=${spec.perClass}` : ''}`;
  return `${spec.kind}:${spec.path}`;
}
