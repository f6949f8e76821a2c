// Settings → Updates: what the page derives from main's status (renderer/updates.ts shows it; main
// words the status line itself). Pure, so it is tested without a page (tests/renderer/updates-state.test.ts).
import type { UpdateStatus } from '../preload/api';

/** Whether the updater is at work (the status line is then aria-busy). */
export function updatesBusy(s: UpdateStatus): boolean {
  return s.state === 'checking' || s.state === 'downloading';
}
