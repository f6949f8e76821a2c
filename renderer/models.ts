// Settings → Models: the model manager's list (window.api.listModels) with each model's size,
// architecture, quantization, licence and fit on this computer; Download with a progress bar, speed,
// time left and Cancel; Select (the engine switches, and the status pill shows the load); Remove (not the
// bundled model or the one in use, after a confirmation); "Open GGUF file…" (main's Open dialog).
// Errors show inline, in the model manager's plain words; progress and outcomes are announced politely.
// The list is rebuilt from each listModels answer (the focus stays on the same control of the same
// model); progress events only update their own row.
import type { DownloadProgress, HealthReport, InstalledModel, ModelListing, PendingRequest } from '../preload/api';
import { announcePolite } from './announce';
import { byId, el } from './dom';
import { FIT_LABELS, factsLine, formatSize, fraction, progressText, rowState } from './model-facts';
import { onHealth, watchModel } from './status';

const list = byId<HTMLUListElement>('model-list');
const openFile = byId<HTMLButtonElement>('model-open-file');
const sectionError = byId('models-error');

interface Download {
  request: PendingRequest<InstalledModel>;
  progress: DownloadProgress | null;
  /** The last quarter announced (0–3), so a screen reader hears "25 %" once, not every event. */
  announced: number;
}

let models: ModelListing[] = [];
/** Downloads this page started (or joined), by model id. */
const downloads = new Map<string, Download>();
/** The last problem of each model's action, by id (shown in its row until the next action on it). */
const problems = new Map<string, string>();
/** The model whose removal waits for a confirmation. */
let confirming: string | null = null;
/** The engine's model and its state (the selected row says "Loading 40 %" while it loads). */
let health: Pick<HealthReport['model'], 'path' | 'state' | 'loadProgress' | 'error'> | null = null;
let refreshing: Promise<void> | null = null;
/** A refresh asked for while one runs: it runs after it (the running one may have read the list too early). */
let queued: Promise<void> | null = null;

export function startModels(): void {
  openFile.addEventListener('click', () => void addFile());
  onHealth((h) => {
    const before = health;
    health = { path: h.model.path, state: h.model.state, loadProgress: h.model.loadProgress, error: h.model.error };
    if (before?.state !== health.state || before?.path !== health.path || health.state === 'loading') updateLoadState();
  });
}

/** Asks for the list again and shows it (the panel calls this when it opens). */
export function refreshModels(): Promise<void> {
  if (refreshing) {
    queued ??= refreshing.then(() => {
      queued = null;
      return refreshModels();
    });
    return queued;
  }
  refreshing = (async () => {
    list.setAttribute('aria-busy', 'true');
    const r = await window.api.listModels();
    list.setAttribute('aria-busy', 'false');
    if (!r.ok) {
      showSectionError(r.error.message);
      return;
    }
    models = r.data;
    render();
    // A download this page did not start (the page was reloaded while it ran): join it, for its
    // progress and its Cancel.
    for (const m of models) if (m.downloading && !downloads.has(m.id)) void download(m, true);
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

// ---- the list --------------------------------------------------------------------------------------

/** Rebuilds the list; the focused control keeps the focus (or its row's first button takes it). */
function render(): void {
  const active = document.activeElement as HTMLElement | null;
  const inList = active !== null && list.contains(active);
  const row = active?.closest<HTMLElement>('[data-model-id]')?.dataset.modelId;
  const testid = active?.dataset.testid;
  list.replaceChildren(...models.map((m, i) => item(m, i)));
  if (!inList || row === undefined) return;
  const rowNode = list.querySelector<HTMLElement>(`[data-model-id="${CSS.escape(row)}"]`);
  const same = testid ? rowNode?.querySelector<HTMLElement>(`[data-testid="${CSS.escape(testid)}"]`) : null;
  const first = rowNode?.querySelector<HTMLElement>('button:not(:disabled)');
  (same && !(same as HTMLButtonElement).disabled ? same : (first ?? rowNode))?.focus();
}

function item(m: ModelListing, index: number): HTMLLIElement {
  const nameId = `model-name-${index}`;
  const d = downloads.get(m.id);
  const state = rowState(m, d !== undefined);
  const li = el('li', {
    class: 'model-item',
    'data-testid': 'model-item',
    'data-model-id': m.id,
    'data-state': state,
    'data-supported': String(m.supported),
    'aria-labelledby': nameId,
    'aria-current': m.selected ? 'true' : undefined,
    // Focusable from script only: the focus lands on the row when its last button goes (after Select).
    tabindex: '-1',
  });
  li.append(
    el('div', { class: 'model-head' }, el('span', { id: nameId, class: 'model-name', dir: 'auto' }, m.name), ...tags(m, state)),
    el('p', { class: 'model-facts' }, factsLine(m)),
  );
  if (m.supported) {
    li.append(
      el('p', { class: 'model-fit', 'data-fit': m.fit.level }, el('strong', {}, `${FIT_LABELS[m.fit.level]}.`), ` ${m.fit.reason}`),
    );
  } else {
    li.append(el('p', { class: 'model-fit', 'data-fit': 'unsupported', id: `model-unsupported-${index}` }, unsupportedText(m)));
  }
  if (state === 'downloading') li.append(progressRow(m, index, d?.progress ?? m.downloading));
  if (confirming === m.id) li.append(confirmRow(m));
  else li.append(actions(m, state, index));
  const problem = problems.get(m.id);
  if (problem) li.append(el('p', { class: 'model-error', 'data-testid': 'model-error', role: 'alert' }, problem));
  return li;
}

function unsupportedText(m: ModelListing): string {
  return `Samsara can't run ${m.architecture} models yet, so this one can't be downloaded.`;
}

/** Small labels after the name: in use (or loading), bundled, added from a file, unverified, not supported. */
function tags(m: ModelListing, state: string): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (m.selected) out.push(el('span', { class: 'tag tag-selected', 'data-testid': 'model-in-use' }, inUseText(m)));
  if (m.bundled) out.push(el('span', { class: 'tag' }, 'Comes with Samsara'));
  if (m.source === 'file') out.push(el('span', { class: 'tag' }, 'Added from a file'));
  if (!m.verified && !m.installed && state !== 'unsupported') {
    out.push(el('span', { class: 'tag tag-warn', 'data-testid': 'model-unverified' }, 'Unverified'));
  }
  if (!m.supported) out.push(el('span', { class: 'tag tag-off' }, 'Not supported yet'));
  return out;
}

/** "In use", or the engine's state while the chosen model loads or after it failed. */
function inUseText(m: ModelListing): string {
  if (!health || health.path !== m.path) return 'In use';
  if (health.state === 'loading') return `In use · loading ${Math.round((health.loadProgress ?? 0) * 100)}\u00a0%`;
  if (health.state === 'failed') return 'In use · failed to load';
  return 'In use';
}

/** The selected row's tag follows the engine's load (no rebuild: the focus stays where it is). */
function updateLoadState(): void {
  const m = models.find((x) => x.selected);
  const tag = m && list.querySelector(`[data-model-id="${CSS.escape(m.id)}"] [data-testid="model-in-use"]`);
  if (m && tag) tag.textContent = inUseText(m);
}

function progressRow(m: ModelListing, index: number, p: DownloadProgress | null): HTMLElement {
  const textId = `model-progress-text-${index}`;
  const bar = el('progress', {
    'data-testid': 'model-progress',
    'aria-label': `Downloading ${m.name}`,
    'aria-describedby': textId,
    max: '1',
  });
  const text = el('span', { id: textId, class: 'model-progress-text', 'data-testid': 'model-progress-text' });
  const cancel = el(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'model-cancel', 'aria-label': `Cancel the download of ${m.name}` },
    'Cancel',
  );
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    text.textContent = 'Cancelling…';
    downloads.get(m.id)?.request.cancel();
  });
  const row = el('div', { class: 'model-progress' }, bar, text, cancel);
  showProgress(row, p);
  return row;
}

/** Sets a progress row's bar and words (no total yet: the bar is indeterminate). */
function showProgress(row: Element, p: DownloadProgress | null): void {
  const bar = row.querySelector('progress');
  const text = row.querySelector<HTMLElement>('[data-testid="model-progress-text"]');
  if (!bar || !text) return;
  if (p && p.total !== null) bar.value = fraction(p);
  else bar.removeAttribute('value');
  text.textContent = p ? progressText(p) : 'Starting…';
}

function actions(m: ModelListing, state: string, index: number): HTMLElement {
  const row = el('div', { class: 'model-actions actions' });
  if (state === 'available' || state === 'unsupported') {
    const resume = m.partialBytes > 0;
    const label = resume ? 'Resume download' : 'Download';
    const b = el(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'data-testid': 'model-download',
        'aria-label': `${label} ${m.name}, ${formatSize(m.sizeBytes)}`,
        disabled: state === 'unsupported',
        'aria-describedby': state === 'unsupported' ? `model-unsupported-${index}` : undefined,
      },
      label,
    );
    b.addEventListener('click', () => void download(m, false));
    row.append(b);
  }
  if (state === 'installed') {
    const b = el(
      'button',
      { type: 'button', class: 'primary', 'data-testid': 'model-select', 'aria-label': `Select ${m.name}`, disabled: !m.supported },
      'Select',
    );
    b.addEventListener('click', () => void select(m, b));
    row.append(b);
  }
  if (m.installed && !m.bundled && !m.selected) {
    const b = el('button', { type: 'button', class: 'secondary danger', 'data-testid': 'model-remove', 'aria-label': `Remove ${m.name}` }, 'Remove');
    b.addEventListener('click', () => {
      problems.delete(m.id);
      confirming = m.id;
      render();
      list.querySelector<HTMLElement>(`[data-model-id="${CSS.escape(m.id)}"] [data-testid="model-remove-keep"]`)?.focus();
    });
    row.append(b);
  }
  return row;
}

function confirmRow(m: ModelListing): HTMLElement {
  const keep = el('button', { type: 'button', class: 'secondary', 'data-testid': 'model-remove-keep' }, 'Keep it');
  const remove = el('button', { type: 'button', class: 'danger-solid', 'data-testid': 'model-remove-confirm' }, 'Remove');
  keep.addEventListener('click', () => {
    confirming = null;
    render();
    list.querySelector<HTMLElement>(`[data-model-id="${CSS.escape(m.id)}"] [data-testid="model-remove"]`)?.focus();
  });
  remove.addEventListener('click', () => void removeModel(m));
  return el(
    'div',
    { class: 'model-confirm', role: 'group', 'aria-label': `Remove ${m.name}?` },
    el('p', {}, `Remove ${m.name} (${formatSize(m.sizeBytes)}) from this computer?`),
    el('div', { class: 'actions' }, keep, remove),
  );
}

// ---- actions -----------------------------------------------------------------------------------------

/** Downloads a model (or joins the download this window already runs), with progress and Cancel. */
async function download(m: ModelListing, joining: boolean): Promise<void> {
  if (downloads.has(m.id)) return;
  problems.delete(m.id);
  showSectionError('');
  const d: Download = {
    request: window.api.downloadModel(m.id, { onProgress: (p) => onProgress(m, d, p) }),
    progress: m.downloading,
    announced: 0,
  };
  downloads.set(m.id, d);
  render();
  if (!joining) announcePolite(`Downloading ${m.name}, ${formatSize(m.sizeBytes)}.`);
  const r = await d.request;
  downloads.delete(m.id);
  if (r.ok) announcePolite(`${m.name} is downloaded. Select it to use it.`);
  else if (r.error.code === 'CANCELLED') announcePolite(`The download of ${m.name} was cancelled.`);
  else {
    problems.set(m.id, r.error.message);
    announcePolite(`The download of ${m.name} failed.`);
  }
  await refreshModels();
}

function onProgress(m: ModelListing, d: Download, p: DownloadProgress): void {
  d.progress = p;
  const row = list.querySelector(`[data-model-id="${CSS.escape(m.id)}"] .model-progress`);
  if (row) showProgress(row, p);
  const quarter = Math.floor(fraction(p) * 4);
  if (quarter > d.announced && quarter < 4) {
    d.announced = quarter;
    announcePolite(`${m.name}: ${quarter * 25} % downloaded.`);
  }
}

async function select(m: ModelListing, button: HTMLButtonElement): Promise<void> {
  problems.delete(m.id);
  showSectionError('');
  button.disabled = true;
  // selectModel answers once the model is ready (or, when it can't be loaded, the previous one is back):
  // meanwhile the pill follows the load (loading with its progress, then ready).
  if (m.path) watchModel(m.path);
  announcePolite(`${m.name} is loading.`);
  const r = await window.api.selectModel(m.id);
  if (!r.ok) {
    problems.set(m.id, r.error.message);
    await refreshModels();
    return;
  }
  announcePolite(`${m.name} is now the model in use.`);
  await refreshModels();
}

async function removeModel(m: ModelListing): Promise<void> {
  const r = await window.api.removeModel(m.id);
  confirming = null;
  if (!r.ok) problems.set(m.id, r.error.message);
  else announcePolite(`${m.name} was removed.`);
  await refreshModels();
  if (r.ok) openFile.focus();
}

async function addFile(): Promise<void> {
  showSectionError('');
  openFile.disabled = true;
  const r = await window.api.addModelFile();
  openFile.disabled = false;
  if (!r.ok) {
    showSectionError(r.error.message);
    return;
  }
  if (!r.data) return; // the dialog was cancelled
  announcePolite(`${r.data.name} was added. Select it to use it.`);
  await refreshModels();
  list.querySelector<HTMLElement>(`[data-model-id="${CSS.escape(r.data.id)}"] [data-testid="model-select"]`)?.focus();
}

function showSectionError(message: string): void {
  sectionError.textContent = message;
  sectionError.hidden = message === '';
}
