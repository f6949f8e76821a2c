// Splits an essay into plain and marked pieces from anchors (UTF-16 offsets, like JavaScript string
// indices). Pure, so it is tested apart from the DOM.
import type { Comment } from '../preload/api';

export type Piece = { text: string } | { text: string; comment: number };

/** A span to mark, with what it stands for. */
export interface Span<T> {
  start: number;
  end: number;
  id: T;
}

export type SpanPiece<T> = { text: string } | { text: string; id: T };

/**
 * Pieces covering `text` in order, marking the spans. Spans outside the text or empty are skipped.
 * Where spans overlap, the shorter one is marked and the longer one is cut into the parts around it
 * (so a tutor's comment on a whole sentence does not hide the misspelt word inside it); between
 * spans of the same length, the earlier one keeps the overlap.
 */
export function spanPieces<T>(text: string, spans: ReadonlyArray<Span<T>>): Array<SpanPiece<T>> {
  const kept = spans.filter((s) => s.start >= 0 && s.end > s.start && s.end <= text.length);
  const order = kept.map((_, k) => k).sort((a, b) => {
    const x = kept[a] as Span<T>;
    const y = kept[b] as Span<T>;
    return x.end - x.start - (y.end - y.start) || x.start - y.start;
  });
  // Which span owns each UTF-16 unit (-1: none); the shortest claims first.
  const owner = new Int32Array(text.length).fill(-1);
  for (const k of order) {
    const s = kept[k] as Span<T>;
    for (let i = s.start; i < s.end; i++) if (owner[i] === -1) owner[i] = k;
  }
  const pieces: Array<SpanPiece<T>> = [];
  let at = 0;
  while (at < text.length) {
    const k = owner[at] ?? -1;
    let end = at + 1;
    while (end < text.length && owner[end] === k) end++;
    const piece = text.slice(at, end);
    const span = kept[k];
    pieces.push(k >= 0 && span ? { text: piece, id: span.id } : { text: piece });
    at = end;
  }
  return pieces;
}

/**
 * Pieces covering `text` in order, with the inline comments' quoted spans marked (by comment index).
 * An anchor that does not match the text (stale after an edit) is skipped; where anchors overlap, the
 * shorter one is marked whole and the longer one around it (see spanPieces).
 */
export function highlightPieces(text: string, comments: readonly Comment[]): Piece[] {
  const spans: Array<Span<number>> = [];
  comments.forEach((c, index) => {
    const a = c.kind === 'inline' ? c.anchor : undefined;
    if (a && text.slice(a.start, a.end) === a.quote) spans.push({ start: a.start, end: a.end, id: index });
  });
  return spanPieces(text, spans).map((p) => ('id' in p ? { text: p.text, comment: p.id } : { text: p.text }));
}
