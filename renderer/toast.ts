// Error toasts showing the normalized message (never a stack or raw internals).
import type { ApiError } from '../preload/api';
import { byId, el } from './dom';

const SHOW_MS = 10_000;

export function showError(error: ApiError): void {
  if (error.code === 'CANCELLED') return; // the user asked for it; the UI already shows it
  showToast(error.code, title(error.code), error.message);
}

/** A toast that is not a request's error (e.g. STORE_DEGRADED); `code` goes in data-code. */
export function showToast(code: string, heading: string, message: string): void {
  const toast = el(
    'div',
    { class: 'toast', 'data-testid': 'toast', 'data-code': code, role: 'alert' },
    el('strong', {}, heading),
    el('span', {}, message),
  );
  const close = () => toast.remove();
  toast.addEventListener('click', close);
  byId('toasts').append(toast);
  setTimeout(close, SHOW_MS);
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
