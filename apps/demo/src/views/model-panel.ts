/**
 * The model picker and the model card: the shipped pretrained models by name, or your own model
 * (its files, or the URL of its `model.json`); shows the architecture, the parameter count and the
 * test accuracy recorded in `digitlab.json`.
 */
import type { AppState } from '../app-state.js';
import type { CurrentModel } from '../current-model.js';
import { loadModelFromFiles, loadModelFromUrl, loadShippedModel } from '../model-loader.js';

export function mountModelPanel(select: HTMLSelectElement, card: HTMLElement, state: AppState, shipped: readonly string[]): void {
  select.replaceChildren(...shipped.map((name) => new Option(name, name)));
  card.innerHTML = `
    <h2>Model</h2>
    <dl class="info" data-info></dl>
    <div class="actions">
      <label class="button">Load model files…<input type="file" multiple accept=".json,.bin" data-files hidden /></label>
      <form data-url-form class="actions">
        <label for="model-url" class="muted">or a model.json URL</label>
        <input id="model-url" type="url" size="32" placeholder="https://…/model.json" />
        <button type="submit">Load</button>
      </form>
    </div>
    <p class="error" data-error role="alert"></p>`;
  const info = card.querySelector<HTMLElement>('[data-info]')!;
  const errorLine = card.querySelector<HTMLElement>('[data-error]')!;

  const use = async (loading: Promise<CurrentModel>) => {
    errorLine.textContent = '';
    select.disabled = true;
    try {
      state.setModel(await loading);
    } catch (error) {
      errorLine.textContent = `Could not load the model: ${(error as Error).message}`;
      if (state.model) select.value = state.model.name;
    } finally {
      select.disabled = false;
    }
  };

  select.addEventListener('change', () => {
    if (shipped.includes(select.value)) void use(loadShippedModel(select.value));
  });
  card.querySelector<HTMLInputElement>('[data-files]')!.addEventListener('change', (event) => {
    const files = Array.from((event.target as HTMLInputElement).files ?? []);
    if (files.length > 0) void use(loadModelFromFiles(files));
  });
  card.querySelector<HTMLFormElement>('[data-url-form]')!.addEventListener('submit', (event) => {
    event.preventDefault();
    const url = card.querySelector<HTMLInputElement>('#model-url')!.value.trim();
    if (url) void use(loadModelFromUrl(new URL(url, document.baseURI).href));
  });

  state.subscribe(() => {
    const current = state.model;
    if (!current) return;
    // A model trained or loaded in the page is in the picker while it is current (the page keeps one model).
    for (const option of Array.from(select.options)) if (!shipped.includes(option.value) && option.value !== current.name) option.remove();
    if (!Array.from(select.options).some((option) => option.value === current.name)) select.append(new Option(current.name, current.name));
    select.value = current.name;
    const metadata = current.metadata;
    const accuracy = (metadata.metrics as { test?: { accuracy?: number } } | undefined)?.test?.accuracy;
    const rows: [string, string][] = [
      ['name', current.name],
      ['architecture', metadata.architecture],
      ['parameters', current.model.countParams().toLocaleString('en')],
      ['layers', current.model.layers.map((layer) => layer.getClassName()).join(' → ')],
      ['test accuracy', accuracy === undefined ? 'not recorded' : `${(100 * accuracy).toFixed(2)}% on the 10,000 MNIST test digits`],
      ['input', `${metadata.input.normalization} normalisation`],
    ];
    info.replaceChildren(
      ...rows.flatMap(([term, value]) => {
        const dt = document.createElement('dt');
        dt.textContent = term;
        const dd = document.createElement('dd');
        dd.textContent = value;
        return [dt, dd];
      }),
    );
  });

  if (shipped[0] !== undefined) void use(loadShippedModel(shipped.includes('bn-cnn') ? 'bn-cnn' : shipped[0]));
}
