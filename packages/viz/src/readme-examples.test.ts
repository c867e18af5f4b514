/** The README's examples are the files in examples/, and each runs on the pretrained bn-cnn and real MNIST digits. */
import { readdirSync, readFileSync } from 'node:fs';
import { expectNoTensorLeaks } from '@digitlab/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { mnistSlice, pretrained, useTestBackend } from './__fixtures__/test-models.js';
import * as activations from '../examples/activations.js';
import * as confusion from '../examples/confusion.js';
import * as convFilters from '../examples/conv-filters.js';
import * as embeddings from '../examples/embeddings.js';
import * as gradCam from '../examples/grad-cam.js';
import * as gradients from '../examples/gradients.js';
import * as integratedGradients from '../examples/integrated-gradients.js';
import * as learningCurves from '../examples/learning-curves.js';
import * as occlusion from '../examples/occlusion.js';

beforeAll(useTestBackend);

describe('README examples', () => {
  it('the README includes every file of examples/ verbatim, after its marker', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const files = readdirSync(new URL('../examples/', import.meta.url)).sort();
    const included = [...readme.matchAll(/<!-- example: examples\/([\w-]+\.ts) -->\n```ts\n([\s\S]*?)```/g)].map(([, file, code]) => [file!, code!] as const);
    expect(included.map(([file]) => file).sort()).toEqual(files);
    for (const [file, code] of included) expect(code, file).toBe(readFileSync(new URL(`../examples/${file}`, import.meta.url), 'utf8'));
  });

  it('each example runs on the pretrained bn-cnn and real test digits and gives what its comment says', async () => {
    const { model } = await pretrained('bn-cnn');
    const one = mnistSlice(1, 0); // a 7
    const many = mnistSlice(200, 0);
    await expectNoTensorLeaks(() => {
      const a = activations.example(model, one.images);
      expect(a.names.at(-1)).toBe('softmax');
      expect(a.probabilities.indexOf(Math.max(...a.probabilities))).toBe(7);
      expect(convFilters.example(model).shape).toEqual([3, 3, 1, 32]);
      const g = gradients.example(model, one.images);
      expect([g.saliency.target, g.timesInput.target, g.smooth.target]).toEqual([7, 7, 7]);
      expect(integratedGradients.example(model, one.images).relativeError).toBeLessThan(0.05);
      expect(occlusion.example(model, one.images).map.values).toHaveLength(784);
      const c = gradCam.example(model, one.images);
      expect([c.layer, c.early.camHeight]).toEqual(['block2_conv3_relu', 12]);
      const e = embeddings.example(model, many.images, many.labels);
      expect([e.rows.dimension, e.linear.count, e.manifold.count]).toEqual([128, 200, 200]);
      const k = confusion.example(model, many.images, many.labels);
      expect(k.report.accuracy).toBeGreaterThan(0.98);
      expect(k.cells.counts.flat().reduce((sum, n) => sum + n, 0)).toBe(200);
    }, 'README examples');
    const curves = learningCurves.example('{"type":"epoch","epoch":0,"step":10,"loss":0.5,"accuracy":0.8,"learningRate":0.01}\n');
    expect(curves.curves.epochs).toHaveLength(1);
    expect(curves.page).toContain('<svg');
    one.images.dispose();
    many.images.dispose();
  });
});
