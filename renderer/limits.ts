// The limits shown up front: a text box's counter names the limit once the text nears it (from 80 %),
// and over it says so plainly, so the student learns before sending rather than from an error after.
// The numbers are LIMITS (preload/limits.ts), the list main's schemas enforce. Pure but for watchLimit.
import { LIMITS } from '../preload/api';

export { LIMITS };

/** From this share of a limit on, the counter shows the limit. */
export const NEAR = 0.8;

export type LimitLevel = 'ok' | 'near' | 'over';

export function limitLevel(length: number, max: number): LimitLevel {
  return length > max ? 'over' : length >= max * NEAR ? 'near' : 'ok';
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

/**
 * The characters of a text against its limit: "1,234 characters" (far from it), "92,000 / 100,000
 * characters" (near), "167,000 / 100,000 characters, 67,000 over the limit" (over).
 */
export function characterCount(length: number, max: number): { text: string; level: LimitLevel } {
  const level = limitLevel(length, max);
  if (level === 'ok') return { text: `${n(length)} ${length === 1 ? 'character' : 'characters'}`, level };
  const over = level === 'over' ? `, ${n(length - max)} over the limit` : '';
  return { text: `${n(length)} / ${n(max)} characters${over}`, level };
}

/** `text` cut to at most `max` UTF-16 units, never between the two halves of an emoji. */
export function clipTo(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * A text box with a limit: its note (under it) shows the count from 80 % of the limit, and over it
 * what to do. `changed(over)` runs on every change (to disable the button that sends it). Answers a
 * function telling whether the box is over its limit now.
 */
export function watchLimit(o: {
  box: HTMLTextAreaElement;
  note: HTMLElement;
  max: number;
  /** What is over, for the student: "Your question". */
  what: string;
  /** What to do when over: "Shorten it to send it." */
  fix: string;
  changed?: (over: boolean) => void;
}): () => boolean {
  let last: LimitLevel | null = null;
  const update = () => {
    const { text, level } = characterCount(o.box.value.length, o.max);
    o.note.hidden = level === 'ok';
    o.note.dataset.level = level;
    o.note.textContent = level === 'over' ? `${text}. ${o.what} is too long: ${o.fix}` : text;
    o.box.toggleAttribute('aria-invalid', level === 'over');
    if (level !== last) {
      last = level;
      o.changed?.(level === 'over');
    }
  };
  o.box.addEventListener('input', update);
  update();
  return () => {
    update();
    return last === 'over';
  };
}
