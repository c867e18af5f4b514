/**
 * One image explained: the computations of @digitlab/viz on a model's input, gathered as plain
 * data, then drawn as an HTML section and as PNG files.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  activationSvg,
  blendImages,
  colorImage,
  defaultCamLayer,
  digitSvg,
  enlarge,
  escapeXml,
  gradCam,
  gradientTimesInput,
  grayImage,
  heatMapOverlaySvg,
  integratedGradients,
  layerActivations,
  occlusion,
  probabilityBarsSvg,
  scaleFor,
  smoothGrad,
  vanillaGradient,
  type Attribution,
  type AttributionMethod,
  type LayerActivation,
  type RgbaImage,
} from '@digitlab/viz';

/** What explaining one image found. */
export interface ImageExplanation {
  file: string;
  /** The input as the model sees it (normalised), 28x28. */
  input: Float32Array;
  predicted: number;
  probabilities: number[];
  activations: LayerActivation[];
  attributions: (Attribution & { layer?: string; completeness?: unknown })[];
  /** Milliseconds: every layer's activations, and each attribution method. */
  milliseconds: Record<string, number>;
}

/** Runs every layer and each method in `methods` on `image` (`[1, 28, 28, 1]`, normalised). */
export function explainImage(model: tfl.LayersModel, file: string, image: tf.Tensor4D, { methods, layer, seed }: { methods: AttributionMethod[]; layer?: string; seed: number }): ImageExplanation {
  const milliseconds: Record<string, number> = {};
  const timed = <T>(name: string, body: () => T): T => {
    const start = performance.now();
    const result = body();
    milliseconds[name] = performance.now() - start;
    return result;
  };
  const activations = timed('activations', () => layerActivations(model, image));
  const probabilities = Array.from(activations.at(-1)!.values);
  const predicted = probabilities.indexOf(Math.max(...probabilities));
  const attributions: ImageExplanation['attributions'] = [];
  for (const method of methods) {
    attributions.push(
      timed(method, () => {
        switch (method) {
          case 'saliency':
            return vanillaGradient(model, image, { target: predicted });
          case 'gradient-x-input':
            return gradientTimesInput(model, image, { target: predicted });
          case 'smoothgrad':
            return smoothGrad(model, image, { target: predicted, seed });
          case 'integrated-gradients':
            return integratedGradients(model, image, { target: predicted });
          case 'occlusion':
            return occlusion(model, image, { target: predicted });
          case 'gradcam':
            return gradCam(model, image, { target: predicted, layer: layer ?? defaultCamLayer(model) });
        }
      }),
    );
    if (method === 'gradcam' && layer === undefined) {
      const previous = previousResolutionLayer(model, defaultCamLayer(model));
      if (previous) attributions.push(timed('gradcam-previous-block', () => gradCam(model, image, { target: predicted, layer: previous })));
    }
  }
  return { file, input: Float32Array.from(image.dataSync()), predicted, probabilities, activations, attributions, milliseconds };
}

/**
 * The last layer (dropout aside) whose output is at least 3 times as wide as `layer`'s: the output
 * of the block before the last downsampling (12x12 `block1_conv3_relu` for bn-cnn's 4x4 default).
 * Grad-CAM at the last block can be 0 everywhere behind a flatten-dense head; the earlier block
 * shows where the evidence is, at a finer resolution.
 */
function previousResolutionLayer(model: tfl.LayersModel, layer: string): string | undefined {
  const spatial = model.layers.filter((candidate) => candidate.outputShape.length === 4 && candidate.getClassName() !== 'Dropout' && candidate.getClassName() !== 'InputLayer');
  const size = (candidate: tfl.layers.Layer) => (candidate.outputShape as number[])[1]!;
  const chosen = spatial.find((candidate) => candidate.name === layer);
  if (!chosen) return undefined;
  return spatial.filter((candidate) => size(candidate) >= 3 * size(chosen)).at(-1)?.name;
}

/** The HTML section of one explained image. */
export function explanationHtml(explanation: ImageExplanation, labels: readonly string[], index: number): string {
  const { input, probabilities, predicted, activations, attributions } = explanation;
  const name = labels[predicted] ?? String(predicted);
  const overlays = attributions
    .map((attribution) => {
      const where = 'layer' in attribution && attribution.layer ? ` at ${attribution.layer}` : '';
      const completeness = attribution.completeness as { relativeError: number } | undefined;
      const note = completeness ? ` (completeness error ${(100 * completeness.relativeError).toFixed(1)}%)` : '';
      const empty = attribution.values.every((value) => value === 0) ? ' (0 everywhere at this layer)' : '';
      return `<div class="card" style="max-width:170px"><div class="caption">${escapeXml(`${attribution.method}${where}${note}${empty}`)}</div>${heatMapOverlaySvg(input, attribution, { caption: '' })}</div>`;
    })
    .join('');
  const layers = activations
    .map((activation) => `<details${activation.shape.length === 1 ? ' open' : ''}><summary>${escapeXml(activation.name)} <small>${escapeXml(activation.className)} [${activation.shape.join('×')}]</small></summary>${activationSvg(activation, { limit: 32, columns: 16, cell: 36 })}</details>`)
    .join('');
  return (
    `<div class="row" id="image-${index}"><div class="card" style="max-width:170px"><div class="caption">input as the model sees it</div>${digitSvg(input, 28, 28, { size: 168 })}</div>` +
    `<div class="card"><h3>predicted ${escapeXml(name)} (${(100 * probabilities[predicted]!).toFixed(1)}%)</h3>${probabilityBarsSvg(probabilities, { labels: [...labels] })}</div>${overlays}</div>` +
    `<h3>inside the model: every layer</h3>${layers}`
  );
}

/** The PNG files of one explanation: the input, and each attribution over it, enlarged 8x. */
export function explanationImages(explanation: ImageExplanation): { name: string; image: RgbaImage }[] {
  const digit = grayImage(explanation.input, 28, 28);
  return [
    { name: 'input', image: enlarge(digit, 8) },
    ...explanation.attributions.map((attribution) => ({
      name: 'layer' in attribution && attribution.layer ? `${attribution.method}-${attribution.layer}` : attribution.method,
      image: enlarge(blendImages(digit, colorImage(attribution.values, 28, 28, scaleFor(attribution.values)), 0.6), 8),
    })),
  ];
}
