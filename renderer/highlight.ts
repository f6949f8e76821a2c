// Splits an essay into plain and highlighted pieces from the inline comments' anchors (UTF-16 offsets,
// like JavaScript string indices). Pure, so it is tested apart from the DOM.
import type { Comment } from '../preload/api';

export type Piece = { text: string } | { text: string; comment: number };

/**
 * Pieces covering `text` in order. An anchor that does not match the text (stale after an edit) is
 * skipped; where anchors overlap, the earlier one keeps the overlap.
 */
export function highlightPieces(text: string, comments: readonly Comment[]): Piece[] {
  const spans = comments
    .map((c, index) => ({ index, anchor: c.kind === 'inline' ? c.anchor : undefined }))
    .filter(
      (s): s is { index: number; anchor: NonNullable<Comment['anchor']> } =>
        s.anchor !== undefined &&
        s.anchor.start >= 0 &&
        s.anchor.end > s.anchor.start &&
        text.slice(s.anchor.start, s.anchor.end) === s.anchor.quote,
    )
    .sort((a, b) => a.anchor.start - b.anchor.start || b.anchor.end - a.anchor.end);
  const pieces: Piece[] = [];
  let at = 0;
  for (const { index, anchor } of spans) {
    if (anchor.end <= at) continue;
    const start = Math.max(anchor.start, at);
    if (start > at) pieces.push({ text: text.slice(at, start) });
    pieces.push({ text: text.slice(start, anchor.end), comment: index });
    at = anchor.end;
  }
  if (at < text.length) pieces.push({ text: text.slice(at) });
  return pieces;
}
