// Keeping comments on the essay as its text changes: the one edit between two versions of the text,
// anchors moved along with it, suggestions applied, and what makes two comments the same finding.
// Pure (no DOM), so it is tested apart from the page. Offsets are UTF-16 units, like the engine's.
import type { Anchor, Comment } from '../preload/api';

/** The text between `start` and `end` (of the old text) was replaced by `text`. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** The single edit that turns `before` into `after` (common prefix and suffix kept), or null if equal. */
export function diffEdit(before: string, after: string): Edit | null {
  if (before === after) return null;
  let start = 0;
  const shortest = Math.min(before.length, after.length);
  while (start < shortest && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (
    tail < shortest - start &&
    before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)
  ) {
    tail++;
  }
  return { start, end: before.length - tail, text: after.slice(start, after.length - tail) };
}

/**
 * The anchor after `edit`: unchanged before it, shifted by the length difference after it, and null
 * when the edit touches it (overlaps it or is right next to it: a word typed on is a different word,
 * so its comment waits for the next check).
 */
export function shiftAnchor(anchor: Anchor, edit: Edit): Anchor | null {
  if (anchor.end < edit.start) return anchor;
  if (anchor.start > edit.end) {
    const delta = edit.text.length - (edit.end - edit.start);
    return { ...anchor, start: anchor.start + delta, end: anchor.end + delta };
  }
  return null;
}

/** Comments after `edit`: inline ones moved with the text, or dropped when the edit touched their span. */
export function shiftComments<T extends Comment>(comments: readonly T[], edit: Edit): T[] {
  const out: T[] = [];
  for (const c of comments) {
    if (!c.anchor) {
      out.push(c);
      continue;
    }
    const anchor = shiftAnchor(c.anchor, edit);
    if (anchor) out.push(anchor === c.anchor ? c : { ...c, anchor });
  }
  return out;
}

/** Whether a comment's anchor is a verbatim span of `text` (so it can be shown and applied). */
export function anchorMatches(text: string, c: Comment): c is Comment & { anchor: Anchor } {
  const a = c.anchor;
  return !!a && a.start >= 0 && a.end > a.start && a.end <= text.length && text.slice(a.start, a.end) === a.quote;
}

/** The text with a comment's span replaced by `suggestion` (as documented: slice, suggestion, slice). */
export function applySuggestion(text: string, anchor: Anchor, suggestion: string): { text: string; edit: Edit } {
  return {
    text: text.slice(0, anchor.start) + suggestion + text.slice(anchor.end),
    edit: { start: anchor.start, end: anchor.end, text: suggestion },
  };
}

/** The suggestions worth offering: without duplicates (also ones differing only in spaces around them) and not the quote itself. */
export function offeredSuggestions(c: Comment, max = 4): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of c.suggestions ?? []) {
    const key = s.trim();
    if (seen.has(key) || s === c.anchor?.quote) continue;
    seen.add(key);
    out.push(s);
    if (out.length === max) break;
  }
  return out;
}

/** What "Ignore" remembers: the rule (or who made the comment) and the quoted words. */
export function ignoreKey(c: Comment): string {
  return `${c.rule ?? c.source ?? 'comment'}\u241f${c.anchor?.quote ?? c.content}`;
}

/** The same finding on the same span (a live check's comment that the shown assessment already has). */
export function sameFinding(a: Comment, b: Comment): boolean {
  if (!a.anchor || !b.anchor) return false;
  if (a.anchor.start !== b.anchor.start || a.anchor.end !== b.anchor.end) return false;
  return (a.rule !== undefined && a.rule === b.rule) || (a.category !== undefined && a.category === b.category);
}

/** One word the personal dictionary takes: letters (any script), apostrophes and hyphens; at most 64. */
export function isDictionaryWord(s: string): boolean {
  return s.length > 0 && s.length <= 64 && /^[\p{Alphabetic}'’-]+$/u.test(s) && /\p{Alphabetic}/u.test(s);
}

/** A spelling comment (or an old assessment's misspelling) on one word that the dictionary could take. */
export function isSpellingOfWord(c: Comment): boolean {
  const spelling = c.category === 'spelling' || (c.category === undefined && c.rule === 'misspelling');
  return spelling && !!c.anchor && isDictionaryWord(c.anchor.quote);
}
