// Settings → School server (issue 19): where the tutor runs — this computer, or a school's
// OpenAI-compatible server with its address, API key and model, "Test connection" (the server's model
// list, offered in the Model field) and the fallback to this computer. Several fields belong together,
// so they are saved by Save (or Enter), not one by one; until then the section says it is not saved.
//
// The API key goes to main once (Save, or Test connection before saving) and never comes back: after a
// save the field is emptied and its placeholder says a key is saved. Errors show in main's plain words.
import type { ApiError, ProviderKind, ProviderPatch, ProviderSettings } from '../preload/api';
import { byId } from './dom';
import { keyNote, keyPlaceholder, testedText } from './provider-text';

const form = byId<HTMLFormElement>('provider');
const kind = byId<HTMLSelectElement>('provider-kind');
const server = byId<HTMLFieldSetElement>('provider-server');
const url = byId<HTMLInputElement>('provider-url');
const key = byId<HTMLInputElement>('provider-key');
const forget = byId<HTMLButtonElement>('provider-key-forget');
const note = byId('provider-key-note');
const model = byId<HTMLInputElement>('provider-model');
const modelList = byId<HTMLDataListElement>('provider-models');
const test = byId<HTMLButtonElement>('provider-test');
const testStatus = byId('provider-test-status');
const fallback = byId<HTMLInputElement>('provider-fallback');
const error = byId('provider-error');
const status = byId('provider-status');
const save = byId<HTMLButtonElement>('provider-save');

const TEST_HINT = 'Test connection lists the server’s models.';

/** The settings as main last answered them (null until the panel first opens). */
let saved: ProviderSettings | null = null;
let busy = false;

export function startProvider(): void {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void submit();
  });
  kind.addEventListener('change', () => {
    showKind();
    changed();
  });
  for (const field of [url, model, key]) field.addEventListener('input', changed);
  fallback.addEventListener('change', changed);
  // A new address: the models listed were another server's.
  url.addEventListener('input', () => {
    modelList.replaceChildren();
    say(testStatus, TEST_HINT);
  });
  test.addEventListener('click', () => void testConnection());
  forget.addEventListener('click', () => void forgetKey());
}

/** Reads the settings again and shows them (the panel calls this when it opens). */
export async function refreshProvider(): Promise<void> {
  showError(null);
  form.dataset.loaded = 'false';
  const r = await window.api.getProvider();
  form.dataset.loaded = 'true';
  if (!r.ok) {
    showError(r.error);
    return;
  }
  fill(r.data);
  say(status, '');
}

/** The controls show the settings as saved; the key field is always empty. */
function fill(s: ProviderSettings): void {
  saved = s;
  kind.value = s.kind;
  url.value = s.baseUrl;
  model.value = s.model;
  fallback.checked = s.fallbackToLocal;
  key.value = '';
  key.placeholder = keyPlaceholder(s);
  note.textContent = keyNote(s);
  forget.hidden = !s.hasKey;
  showKind();
}

/** A school server's fields only when it is chosen (hidden, and disabled so they are out of the tab order). */
function showKind(): void {
  const local = kind.value === 'local';
  server.hidden = local;
  server.disabled = local;
}

/** What would change (and whether anything would). */
function patch(): ProviderPatch {
  const p: ProviderPatch = { kind: kind.value as ProviderKind };
  if (kind.value !== 'local') {
    p.baseUrl = url.value.trim();
    p.model = model.value.trim();
    p.fallbackToLocal = fallback.checked;
    if (key.value.trim() !== '') p.apiKey = key.value;
  }
  return p;
}

function dirty(): boolean {
  if (!saved) return false;
  const p = patch();
  if (p.kind !== saved.kind) return true;
  if (p.kind === 'local') return false;
  return p.baseUrl !== saved.baseUrl || p.model !== saved.model || p.fallbackToLocal !== saved.fallbackToLocal || p.apiKey !== undefined;
}

function changed(): void {
  showError(null);
  say(status, dirty() ? 'Not saved yet: press Save.' : '');
}

async function submit(): Promise<void> {
  if (busy) return;
  setBusy(true);
  showError(null);
  say(status, 'Saving…');
  const r = await window.api.setProvider(patch());
  setBusy(false);
  if (!r.ok) {
    say(status, '');
    showError(r.error);
    return;
  }
  fill(r.data);
  say(status, r.data.kind === 'local' ? 'Saved: the tutor runs on this computer.' : 'Saved: the tutor uses the school server.');
}

async function testConnection(): Promise<void> {
  if (busy) return;
  setBusy(true);
  showError(null);
  testStatus.dataset.state = 'testing';
  say(testStatus, 'Testing the connection…');
  const typed = key.value.trim();
  const r = await window.api.testProvider({ baseUrl: url.value.trim(), ...(typed ? { apiKey: typed } : {}) });
  setBusy(false);
  if (!r.ok) {
    testStatus.dataset.state = 'error';
    say(testStatus, r.error.message);
    markField(r.error.message);
    return;
  }
  testStatus.dataset.state = 'ok';
  const models = r.data.models;
  modelList.replaceChildren(...models.map((m) => new Option(m, m)));
  // An empty Model field takes the first name (the list is offered in the field for another).
  if (model.value.trim() === '' && models[0] !== undefined) {
    model.value = models[0];
    changed();
  }
  say(testStatus, models.length > 0 ? `${testedText(models)}. Choose one in Model.` : testedText(models));
}

async function forgetKey(): Promise<void> {
  if (busy) return;
  setBusy(true);
  showError(null);
  const r = await window.api.setProvider({ clearKey: true });
  setBusy(false);
  if (!r.ok) {
    showError(r.error);
    return;
  }
  // The other fields keep what was typed (not saved yet); only the key's state is new.
  const typed = { kind: kind.value, url: url.value, model: model.value, fallback: fallback.checked };
  fill(r.data);
  kind.value = typed.kind;
  url.value = typed.url;
  model.value = typed.model;
  fallback.checked = typed.fallback;
  showKind();
  key.focus();
  say(status, dirty() ? 'The key was forgotten. Other changes are not saved yet: press Save.' : 'The key was forgotten.');
}

/**
 * While a save or test runs, further clicks are ignored (`busy`). The buttons are not disabled: the one
 * that was pressed keeps the focus (a disabled button would drop it to the page).
 */
function setBusy(on: boolean): void {
  busy = on;
  for (const b of [save, test, forget]) b.setAttribute('aria-disabled', String(on));
  form.setAttribute('aria-busy', String(on));
}

/** Main's message, with the field it is about marked (and focused, when it came from Save). */
function showError(e: ApiError | null): void {
  for (const f of [url, model, key]) f.removeAttribute('aria-invalid');
  error.textContent = e?.message ?? '';
  error.hidden = e === null;
  if (e) markField(e.message)?.focus();
}

/** The field a message is about, marked invalid. */
function markField(message: string): HTMLInputElement | null {
  const field = /^The server address|school server's address/.test(message)
    ? url
    : /^The model|name of the model/.test(message)
      ? model
      : /^The API key/.test(message)
        ? key
        : null;
  field?.setAttribute('aria-invalid', 'true');
  return field;
}

/** Sets a live region's text (the same text again is read again). */
function say(node: HTMLElement, text: string): void {
  node.textContent = text;
}
