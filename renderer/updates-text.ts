// What Settings → Updates says (renderer/updates.ts shows it): main's message, else a sentence for the
// state. Pure, so it is tested without a page (tests/renderer/updates-text.test.ts).
import type { UpdateStatus } from '../preload/api';

/** The status line under the checkbox. */
export function updatesStatusText(s: UpdateStatus): string {
  if (s.message) return s.message;
  switch (s.state) {
    case 'off':
      return 'Automatic updates are off.';
    case 'unavailable':
      return 'Updates are checked in the installed app only.';
    case 'ready':
      return `Version ${s.version ?? 'new'} will be installed when you quit Samsara.`;
    default:
      return `You have Samsara ${s.currentVersion}.`;
  }
}

/** Whether the updater is at work (the status line is then aria-busy). */
export function updatesBusy(s: UpdateStatus): boolean {
  return s.state === 'checking' || s.state === 'downloading';
}
