import * as tf from '@tensorflow/tfjs-core';
import { expectNoTensorLeaks } from '@digitlab/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { linearModel, mnistSlice, pretrained, strokeModel, twoStrokes, useTestBackend } from '../__fixtures__/test-models.js';
import { gradCam } from './grad-cam.js';
import { gradientTimesInput, vanillaGradient } from './gradient.js';
import { integratedGradients } from './integrated-gradients.js';
import { occlusion } from './occlusion.js';
import { smoothGrad } from './smoothgrad.js';

beforeAll(useTestBackend);

const column = (weights: Float32Array, c: number) => Float32Array.from({ length: 784 }, (_, i) => weights[i * 10 + c]!);
const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i]!)), 0);

describe('gradients of a linear model (logits = x·W + b)', () => {
  it('saliency is the class column of W, gradient × input is x ⊙ W[:, c], SmoothGrad is W[:, c] whatever the noise', async () => {
    const { model, weights } = linearModel();
    const { images } = mnistSlice(1, 3);
    const pixels = images.dataSync();
    await expectNoTensorLeaks(() => {
      for (const target of [0, 4, 9]) {
        expect(maxDifference(vanillaGradient(model, images, { target }).values, column(weights, target))).toBeLessThan(1e-5);
        const product = column(weights, target).map((w, i) => w * pixels[i]!);
        expect(maxDifference(gradientTimesInput(model, images, { target }).values, product)).toBeLessThan(1e-5);
        expect(maxDifference(smoothGrad(model, images, { target, samples: 8, noiseLevel: 0.5 }).values, column(weights, target))).toBeLessThan(1e-5);
      }
    }, 'gradients');
    const predicted = vanillaGradient(model, images).target;
    const logits = tf.tidy(() => Array.from((model.predict(images) as tf.Tensor).dataSync()));
    expect(predicted).toBe(logits.indexOf(Math.max(...logits)));
    expect(() => vanillaGradient(model, images, { target: 10 })).toThrow(/target class 10 is outside 0..9/);
    images.dispose();
    model.dispose();
  });

  it('integrated gradients are exactly (x − b) ⊙ W[:, c] for a linear model', async () => {
    const { model, weights } = linearModel(5);
    const { images } = mnistSlice(1, 11);
    const pixels = images.dataSync();
    const background = Math.min(...pixels);
    const result = await expectNoTensorLeaks(() => integratedGradients(model, images, { target: 2, steps: 4 }), 'integratedGradients');
    expect(maxDifference(result.values, column(weights, 2).map((w, i) => w * (pixels[i]! - background)))).toBeLessThan(1e-4);
    expect(result.completeness.relativeError).toBeLessThan(1e-5);
    images.dispose();
    model.dispose();
  });
});

describe('integrated gradients on the pretrained bn-cnn', () => {
  it('sum to f(x) − f(baseline) within the reported error, which shrinks with more steps', async () => {
    const { model } = await pretrained('bn-cnn');
    const { images, labels } = mnistSlice(1, 0);
    const coarse = await expectNoTensorLeaks(() => integratedGradients(model, images, { steps: 8 }), 'integratedGradients');
    const fine = integratedGradients(model, images, { steps: 128 });
    expect(fine.target).toBe(labels[0]);
    const { attributionSum, outputDifference, error, relativeError } = fine.completeness;
    expect(Math.abs(fine.values.reduce((sum, v) => sum + v, 0) - attributionSum)).toBeLessThan(1e-3 * Math.abs(attributionSum));
    expect(error).toBeCloseTo(Math.abs(attributionSum - outputDifference), 5);
    expect(relativeError).toBeLessThan(0.02);
    expect(relativeError).toBeLessThan(coarse.completeness.relativeError);
    images.dispose();
  });
});

describe('occlusion', () => {
  it('is exactly 0 where the patch covers only background, and w·(x − fill) per pixel for a 1-pixel patch on a linear model', async () => {
    const { model } = await pretrained('fast-cnn');
    const { images } = mnistSlice(1, 0);
    const pixels = images.dataSync();
    const background = Math.min(...pixels);
    const result = await expectNoTensorLeaks(() => occlusion(model, images, { patch: 4, stride: 2 }), 'occlusion');
    // Every patch through pixel (y, x) lies inside rows/columns y-3..y+3: blank there means no change.
    const blankAround = (y: number, x: number) => {
      for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) if ((pixels[(y + dy) * 28 + x + dx] ?? background) !== background && y + dy >= 0 && y + dy < 28 && x + dx >= 0 && x + dx < 28) return false;
      return true;
    };
    let blank = 0;
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) if (blankAround(y, x)) {
      blank++;
      expect(result.values[y * 28 + x]).toBe(0);
    }
    expect(blank).toBeGreaterThan(100);
    expect(Math.max(...result.values)).toBeGreaterThan(0.5); // covering the stroke lowers the logit

    const { model: linear, weights } = linearModel(2);
    const single = occlusion(linear, images, { target: 7, patch: 1, stride: 1 });
    expect(maxDifference(single.values, column(weights, 7).map((w, i) => w * (pixels[i]! - background)))).toBeLessThan(1e-4);
    linear.dispose();
    images.dispose();
  });
});

describe('Grad-CAM', () => {
  it('lights the stroke the explained class depends on, and moves when the class does', async () => {
    const model = strokeModel();
    const { image, horizontal, vertical } = twoStrokes();
    const share = (values: Float32Array, inside: (y: number, x: number) => boolean) => {
      let total = 0;
      let within = 0;
      values.forEach((value, i) => {
        total += value;
        if (inside(Math.floor(i / 28), i % 28)) within += value;
      });
      return within / total;
    };
    const forHorizontal = await expectNoTensorLeaks(() => gradCam(model, image, { target: 0 }), 'gradCam');
    expect(forHorizontal.layer).toBe('strokes');
    expect([forHorizontal.camHeight, forHorizontal.camWidth, forHorizontal.values.length]).toEqual([28, 28, 784]);
    expect(share(forHorizontal.cam, horizontal)).toBeGreaterThan(0.99);
    const forVertical = gradCam(model, image, { target: 1, layer: 'strokes' });
    expect(share(forVertical.cam, vertical)).toBeGreaterThan(0.99);
    expect(() => gradCam(model, image, { layer: 'head' })).toThrow(/"head" has no spatial.*Should be one of: strokes/);
    image.dispose();
    model.dispose();
  });

  it('defaults to the last conv block\'s output of a pretrained model and upsamples to 28x28', async () => {
    const { model } = await pretrained('bn-cnn');
    const { images, labels } = mnistSlice(1, 1);
    const result = await expectNoTensorLeaks(() => gradCam(model, images), 'gradCam');
    expect(result.layer).toBe('block2_conv3_relu');
    expect(result.target).toBe(labels[0]);
    expect([result.camHeight, result.camWidth, result.height, result.width]).toEqual([4, 4, 28, 28]);
    expect(Math.min(...result.values)).toBeGreaterThanOrEqual(0);
    // At 4x4 behind a flatten-dense head the weighted sum can be negative everywhere (a map of 0s);
    // the first block's 12x12 output answers, denser on the digit's ink than off it.
    const early = gradCam(model, images, { layer: 'block1_conv3_relu' });
    expect([early.camHeight, early.camWidth]).toEqual([12, 12]);
    const ink = images.dataSync();
    const background = Math.min(...ink);
    const onInk = early.values.reduce((sum, value, i) => sum + (ink[i]! > background ? value : 0), 0);
    const inkShare = Array.from(ink).filter((value) => value > background).length / ink.length;
    expect(onInk / early.values.reduce((sum, value) => sum + value, 0)).toBeGreaterThan(1.2 * inkShare);
    images.dispose();
  });
});
