// What the page remembers: the dialect setting (in the history store, with the other settings:
// renderer/settings.ts), and in localStorage per essay the comments the student chose to ignore (by
// rule and quoted words, so they stay hidden after re-checks).
import type { Dialect } from '../preload/api';
import { currentSettings, saveSettings } from './settings';
import { showError } from './toast';

const IGNORED_PREFIX = 'samsara.ignored.';

/** The saved dialect (once loadSettings has answered; 'auto' before). */
export function savedDialect(): Dialect {
  return currentSettings().dialect;
}

export function saveDialect(d: Dialect): void {
  void saveSettings({ dialect: d }).then((message) => {
    if (message) showError({ code: 'INVALID_REQUEST', message });
  });
}

export function ignoredOf(fileId: string): Set<string> {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(IGNORED_PREFIX + fileId) ?? '[]');
    return new Set(Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : []);
  } catch {
    return new Set();
  }
}

export function saveIgnored(fileId: string, keys: ReadonlySet<string>): void {
  if (keys.size === 0) localStorage.removeItem(IGNORED_PREFIX + fileId);
  else localStorage.setItem(IGNORED_PREFIX + fileId, JSON.stringify([...keys]));
}
