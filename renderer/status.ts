// The model status indicator, fed by healthCheck: polled quickly while the model loads, slowly after.
import type { HealthReport } from '../preload/api';
import { byId } from './dom';
import { showToast } from './toast';

const FAST_MS = 400;
const SLOW_MS = 4_000;

export function startStatus(): void {
  const node = byId('health');
  const tick = async () => {
    const r = await window.api.healthCheck();
    let next = SLOW_MS;
    if (r.ok) {
      render(node, r.data);
      warnAboutStore(r.data);
      if (r.data.model.state === 'loading' || r.data.queue.running > 0) next = FAST_MS;
    } else {
      node.dataset.state = 'failed';
      node.textContent = `Model: unreachable — ${r.error.message}`;
    }
    setTimeout(() => void tick(), next);
  };
  void tick();
}

function render(node: HTMLElement, h: HealthReport): void {
  const m = h.model;
  node.dataset.state = m.state;
  node.title = m.path ?? '';
  switch (m.state) {
    case 'ready':
      node.textContent = `Model: ready — ${m.name ?? 'model'}${m.quantization ? ` (${m.quantization})` : ''}`;
      break;
    case 'loading':
      node.textContent = `Model: loading ${Math.round((m.loadProgress ?? 0) * 100)}%`;
      break;
    case 'failed':
      node.textContent = `Model: failed — ${m.error ?? 'see the log'}`;
      break;
    case 'unloaded':
      node.textContent = 'Model: unloaded (loads on first use)';
      break;
  }
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
