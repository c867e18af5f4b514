import { describe, expect, it } from 'vitest';
import { parseMetricsJsonl } from './learning-curves.js';

// Lines in the shape `digitlab train` appends (apps/cli/src/run-dir.ts appendMetrics with fit's EpochLogs);
// the CLI's report test parses a metrics.jsonl written by a real run.
const text = [
  '{"time":"2026-12-07T00:00:01Z","type":"epoch","epoch":0,"step":430,"loss":0.31,"accuracy":0.91,"learningRate":0.02,"images":55000,"trainSeconds":50,"validation":{"loss":0.08,"accuracy":0.975},"improved":true}',
  '{"time":"2026-12-07T00:01:01Z","type":"epoch","epoch":1,"step":860,"loss":0.07,"accuracy":0.978,"learningRate":0.001,"images":55000,"trainSeconds":49,"validation":{"loss":0.04,"accuracy":0.988},"improved":true}',
  '{"time":"2026-12-07T00:02:01Z","type":"epoch","epoch":1,"step":860,"loss":0.069,"accuracy":0.979,"learningRate":0.001,"images":55000,"trainSeconds":49,"validation":{"loss":0.04,"accuracy":0.989},"improved":true}',
  '{"time":"2026-12-07T00:02:05Z","type":"eval","split":"test","checkpoint":"best","loss":0.03,"accuracy":0.991}',
  '{"time":"2026-12-07T00:02:06Z","type":"epo',
].join('\n');

describe('parseMetricsJsonl', () => {
  it('reads epochs (1-based, the last line of a repeated epoch wins) and evaluations, and skips a partial last line', () => {
    const curves = parseMetricsJsonl(text);
    expect(curves.epochs).toEqual([
      { epoch: 1, step: 430, loss: 0.31, accuracy: 0.91, learningRate: 0.02, validationLoss: 0.08, validationAccuracy: 0.975 },
      { epoch: 2, step: 860, loss: 0.069, accuracy: 0.979, learningRate: 0.001, validationLoss: 0.04, validationAccuracy: 0.989 },
    ]);
    expect(curves.evaluations).toEqual([{ split: 'test', loss: 0.03, accuracy: 0.991 }]);
  });

  it('names a broken line in the middle', () => {
    expect(() => parseMetricsJsonl('{"type":"epoch"}\nnot json\n{}\n')).toThrow(/line 2 is not JSON: not json/);
  });
});
