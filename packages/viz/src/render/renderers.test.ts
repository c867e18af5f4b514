import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mnistSlice, pretrained, useTestBackend } from '../__fixtures__/test-models.js';
import { layerActivations } from '../compute/activations.js';
import { convFilters } from '../compute/conv-filters.js';
import { gradCam } from '../compute/grad-cam.js';
import { vanillaGradient } from '../compute/gradient.js';
import { parseMetricsJsonl } from '../compute/learning-curves.js';
import { confusionCells } from '../compute/confusion-cells.js';
import { writePng } from '../node.js';
import { colorOf, scaleFor } from './color-scales.js';
import { confusionMatrixSvg } from './confusion-matrix.js';
import { heatMapOverlaySvg } from './heat-map-overlay.js';
import { htmlPage } from './html-page.js';
import { activationSvg, filterGridSvg } from './image-grid.js';
import { learningCurvesSvg } from './line-chart.js';
import { probabilityBarsSvg } from './probability-bars.js';
import { enlarge, grayImage } from './raster.js';
import { embeddingScatterSvg } from './scatter.js';

beforeAll(useTestBackend);

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['rect', 'text', 'image', 'circle', 'path', 'a', 'g'].includes(name) });

/** Parses an SVG string (failing on malformed XML) and returns every element named `tag`, at any depth. */
function parseSvg(svg: string): { all: (tag: string) => Record<string, unknown>[]; texts: string[] } {
  const valid = XMLValidator.validate(svg);
  expect(valid, typeof valid === 'object' ? valid.err.msg : '').toBe(true);
  const root = parser.parse(svg) as Record<string, unknown>;
  const found = new Map<string, Record<string, unknown>[]>();
  const texts: string[] = [];
  const walk = (node: unknown, tag: string) => {
    if (Array.isArray(node)) return node.forEach((child) => walk(child, tag));
    if (typeof node !== 'object' || node === null) {
      if (tag === 'text') texts.push(String(node));
      return;
    }
    if (!found.has(tag)) found.set(tag, []);
    found.get(tag)!.push(node as Record<string, unknown>);
    for (const [key, child] of Object.entries(node)) if (typeof child === 'object' || key === '#text') walk(child, key === '#text' ? tag : key);
  };
  walk(root, '#root');
  return { all: (tag) => found.get(tag) ?? [], texts };
}

describe('SVG renderers', () => {
  it('learning curves: a loss chart and an accuracy chart with train and validation series, one point per epoch', () => {
    const curves = parseMetricsJsonl(
      [0, 1, 2].map((epoch) => JSON.stringify({ type: 'epoch', epoch, step: 100 * (epoch + 1), loss: 1 / (epoch + 1), accuracy: 0.9 + epoch / 100, learningRate: 0.01 / (epoch + 1), validation: { loss: 0.5 / (epoch + 1), accuracy: 0.95 } })).join('\n'),
    );
    const charts = learningCurvesSvg(curves);
    for (const key of ['loss', 'accuracy'] as const) {
      const svg = parseSvg(charts[key]);
      expect(svg.all('path').map((path) => path.class === 'series' && path['data-name'])).toEqual(['train', 'validation']);
      expect(svg.all('circle')).toHaveLength(6);
      expect(svg.texts.join(' ')).toContain(key);
    }
    expect(parseSvg(charts.learningRate).all('path')).toHaveLength(1);
  });

  it('confusion matrix: 100 cells, the class names on both axes, links on the mistake cells that hold examples', () => {
    const labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 5, 5];
    const predicted = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 5, 3, 3];
    const { counts } = confusionCells(labels, predicted);
    const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    const svg = parseSvg(confusionMatrixSvg(counts, { labels: names }));
    expect(svg.all('rect').filter((rect) => rect.class === 'cell')).toHaveLength(100);
    expect(svg.all('a').map((a) => a.href).sort()).toEqual(['#cell-3-5', '#cell-5-3']);
    for (const name of names) expect(svg.texts.filter((text) => text === name)).toHaveLength(2);
  });

  it('probability bars: one bar per class, the predicted class first in the title', () => {
    const svg = parseSvg(probabilityBarsSvg([0.01, 0.02, 0.9, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01], { truth: 7 }));
    expect(svg.all('rect')).toHaveLength(10);
    expect(svg.texts).toContain('90.0%');
  });

  it('feature maps, filters and overlays of the pretrained bn-cnn: one image per channel, a legend with the value range', async () => {
    const { model } = await pretrained('bn-cnn');
    const { images } = mnistSlice(1, 0);
    const activations = layerActivations(model, images);
    const conv = activations.find((a) => a.name === 'block1_conv1')!;
    const maps = parseSvg(activationSvg(conv));
    expect(maps.all('image')).toHaveLength(32);
    const scale = scaleFor(conv.values);
    expect(maps.texts).toContain(String(Number(scale.max.toPrecision(4))));
    expect(parseSvg(activationSvg(activations.find((a) => a.name === 'fc1_relu')!)).all('rect').filter((rect) => rect.class === 'cell')).toHaveLength(128);
    expect(parseSvg(activationSvg(activations.at(-1)!)).all('rect').filter((rect) => rect.class === 'cell')).toHaveLength(10);
    expect(parseSvg(filterGridSvg(convFilters(model))).all('image')).toHaveLength(32);
    const pixels = images.dataSync();
    const overlay = parseSvg(heatMapOverlaySvg(pixels, vanillaGradient(model, images)));
    expect(overlay.all('image')).toHaveLength(1);
    expect(String(overlay.all('image')[0]!.href)).toMatch(/^data:image\/png;base64,/);
    expect(parseSvg(heatMapOverlaySvg(pixels, gradCam(model, images, { layer: 'block1_conv3_relu' }))).texts.join(' ')).toContain('gradcam, class 7');
    images.dispose();
  });

  it('embedding scatter: one point per example, a legend entry per class', () => {
    const points = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
    const labels = Array.from({ length: 20 }, (_, i) => i % 4);
    const svg = parseSvg(embeddingScatterSvg({ points, count: 20, components: 2, axes: [], explainedVariance: [] }, labels, { labelNames: ['a', 'b', 'c', 'd'] }));
    expect(svg.all('circle').filter((circle) => circle.class === 'point')).toHaveLength(20);
    expect(svg.texts).toEqual(expect.arrayContaining(['a', 'b', 'c', 'd']));
  });

  it('colour scales: diverging scales are white at 0 and symmetric; viridis runs dark purple to yellow', () => {
    const diverging = scaleFor([-2, 1]);
    expect([diverging.min, diverging.max]).toEqual([-2, 2]);
    expect(Math.min(...colorOf(diverging, 0))).toBeGreaterThan(230);
    const sequential = scaleFor([0, 1]);
    expect(colorOf(sequential, 0)).toEqual([68, 1, 84]);
    expect(colorOf(sequential, 1)).toEqual([253, 231, 37]);
  });
});

describe('HTML and PNG', () => {
  it('the page is self-contained: a CSP that forbids fetching, no external reference', () => {
    const page = htmlPage({ title: 'T <x>', sections: [{ heading: 'h', html: '<p>ok</p>', id: 's' }] });
    expect(page).toContain("default-src 'none'");
    expect(page).toContain('<title>T &lt;x&gt;</title>');
    expect(page).not.toMatch(/(src|href)="https?:/);
  });

  it('writePng writes a PNG that pngjs decodes to the expected size and pixels', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'viz-png-'));
    try {
      const values = Float32Array.from({ length: 28 * 28 }, (_, i) => i % 28);
      await writePng(join(folder, 'sub', 'digit.png'), enlarge(grayImage(values, 28, 28), 4));
      const png = PNG.sync.read(await readFile(join(folder, 'sub', 'digit.png')));
      expect([png.width, png.height]).toEqual([112, 112]);
      expect(png.data[0]).toBe(0);
      expect(png.data[(111 * 112 + 111) * 4]).toBe(255);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
