// The feedback as a document to keep: the essay with numbered comments (a number in the text where an
// inline comment anchors, the same number in the list), the summary and the metrics. One model, two
// forms: plain text ("Copy as text") and a tree of elements the print stylesheet shows ("Save as PDF").
// Pure (the element builder is passed in), so both are tested apart from the page.
import type { Comment } from '../preload/api';
import { anchorMatches, offeredSuggestions } from './edits';
import { badge, readable } from './labels';

export interface ExportInput {
  /** The essay's title. */
  title: string;
  /** The essay as it is now. */
  text: string;
  /** The comments the panel shows (ignored ones left out), in its order. */
  comments: readonly Comment[];
  summary?: string;
  /** The metrics as the panel words them. */
  metrics?: string;
  /** When the feedback was made, as the student reads dates. */
  date?: string;
  /** The feedback is about an earlier version of the text (its quotes may no longer be in it). */
  earlier?: boolean;
}

export interface NumberedComment {
  n: number;
  /** Its badge, as in the panel ("Spelling", "Tutor · Clarity"). */
  label: string;
  content: string;
  quote?: string;
  suggestions: string[];
  /** Its number also stands in the essay (its quote is there). */
  inText: boolean;
}

/** A run of the essay: plain, or marked (inside an anchored span); `refs` follow it (spans ending there). */
export interface EssayRun {
  text: string;
  marked: boolean;
  refs: number[];
}

export interface ExportDoc {
  title: string;
  date?: string;
  note?: string;
  essay: EssayRun[];
  comments: NumberedComment[];
  summary?: string;
  metrics?: string;
}

export const EARLIER_NOTE =
  'This feedback is about an earlier version of the text: some of the quoted words may no longer be in it.';

/**
 * Numbers the comments: those whose quote is in the text first, in the order they appear in it, then the
 * others (overall comments, stale quotes) in the panel's order. The essay is cut into runs at every span's
 * start and end; a run inside any span is marked, and the numbers of the spans that end with it follow it.
 */
export function buildExport(input: ExportInput): ExportDoc {
  const text = input.text;
  const placed = input.comments
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.kind === 'inline' && anchorMatches(text, c) && (c.anchor?.end ?? 0) > (c.anchor?.start ?? 0));
  placed.sort((a, b) => (a.c.anchor?.start ?? 0) - (b.c.anchor?.start ?? 0) || (a.c.anchor?.end ?? 0) - (b.c.anchor?.end ?? 0) || a.i - b.i);
  const inText = new Set(placed.map(({ i }) => i));
  const order = [...placed.map(({ i }) => i), ...input.comments.map((_, i) => i).filter((i) => !inText.has(i))];

  const comments: NumberedComment[] = order.map((i, k) => {
    const c = input.comments[i] as Comment;
    return {
      n: k + 1,
      label: badge(c),
      content: readable(c.content),
      ...(c.anchor?.quote ? { quote: c.anchor.quote } : {}),
      suggestions: c.anchor ? offeredSuggestions(c).map((s) => (s.trim() === '' ? '(delete it)' : s)) : [],
      inText: inText.has(i),
    };
  });

  const spans = placed.map(({ c }, k) => ({ start: c.anchor?.start ?? 0, end: c.anchor?.end ?? 0, n: k + 1 }));
  const cuts = [...new Set([0, text.length, ...spans.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  const essay: EssayRun[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const from = cuts[k] as number;
    const to = cuts[k + 1] as number;
    essay.push({
      text: text.slice(from, to),
      marked: spans.some((s) => s.start <= from && s.end >= to),
      refs: spans.filter((s) => s.end === to).map((s) => s.n),
    });
  }
  return {
    title: input.title,
    ...(input.date ? { date: input.date } : {}),
    ...(input.earlier ? { note: EARLIER_NOTE } : {}),
    essay,
    comments,
    ...(input.summary?.trim() ? { summary: input.summary.trim() } : {}),
    ...(input.metrics?.trim() ? { metrics: input.metrics.trim() } : {}),
  };
}

/** "[1]", "[2, 3]": the numbers after a span in the plain text. */
function refText(refs: readonly number[]): string {
  return refs.length ? `[${refs.join(', ')}]` : '';
}

function commentLines(c: NumberedComment): string[] {
  const lines = [`${c.n}. ${c.label}: ${c.content}`];
  const pad = ' '.repeat(String(c.n).length + 2);
  if (c.quote) lines.push(`${pad}Quote: “${c.quote}”${c.inText ? '' : ' (not in the text as it is now)'}`);
  if (c.suggestions.length) lines.push(`${pad}${c.suggestions.length === 1 ? 'Suggestion' : 'Suggestions'}: ${c.suggestions.join(' · ')}`);
  return lines;
}

/** The document as plain text: title, essay (numbers in brackets), comments, summary, metrics. */
export function exportText(doc: ExportDoc): string {
  const out: string[] = [doc.title, '='.repeat(Math.min(60, Math.max(3, [...doc.title].length)))];
  out.push(doc.date ? `Feedback from Samsara, ${doc.date}` : 'Feedback from Samsara');
  if (doc.note) out.push('', doc.note);
  out.push('', 'ESSAY', '', doc.essay.map((r) => r.text + refText(r.refs)).join('').trim());
  out.push('', 'COMMENTS', '');
  if (doc.comments.length === 0) out.push('No comments.');
  for (const c of doc.comments) out.push(...commentLines(c));
  if (doc.summary) out.push('', 'SUMMARY', '', doc.summary);
  if (doc.metrics) out.push('', 'METRICS', '', doc.metrics);
  return `${out.join('\n')}\n`;
}

/** An element builder: the page passes dom.ts's `el`, tests a string serializer. */
export type Build<T> = (tag: string, attrs: Record<string, string>, ...children: Array<T | string>) => T;

/** The document as elements (the print stylesheet shows them on paper; the screen never does). */
export function exportTree<T>(doc: ExportDoc, h: Build<T>): T {
  const essay = doc.essay.flatMap((r): Array<T | string> => {
    const piece: T | string = r.marked ? h('mark', {}, r.text) : r.text;
    return r.refs.length ? [piece, h('sup', { class: 'print-ref' }, refText(r.refs))] : [piece];
  });
  const comment = (c: NumberedComment): T =>
    h(
      'li',
      { class: 'print-comment', 'data-n': String(c.n) },
      h('span', { class: 'print-num' }, `${c.n}`),
      h(
        'div',
        { class: 'print-body' },
        h('p', {}, h('strong', {}, `${c.label}: `), h('span', { dir: 'auto' }, c.content)),
        ...(c.quote
          ? [h('blockquote', { dir: 'auto' }, `“${c.quote}”`, ...(c.inText ? [] : [h('em', {}, ' (not in the text as it is now)')]))]
          : []),
        ...(c.suggestions.length
          ? [h('p', { class: 'print-suggestions' }, `${c.suggestions.length === 1 ? 'Suggestion' : 'Suggestions'}: ${c.suggestions.join(' · ')}`)]
          : []),
      ),
    );
  return h(
    'div',
    { class: 'print-sheet' },
    h('header', {}, h('h1', { dir: 'auto' }, doc.title), h('p', { class: 'print-date' }, doc.date ? `Feedback from Samsara, ${doc.date}` : 'Feedback from Samsara')),
    ...(doc.note ? [h('p', { class: 'print-note' }, doc.note)] : []),
    h('section', {}, h('h2', {}, 'Essay'), h('div', { class: 'print-essay', dir: 'auto' }, ...essay)),
    h(
      'section',
      {},
      h('h2', {}, 'Comments'),
      doc.comments.length ? h('ol', { class: 'print-comments' }, ...doc.comments.map(comment)) : h('p', {}, 'No comments.'),
    ),
    ...(doc.summary ? [h('section', {}, h('h2', {}, 'Summary'), h('p', { dir: 'auto' }, doc.summary))] : []),
    ...(doc.metrics ? [h('section', {}, h('h2', {}, 'Metrics'), h('p', {}, doc.metrics))] : []),
  );
}
