/**
 * What the browser benches print: the machine (lscpu's model name) and one line per measured figure
 * with its target and the verdict, so a printed table stands on its own.
 */
import { execFileSync } from 'node:child_process';

/** lscpu's "Model name", or why it is unknown. */
export function cpuModelName(): string {
  try {
    const output = execFileSync('lscpu', { encoding: 'utf8' });
    return /^Model name:\s*(.+)$/m.exec(output)?.[1]?.trim() ?? 'unknown (lscpu printed no model name)';
  } catch (error) {
    return `unknown (lscpu failed: ${error instanceof Error ? error.message : String(error)})`;
  }
}

/** `label: value — target …: met | not met`; `met` undefined prints "n/a" (not measured). */
export function targetLine(label: string, value: string, target: string, met: boolean | undefined): string {
  return `${label}: ${value} | target ${target}: ${met === undefined ? 'n/a' : met ? 'met' : 'NOT MET'}`;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
