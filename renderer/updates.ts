// Settings → Updates: one checkbox (download and install updates automatically, on by default) and a
// status line in main's plain words (checking, downloading, a version ready to install on quit, …).
// The updater itself runs in main (electron/updates.ts); the page only reads and changes the setting.
import type { UpdateStatus } from '../preload/api';
import { byId } from './dom';
import { updatesBusy } from './updates-state';

const section = byId('updates');
const auto = byId<HTMLInputElement>('updates-auto');
const status = byId('updates-status');
const error = byId('updates-error');

export function startUpdates(): void {
  auto.addEventListener('change', () => void change(auto.checked));
}

/** Reads the status again and shows it (the panel calls this when it opens). */
export async function refreshUpdates(): Promise<void> {
  showError('');
  section.dataset.loaded = 'false';
  const r = await window.api.getUpdates();
  section.dataset.loaded = 'true';
  if (r.ok) show(r.data);
  else showError(r.error.message);
}

async function change(on: boolean): Promise<void> {
  showError('');
  auto.disabled = true;
  const r = await window.api.setUpdates({ auto: on });
  auto.disabled = false;
  if (r.ok) {
    show(r.data);
  } else {
    // Not saved: the box shows the setting as it is.
    auto.checked = !on;
    showError(r.error.message);
  }
}

function show(s: UpdateStatus): void {
  auto.checked = s.auto;
  status.textContent = s.message;
  status.dataset.state = s.state;
  status.setAttribute('aria-busy', String(updatesBusy(s)));
}

function showError(message: string): void {
  error.textContent = message;
  error.hidden = message === '';
}
