// What the page says about the school server (issue 19): who answered a request, the status pill and
// its details for a server, the API key's placeholder and note, Test connection's outcome. Pure, so it
// is tested apart from the page (tests/renderer/provider-text.test.ts).
import type { AnsweredBy, HealthReport, ProviderSettings } from '../preload/api';
import { plural } from './numbers';

export const FROM_SCHOOL = 'From the school server';
export const FELL_BACK = 'The school server could not be reached, so this computer answered.';

/** The note under a result: from the school server, or this computer answered instead (null: say nothing). */
export function answeredNote(r: AnsweredBy): { text: string; fallback: boolean; reason?: string } | null {
  if (r.fallbackReason !== undefined) return { text: FELL_BACK, fallback: true, reason: r.fallbackReason };
  if (r.answeredBy === 'openai-compatible') return { text: FROM_SCHOOL, fallback: false };
  return null;
}

/** The host (and port) of an address, for short labels; the address itself when it can't be read. */
export function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host || baseUrl;
  } catch {
    return baseUrl;
  }
}

/**
 * The status pill for a school server (null: the provider is this computer, and the pill names the
 * model): its words and its state for the pill's colours ('ready', 'loading' = not checked yet, 'failed').
 */
export function providerStatus(h: Pick<HealthReport, 'provider'>): { text: string; state: 'ready' | 'loading' | 'failed' } | null {
  const p = h.provider;
  if (p.kind !== 'openai-compatible') return null;
  if (p.reachable === false) return { text: 'School server unreachable', state: 'failed' };
  const model = p.model ? `: ${p.model}` : '';
  if (p.reachable === true) return { text: `School server${model}`, state: 'ready' };
  return { text: 'Checking the school server…', state: 'loading' };
}

/** The pill's details about a school server: label and value pairs (none for this computer). */
export function providerDetails(h: Pick<HealthReport, 'provider'>): Array<[string, string]> {
  const p = h.provider;
  if (p.kind !== 'openai-compatible') return [];
  const rows: Array<[string, string]> = [['Tutor', 'School server']];
  if (p.baseUrl) rows.push(['Server', hostOf(p.baseUrl)]);
  if (p.model) rows.push(['Server model', p.model]);
  const when = p.checkedAt ? ` (checked ${new Date(p.checkedAt).toLocaleTimeString(undefined, { timeStyle: 'short' })})` : '';
  if (p.reachable === true) rows.push(['Reachable', `Yes${when}`]);
  if (p.reachable === false) rows.push(['Reachable', `No${when}`]);
  if (p.error) rows.push(['Problem', p.error]);
  return rows;
}

/** The key field's placeholder: a saved key is never shown, only said to be there. */
export function keyPlaceholder(s: Pick<ProviderSettings, 'hasKey' | 'keyStorage'>): string {
  if (!s.hasKey) return 'If your school gave you one';
  return s.keyStorage === 'session' ? 'Kept until Samsara closes — type to replace' : 'Saved — type to replace';
}

/** Under the key field: where a key is kept (or would be). */
export function keyNote(s: Pick<ProviderSettings, 'hasKey' | 'keyStorage' | 'encryptionAvailable'>): string {
  if (s.hasKey && s.keyStorage === 'session') {
    return 'This computer can’t encrypt the key, so it is kept only until Samsara closes; you will need to enter it again.';
  }
  if (!s.encryptionAvailable) {
    return 'This computer can’t encrypt a key: one you enter is kept only until Samsara closes.';
  }
  return s.hasKey
    ? 'Kept encrypted on this computer; Samsara never shows it again. Test connection uses it only with the saved server.'
    : 'Kept encrypted on this computer; Samsara never shows it again.';
}

/** Test connection's outcome in words. */
export function testedText(models: readonly string[]): string {
  if (models.length === 0) return 'Connected, but the server lists no models: type the model’s name.';
  return `Connected: ${plural(models.length, 'model')}`;
}
