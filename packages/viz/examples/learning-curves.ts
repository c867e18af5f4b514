import { htmlPage, learningCurvesSvg, parseMetricsJsonl } from '@digitlab/viz';

/** A run's metrics.jsonl text (read it with fs or fetch) to charts on one offline page. */
export function example(metricsJsonl: string) {
  const curves = parseMetricsJsonl(metricsJsonl); // { epochs: [{ epoch, loss, validationLoss, ... }], evaluations }
  const charts = learningCurvesSvg(curves);
  const page = htmlPage({ title: 'training', sections: [{ heading: 'curves', html: charts.loss + charts.accuracy + charts.learningRate }] });
  return { curves, page };
}
