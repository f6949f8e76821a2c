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

/** Tells the user once per reason that their history is not being saved (the store is degraded). */
let warned = '';
function warnAboutStore(h: HealthReport): void {
  const reason = h.store.status === 'degraded' ? (h.store.error ?? 'unknown reason') : '';
  if (!reason || reason === warned) return;
  warned = reason;
  showToast('STORE_DEGRADED', 'History is not being saved', reason);
}
