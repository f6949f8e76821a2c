// The model status pill, fed by healthCheck: polled quickly while the model loads, slowly after. It
// says the state in words with a readable model name ("Model ready: SmolLM2 135M, Q4_1"); the details
// (file, architecture, context, kernels, threads) show on hover or focus, or pinned by a click, and are
// the pill's accessible description. A change of state (ready, failed) is announced once.
// After Settings → Models → Select, the pill shows the switch at once (watchModel): loading until the
// engine reports the chosen file ready or failed.
import type { HealthReport } from '../preload/api';
import { announcePolite } from './announce';
import { byId, el } from './dom';
import { modelDetails, statusText } from './model-name';
import { providerDetails, providerStatus } from './provider-text';
import { showToast } from './toast';

const FAST_MS = 400;
const SLOW_MS = 4_000;

type HealthListener = (h: HealthReport) => void;
const listeners = new Set<HealthListener>();
/** The model file a switch is waiting for (null: none). */
let switching: string | null = null;
let pollNow: () => void = () => undefined;
let showSwitching: () => void = () => undefined;

/** Calls `listener` with every health report from now on (the Models list shows the load with it). */
export function onHealth(listener: HealthListener): void {
  listeners.add(listener);
}

/**
 * The engine was just told to load `path` (selectModel): the pill says so at once and follows the load
 * quickly until the engine reports that file ready or failed.
 */
export function watchModel(path: string): void {
  switching = path;
  showSwitching(); // at once: a small model can be loaded before the next health check answers
  pollNow();
}

export function startStatus(): void {
  const node = byId<HTMLButtonElement>('health');
  const details = byId('health-details');
  wireDetails(node, details);
  let lastState = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let again = false;
  const tick = async () => {
    if (inFlight) {
      again = true; // one more as soon as this one answers
      return;
    }
    inFlight = true;
    clearTimeout(timer);
    const r = await window.api.healthCheck();
    let next = SLOW_MS;
    let state: string;
    if (r.ok) {
      const h = r.data;
      // Until the engine works on the chosen file, the switch is a load that has not started yet.
      const pending = switching !== null && (h.model.path !== switching || h.model.state === 'unloaded');
      if (switching !== null && !pending && h.model.state !== 'loading') switching = null;
      // With a school server, the pill is about the server (this computer's model is in the details).
      const server = pending ? null : providerStatus(h);
      state = pending ? 'loading' : server ? `server-${server.state}` : h.model.state;
      if (pending) renderSwitching(node, details, h);
      else render(node, details, h);
      warnAboutStore(h);
      if (state === 'loading' || h.queue.running > 0) next = FAST_MS;
      for (const l of listeners) l(h);
    } else {
      state = 'unreachable';
      node.dataset.state = 'failed';
      node.textContent = 'Model status unavailable';
      details.replaceChildren(el('p', {}, r.error.message));
    }
    // The first state is what the page opened with; changes after it are news.
    if (lastState && state !== lastState && state !== 'loading' && state !== 'server-loading') announcePolite(node.textContent ?? '');
    lastState = state;
    inFlight = false;
    if (again) {
      again = false;
      next = 0;
    }
    timer = setTimeout(() => void tick(), next);
  };
  pollNow = () => void tick();
  showSwitching = () => {
    node.dataset.state = 'loading';
    node.textContent = 'Model loading: switching to the model you chose';
  };
  void tick();
}

function render(node: HTMLElement, details: HTMLElement, h: HealthReport): void {
  const server = providerStatus(h);
  node.dataset.state = server?.state ?? h.model.state;
  node.textContent = server?.text ?? statusText(h);
  // A school server's rows first, then this computer's model (it answers when the server can't, if allowed).
  const rows = [...providerDetails(h), ...(server ? ([['This computer', statusText(h)]] as Array<[string, string]>) : []), ...modelDetails(h)];
  details.replaceChildren(el('dl', {}, ...rows.flatMap(([label, value]) => [el('dt', {}, label), el('dd', {}, value)])));
}

/** The chosen model is about to load (the engine has not started on it yet). */
function renderSwitching(node: HTMLElement, details: HTMLElement, h: HealthReport): void {
  node.dataset.state = 'loading';
  node.textContent = 'Model loading: switching to the model you chose';
  details.replaceChildren(el('dl', {}, el('dt', {}, 'Loading'), el('dd', {}, switching ?? ''), el('dt', {}, 'Threads'), el('dd', {}, String(h.threads))));
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
