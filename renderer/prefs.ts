// What the page remembers in localStorage besides the essays: the dialect setting, and per essay the
// comments the student chose to ignore (by rule and quoted words, so they stay hidden after re-checks).
import { DIALECTS, type Dialect } from '../preload/api';

const DIALECT_KEY = 'samsara.dialect';
const IGNORED_PREFIX = 'samsara.ignored.';

export function savedDialect(): Dialect {
  const v = localStorage.getItem(DIALECT_KEY);
  return (DIALECTS as readonly string[]).includes(v ?? '') ? (v as Dialect) : 'auto';
}

export function saveDialect(d: Dialect): void {
  localStorage.setItem(DIALECT_KEY, d);
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
