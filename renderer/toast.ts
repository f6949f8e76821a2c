// Error toasts showing the normalized message (never a stack or raw internals).
import type { ApiError } from '../preload/api';
import { byId, el } from './dom';

const SHOW_MS = 10_000;

export function showError(error: ApiError): void {
  if (error.code === 'CANCELLED') return; // the user asked for it; the UI already shows it
  showToast(error.code, title(error.code), error.message);
}

/** Toasts shown at once at most; a new one pushes out the oldest. */
const MAX_SHOWN = 3;

/**
 * A toast that is not a request's error (e.g. STORE_DEGRADED); `code` goes in data-code. Toasts sit in
 * a strip under the header (they push the panels down instead of covering their buttons); the strip
 * is the one live region that reads each new toast out, once.
 */
export function showToast(code: string, heading: string, message: string): void {
  const dismiss = el('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss this message' }, '×');
  const toast = el(
    'div',
    { class: 'toast', 'data-testid': 'toast', 'data-code': code },
    el('div', { class: 'toast-text' }, el('strong', {}, heading), el('span', { dir: 'auto' }, message)),
    dismiss,
  );
  const close = () => toast.remove();
  toast.addEventListener('click', close);
  const strip = byId('toasts');
  strip.append(toast);
  while (strip.children.length > MAX_SHOWN) strip.firstElementChild?.remove();
  setTimeout(close, SHOW_MS);
}

/** Removes the toasts shown (switching essays: they were about the other one), except those `keep` names. */
export function clearToasts(keep: (code: string) => boolean = () => false): void {
  for (const t of [...byId('toasts').querySelectorAll<HTMLElement>('[data-testid="toast"]')]) {
    if (!keep(t.dataset.code ?? '')) t.remove();
  }
}

function title(code: ApiError['code']): string {
  switch (code) {
    case 'ENGINE_DOWN':
      return 'Model unavailable';
    case 'ENGINE_TIMEOUT':
      return 'Took too long';
    case 'ENGINE_BUSY':
      return 'Busy';
    case 'INVALID_REQUEST':
      return 'Cannot send that';
    default:
      return 'Something went wrong';
  }
}
