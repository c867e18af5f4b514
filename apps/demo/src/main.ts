/**
 * The demo page: picks the engine, lists the shipped models, mounts the views and switches between
 * them (tabs with arrow-key navigation). `document.body.dataset.ready` becomes "true" once the first
 * model can predict; the time to that point is the `digitlab:ready` performance mark.
 */
import { AppState } from './app-state.js';
import { startBackend } from './backend.js';
import { listShippedModels } from './model-loader.js';
import { mountDrawView } from './views/draw-view.js';
import { mountExploreView } from './views/explore-view.js';
import { mountFinetuneView } from './views/finetune-view.js';
import { mountInsideView } from './views/inside-view.js';
import { mountTrainView } from './views/train-view.js';
import { mountModelPanel } from './views/model-panel.js';

async function main(): Promise<void> {
  const state = new AppState();
  const backendInfo = document.getElementById('backend-info')!;
  const backend = await startBackend(document.baseURI);
  backendInfo.textContent = `${backend.name}, ${backend.threads} thread${backend.threads === 1 ? '' : 's'}${crossOriginIsolated ? '' : ' (not cross-origin isolated: no threads)'}`;
  backendInfo.title = backend.description;

  const showTab = mountTabs();
  mountDrawView(document.getElementById('view-draw')!, state);
  mountInsideView(document.getElementById('view-inside')!, state);
  mountExploreView(document.getElementById('view-explore')!, state, () => showTab('tab-inside'));
  mountTrainView(document.getElementById('view-train')!, state);
  mountFinetuneView(document.getElementById('view-finetune')!, state);
  const card = document.createElement('section');
  card.className = 'card model-card';
  document.querySelector('main')!.append(card);
  let ready = false;
  state.subscribe(() => {
    if (!ready && state.model) {
      ready = true;
      performance.mark('digitlab:ready');
      document.body.dataset.ready = 'true';
    }
  });
  mountModelPanel(document.getElementById('model-select') as HTMLSelectElement, card, state, await listShippedModels());
}

/** Wires the tabs; returns a function that shows the tab with the given id. */
function mountTabs(): (id: string) => void {
  const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('[role="tab"]'));
  const select = (tab: HTMLButtonElement) => {
    for (const each of tabs) {
      const selected = each === tab;
      each.setAttribute('aria-selected', String(selected));
      each.tabIndex = selected ? 0 : -1;
      document.getElementById(each.getAttribute('aria-controls')!)!.hidden = !selected;
    }
    tab.focus();
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (event: KeyboardEvent) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (step !== 0) select(tabs[(index + step + tabs.length) % tabs.length]!);
    });
  });
  return (id) => select(tabs.find((tab) => tab.id === id)!);
}

main().catch((error: unknown) => {
  const message = document.createElement('p');
  message.className = 'error';
  message.setAttribute('role', 'alert');
  message.textContent = `The demo could not start: ${(error as Error).message}`;
  document.querySelector('main')!.prepend(message);
  console.error(error);
});
