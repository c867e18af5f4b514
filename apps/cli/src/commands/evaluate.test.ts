import { describe, expect, it } from 'vitest';
import { formatMisclassified } from './evaluate.js';

describe('evaluate: the list of mistakes', () => {
  const mistake = (index: number, probability: number) => ({ index, label: 4, predicted: 9, probability, labelProbability: 1 - probability });

  it('shows the most confident mistakes first and says how many it left out', () => {
    const text = formatMisclassified([mistake(10, 0.6), mistake(20, 0.99), mistake(30, 0.8)], 2);
    expect(text.split('\n').filter((line) => line.startsWith('  '))).toEqual(['  20: 4 → 9 (0.990)', '  30: 4 → 9 (0.800)', '  ... and 1 more; --json lists all 3']);
  });

  it('prints nothing when there is no mistake, and no "more" line when all fit', () => {
    expect(formatMisclassified([])).toBe('');
    expect(formatMisclassified([mistake(1, 0.7)])).not.toContain('more');
  });
});
