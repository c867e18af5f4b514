/**
 * Inside the model: for the current input (a drawing, an upload or a test digit) and the current
 * model (shipped, trained here or loaded by you), every layer's activations as one grid per layer
 * (feature maps as tiles, dense units as a strip, the softmax as bars), the learned filters of a
 * chosen conv layer, and attributions (Grad-CAM, saliency, integrated gradients) over the input.
 * The numbers come from @digitlab/viz; this view only paints them.
 */
import { convFilters, convLayerNames, gradCam, integratedGradients, layerActivations, vanillaGradient, type Attribution } from '@digitlab/viz';
import type { AppState } from '../app-state.js';
import { argMax, labelsOf, modelInput, type CurrentModel } from '../current-model.js';
import { attributionOverlay, featureMapGrid, unitStrip } from '../heat-canvas.js';
import { paintPixels } from '../pixel-image.js';
import { ProbabilityBars } from '../probability-bars.js';

export function mountInsideView(root: HTMLElement, state: AppState): void {
  root.innerHTML = `
    <div class="row">
      <div class="card">
        <h2>Input</h2>
        <canvas class="input28" data-input aria-label="The input"></canvas>
        <p class="muted" data-source>Draw a digit, or open one from the Test set.</p>
      </div>
      <div class="card">
        <h2>Attributions for the predicted class</h2>
        <div class="attributions" data-attributions></div>
      </div>
      <div class="card">
        <h2>Learned filters</h2>
        <label>Layer <select data-filter-layer></select></label>
        <div data-filters></div>
      </div>
    </div>
    <h2 class="section-title">Every layer's activations</h2>
    <div class="layers" data-layers></div>`;
  const inputCanvas = root.querySelector<HTMLCanvasElement>('[data-input]')!;
  const source = root.querySelector<HTMLElement>('[data-source]')!;
  const layersHost = root.querySelector<HTMLElement>('[data-layers]')!;
  const attributionsHost = root.querySelector<HTMLElement>('[data-attributions]')!;
  const filterSelect = root.querySelector<HTMLSelectElement>('[data-filter-layer]')!;
  const filtersHost = root.querySelector<HTMLElement>('[data-filters]')!;
  paintPixels(inputCanvas, undefined);
  let shownModel: CurrentModel | undefined;
  let generation = 0;

  filterSelect.addEventListener('change', () => {
    if (state.model) showFilters(state.model, filterSelect.value);
  });

  const render = async () => {
    const current = state.model;
    const input = state.input;
    const mine = ++generation;
    if (current && current !== shownModel) {
      shownModel = current;
      const names = convLayerNames(current.model);
      filterSelect.replaceChildren(...names.map((name) => new Option(name, name)));
      if (names[0] !== undefined) showFilters(current, names[0]);
      else filtersHost.textContent = 'This model has no convolution layer.';
    }
    paintPixels(inputCanvas, input?.pixels);
    if (!current || !input) {
      source.textContent = 'Draw a digit, or open one from the Test set.';
      layersHost.replaceChildren();
      attributionsHost.replaceChildren();
      return;
    }
    const labels = labelsOf(current);
    const x = modelInput(current, input.pixels);
    try {
      const activations = layerActivations(current.model, x);
      const probabilities = activations.at(-1)!.values;
      const best = argMax(probabilities);
      source.textContent = `${input.source}: ${labels[best]} (${(100 * (probabilities[best] as number)).toFixed(1)}%)`;
      layersHost.replaceChildren(
        ...activations.map((activation) => {
          const figure = document.createElement('figure');
          figure.className = 'layer card';
          figure.setAttribute('role', 'group');
          figure.setAttribute('aria-label', `layer ${activation.name}`);
          const caption = document.createElement('figcaption');
          caption.textContent = `${activation.name} · ${activation.className} · [${activation.shape.join('×')}]`;
          let body: HTMLElement;
          if (activation.name === 'softmax') {
            const bars = new ProbabilityBars(labels);
            bars.show(activation.values, best);
            body = bars.element;
          } else if (activation.shape.length === 3) body = featureMapGrid(activation.shape, activation.values, { scale: activation.shape[0]! > 14 ? 2 : 4 });
          else body = unitStrip(activation.values);
          body.classList.add('grid');
          figure.append(caption, body);
          return figure;
        }),
      );
      // Attributions cost tens of passes: let the activations paint first.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (mine !== generation) return;
      const methods: [string, () => Attribution][] = [
        ['Grad-CAM', () => gradCam(current.model, x)],
        ['Saliency (|gradient|)', () => vanillaGradient(current.model, x)],
        ['Integrated gradients', () => integratedGradients(current.model, x, { steps: 32 })],
      ];
      attributionsHost.replaceChildren();
      for (const [title, method] of methods) {
        const attribution = method();
        const values = title.startsWith('Saliency') ? attribution.values.map(Math.abs) : attribution.values;
        const figure = document.createElement('figure');
        figure.setAttribute('aria-label', `${title} for ${labels[attribution.target]}`);
        const caption = document.createElement('figcaption');
        caption.textContent = title;
        figure.append(attributionOverlay(input.pixels, values), caption);
        attributionsHost.append(figure);
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (mine !== generation) return;
      }
    } catch (error) {
      source.textContent = `Could not look inside this model: ${(error as Error).message}`;
    } finally {
      x.dispose();
    }
  };

  function showFilters(current: CurrentModel, layer: string): void {
    const filters = convFilters(current.model, layer);
    // Tiles of [height, width] per (input channel, filter): lay out as a map with inChannels × filters channels.
    const tiles = filters.inChannels * filters.filters;
    const caption = document.createElement('p');
    caption.className = 'muted';
    caption.textContent = `${filters.filters} filters of ${filters.height}×${filters.width}×${filters.inChannels}${tiles > 256 ? ' (first 256 shown)' : ''}`;
    const shown = Math.min(256, tiles);
    filtersHost.replaceChildren(featureMapGrid([filters.height, filters.width, shown], firstChannels(filters.values, filters.height * filters.width, tiles, shown), { scale: 4, gap: 1 }), caption);
  }

  state.subscribe(() => {
    if (!root.hidden) void render();
  });
  new MutationObserver(() => {
    if (!root.hidden) void render();
  }).observe(root, { attributes: true, attributeFilter: ['hidden'] });
}

/** The first `keep` of `channels` interleaved channels (channel fastest) of `pixels` positions. */
function firstChannels(values: Float32Array, pixels: number, channels: number, keep: number): Float32Array {
  if (keep === channels) return values;
  const out = new Float32Array(pixels * keep);
  for (let p = 0; p < pixels; p++) out.set(values.subarray(p * channels, p * channels + keep), p * keep);
  return out;
}
