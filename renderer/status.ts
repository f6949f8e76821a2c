// The model status pill, fed by healthCheck: polled quickly while the model loads, slowly after. It
// says the state in words with a readable model name ("Model ready: SmolLM2 135M, Q4_1"); the details
// (file, architecture, context, kernels, threads) show on hover or focus, or pinned by a click, and are
// the pill's accessible description. A change of state (ready, failed) is announced once.
import type { HealthReport } from '../preload/api';
import { announcePolite } from './announce';
import { byId, el } from './dom';
import { modelDetails, statusText } from './model-name';
import { showToast } from './toast';

const FAST_MS = 400;
const SLOW_MS = 4_000;

export function startStatus(): void {
  const node = byId<HTMLButtonElement>('health');
  const details = byId('health-details');
  wireDetails(node, details);
  let lastState = '';
  const tick = async () => {
    const r = await window.api.healthCheck();
    let next = SLOW_MS;
    let state: string;
    if (r.ok) {
      state = r.data.model.state;
      render(node, details, r.data);
      warnAboutStore(r.data);
      if (r.data.model.state === 'loading' || r.data.queue.running > 0) next = FAST_MS;
    } else {
      state = 'unreachable';
      node.dataset.state = 'failed';
      node.textContent = 'Model status unavailable';
      details.replaceChildren(el('p', {}, r.error.message));
    }
    // The first state is what the page opened with; changes after it are news.
    if (lastState && state !== lastState && state !== 'loading') announcePolite(node.textContent ?? '');
    lastState = state;
    setTimeout(() => void tick(), next);
  };
  void tick();
}

function render(node: HTMLElement, details: HTMLElement, h: HealthReport): void {
  node.dataset.state = h.model.state;
  node.textContent = statusText(h);
  details.replaceChildren(
    el('dl', {}, ...modelDetails(h).flatMap(([label, value]) => [el('dt', {}, label), el('dd', {}, value)])),
  );
}

/** Hover or focus shows the details; a click pins them (or unpins); Escape hides them. */
function wireDetails(node: HTMLElement, details: HTMLElement): void {
  let pinned = false;
  let hover = false;
  let focus = false;
  const update = () => {
    details.hidden = !(pinned || hover || focus);
  };
  node.addEventListener('mouseenter', () => ((hover = true), update()));
  node.addEventListener('mouseleave', () => ((hover = false), update()));
  node.addEventListener('focus', () => ((focus = true), update()));
  node.addEventListener('blur', () => ((focus = false), (pinned = false), update()));
  node.addEventListener('click', () => ((pinned = !pinned), (focus = pinned), update()));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !details.hidden) {
      pinned = hover = focus = false;
      update();
    }
  });
  update();
}

/**
 * Tells the user once that their history is not being saved (the store is degraded), and again only after
 * it was fine in between. Not once per reason: the store's reason counts down to its next retry
 * ("Trying again in 4 s"), so it changes while nothing new has happened.
 */
let warned = false;
function warnAboutStore(h: HealthReport): void {
  if (h.store.status !== 'degraded') {
    warned = false;
    return;
  }
  if (warned) return;
  warned = true;
  showToast('STORE_DEGRADED', 'History is not being saved', h.store.error ?? 'The history file could not be used.');
}
