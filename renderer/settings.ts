// The settings panel (a modal dialog: the focus moves in and comes back, Escape closes it): the English
// to check in, the theme, the text size, the inference threads, where the history is kept, updates
// (renderer/updates.ts), the school server (renderer/provider.ts) and the models (renderer/models.ts).
// The settings live in the history store (window.api.getSettings / setSettings), not in the page; the
// theme is also remembered in localStorage only so that the first paint already has it.
import { DIALECTS, SETTING_RANGES, type Dialect, type Settings, type Theme } from '../preload/api';
import { byId } from './dom';
import { refreshModels } from './models';
import { refreshProvider } from './provider';
import { refreshUpdates } from './updates';
import { plural } from './numbers';

const THEME_CACHE = 'samsara.theme';
/** Where earlier versions kept the dialect (moved into the store once). */
const OLD_DIALECT_KEY = 'samsara.dialect';

const DEFAULTS: Settings = {
  dialect: 'auto',
  theme: 'system',
  fontSize: SETTING_RANGES.fontSize.default,
  threads: SETTING_RANGES.threads.default,
};

let settings: Settings = { ...DEFAULTS };
let loaded: Promise<Settings> | null = null;

const THEMES: ReadonlyArray<{ value: Theme; label: string }> = [
  { value: 'system', label: 'Same as the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

/** The settings as last loaded or saved (the defaults until then). */
export function currentSettings(): Settings {
  return settings;
}

/** `html[data-theme]`: none follows the system's colour scheme (styles.css has both palettes). */
export function applyTheme(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem(THEME_CACHE, theme);
  } catch {
    // storage full or off: only the first paint of the next start is affected
  }
}

/** The essay's text size in px; the feedback and chat follow it (15 px at the default 16). */
export function applyFontSize(px: number): void {
  const root = document.documentElement.style;
  root.setProperty('--essay-font-size', `${px}px`);
  root.setProperty('--feedback-font-size', `${Math.round((px * 15) / 16)}px`);
}

function apply(s: Settings): void {
  settings = s;
  applyTheme(s.theme);
  applyFontSize(s.fontSize);
}

/**
 * Loads the settings once (later calls share the answer), moving an old localStorage dialect into the
 * store. A store that can't answer leaves the defaults (and the theme last used).
 */
export function loadSettings(): Promise<Settings> {
  loaded ??= (async () => {
    const r = await window.api.getSettings();
    if (!r.ok) return settings;
    let s = r.data;
    const old = localStorage.getItem(OLD_DIALECT_KEY);
    if (old !== null) {
      if ((DIALECTS as readonly string[]).includes(old) && old !== s.dialect && s.dialect === 'auto') {
        const moved = await window.api.setSettings({ dialect: old as Dialect });
        if (moved.ok) s = moved.data;
      }
      localStorage.removeItem(OLD_DIALECT_KEY);
    }
    apply(s);
    return s;
  })();
  return loaded;
}

/** Saves a change; answers the error message, if any (the setting then shows its saved value again). */
export async function saveSettings(patch: Partial<Settings>): Promise<string | null> {
  const r = await window.api.setSettings(patch);
  if (!r.ok) return r.error.message;
  apply(r.data);
  return null;
}

// ---- the panel -----------------------------------------------------------------------------------

const button = byId<HTMLButtonElement>('settings-button');
const panel = byId<HTMLDialogElement>('settings-panel');
const close = byId<HTMLButtonElement>('settings-close');
const theme = byId<HTMLSelectElement>('theme-select');
const fontSize = byId<HTMLInputElement>('font-size');
const fontSizeValue = byId<HTMLOutputElement>('font-size-value');
const threads = byId<HTMLInputElement>('threads-input');
const threadsNote = byId('threads-note');
const storePath = byId('history-path');
const openFolder = byId<HTMLButtonElement>('open-history-folder');
const folderNote = byId('history-folder-note');
const error = byId('settings-error');

/** This computer's cores (the most threads worth asking for). */
const cores = Math.max(1, navigator.hardwareConcurrency || 1);
/** Threads the loaded model runs on (healthCheck), to say whether a change is still to come. */
let threadsInUse: number | null = null;

/** Wires the panel; the settings themselves come from loadSettings (called by app start-up). */
export function startSettings(): void {
  const cached = localStorage.getItem(THEME_CACHE);
  if (cached === 'light' || cached === 'dark' || cached === 'system') applyTheme(cached);

  theme.replaceChildren(...THEMES.map((t) => new Option(t.label, t.value)));
  fontSize.min = String(SETTING_RANGES.fontSize.min);
  fontSize.max = String(SETTING_RANGES.fontSize.max);
  threads.min = '1';
  threads.max = String(cores);

  button.addEventListener('click', () => void open());
  close.addEventListener('click', () => panel.close());
  panel.addEventListener('close', () => button.focus());
  // A click on the backdrop (outside the panel's box) closes it too.
  panel.addEventListener('click', (e) => {
    if (e.target === panel) {
      const r = panel.getBoundingClientRect();
      const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
      if (!inside) panel.close();
    }
  });

  theme.addEventListener('change', () => void change({ theme: theme.value as Theme }));
  // The text size follows the slider at once; it is saved when the slider is let go.
  fontSize.addEventListener('input', () => {
    applyFontSize(Number(fontSize.value));
    fontSizeValue.textContent = `${fontSize.value} px`;
  });
  fontSize.addEventListener('change', () => void change({ fontSize: Number(fontSize.value) }));
  threads.addEventListener('change', () => {
    const n = Number(threads.value);
    if (!Number.isInteger(n) || n < 1 || n > cores) {
      showError(`Choose a whole number of threads from 1 to ${cores} (this computer's cores).`);
      threads.value = String(settings.threads);
      return;
    }
    void change({ threads: n });
  });
  openFolder.addEventListener('click', () => void showFolder());
  // The app serves the page from app://; the test harness over http, where no folder can be opened.
  if (location.protocol !== 'app:') {
    openFolder.disabled = true;
    folderNote.textContent = 'Opening the folder works in the Samsara app, not in a browser.';
    folderNote.hidden = false;
  }
}

async function open(): Promise<void> {
  await loadSettings();
  fill();
  showError('');
  panel.showModal();
  void refreshModels();
  void refreshProvider();
  void refreshUpdates();
  const health = await window.api.healthCheck();
  if (health.ok) {
    threadsInUse = health.data.model.state === 'ready' ? health.data.threads : null;
    const p = health.data.store.path;
    storePath.textContent = p ?? 'Not kept in a file: your history lasts until Samsara closes.';
    if (!p) openFolder.disabled = true;
  } else {
    storePath.textContent = 'Unknown (the engine did not answer).';
  }
  describeThreads();
}

/** The controls show the settings as saved. */
function fill(): void {
  theme.value = settings.theme;
  fontSize.value = String(settings.fontSize);
  fontSizeValue.textContent = `${settings.fontSize} px`;
  threads.value = String(settings.threads);
  describeThreads();
}

function describeThreads(): void {
  const now = threadsInUse === null ? '' : ` The model now runs on ${plural(threadsInUse, 'thread')}.`;
  threadsNote.textContent = `1 to ${cores} (this computer's cores). A change applies the next time the model loads, when you restart Samsara.${now}`;
}

async function change(patch: Partial<Settings>): Promise<void> {
  showError('');
  const message = await saveSettings(patch);
  if (message) showError(message);
  fill();
}

function showError(message: string): void {
  error.textContent = message;
  error.hidden = message === '';
}

async function showFolder(): Promise<void> {
  showError('');
  const r = await window.api.openHistoryFolder();
  if (!r.ok) showError(r.error.message);
}
