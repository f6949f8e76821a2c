// Which provider answered (issue 19): a small note under the feedback and in a chat reply when the
// school server answered, or when this computer answered because the server could not be reached
// (fallbackToLocal). Nothing is said when this computer is the provider.
import type { AnsweredBy } from '../preload/api';
import { el } from './dom';
import { answeredNote } from './provider-text';

/** The feedback panel's note (`node`, a <p>): shown for a fresh result, hidden for none (or a saved one). */
export function showAnsweredBy(node: HTMLElement, r: AnsweredBy | null): void {
  const n = r && answeredNote(r);
  node.hidden = !n;
  node.textContent = n?.text ?? '';
  node.dataset.fallback = String(n?.fallback ?? false);
  // The server's reason (it names the host) for whoever needs it, on hover.
  if (n?.reason) node.title = n.reason;
  else node.removeAttribute('title');
}

/** The note a chat reply gets (null: nothing to say). */
export function answeredByNote(r: AnsweredBy): HTMLElement | null {
  const n = answeredNote(r);
  if (!n) return null;
  // A line of its own under the reply (styles.css).
  return el('span', { class: 'msg-note answered-by', 'data-testid': 'chat-answered-by', 'data-fallback': String(n.fallback), title: n.reason }, n.text);
}
