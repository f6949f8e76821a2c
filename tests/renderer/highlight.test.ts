// How the renderer cuts the essay into highlighted spans (UTF-16 anchors, as the engine returns them).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Comment } from '../../preload/api';
import { highlightPieces } from '../../renderer/highlight';

function inline(text: string, quote: string, from = 0): Comment {
  const start = text.indexOf(quote, from);
  assert.ok(start >= 0);
  return { content: `about ${quote}`, kind: 'inline', anchor: { start, end: start + quote.length, quote } };
}

const joined = (text: string, comments: Comment[]) => highlightPieces(text, comments).map((p) => p.text).join('');
const marked = (text: string, comments: Comment[]) =>
  highlightPieces(text, comments).flatMap((p) => ('comment' in p ? [[p.text, p.comment]] : []));

test('pieces cover the text exactly, with the quoted spans marked', () => {
  const text = 'Schools should start later. Teenagers need sleep.';
  const comments = [{ content: 'Overall fine.', kind: 'block' } as Comment, inline(text, 'need sleep'), inline(text, 'Schools')];
  assert.equal(joined(text, comments), text);
  assert.deepEqual(marked(text, comments), [['Schools', 2], ['need sleep', 1]]);
});

test('offsets are UTF-16 units: accents, emoji and CJK', () => {
  const text = 'Café 😀 culture — 東京の朝は早い。 Naïve 👩‍🎓 students';
  const comments = [inline(text, '😀 culture'), inline(text, '東京の朝'), inline(text, '👩‍🎓 students')];
  assert.equal(joined(text, comments), text);
  assert.deepEqual(marked(text, comments).map(([t]) => t), ['😀 culture', '東京の朝', '👩‍🎓 students']);
});

test('stale or broken anchors are skipped; overlaps keep the earlier span', () => {
  const text = 'one two three four five';
  const stale: Comment = { content: 'x', kind: 'inline', anchor: { start: 0, end: 3, quote: 'two' } };
  const outside: Comment = { content: 'x', kind: 'inline', anchor: { start: 20, end: 99, quote: 'five' } };
  const empty: Comment = { content: 'x', kind: 'inline', anchor: { start: 4, end: 4, quote: '' } };
  const a = inline(text, 'two three');
  const b = inline(text, 'three four');
  assert.deepEqual(marked(text, [stale, outside, empty, a, b]), [['two three', 3], [' four', 4]]);
  assert.equal(joined(text, [stale, outside, empty, a, b]), text);
});

test('a short span inside a long one is marked whole; the long one is cut around it', () => {
  const text = 'Their going to the libary after school.';
  const sentence: Comment = { content: 'tutor', kind: 'inline', anchor: { start: 0, end: text.length, quote: text } };
  const comments = [sentence, inline(text, 'libary'), inline(text, 'Their')];
  assert.equal(joined(text, comments), text);
  assert.deepEqual(marked(text, comments), [
    ['Their', 2],
    [' going to the ', 0],
    ['libary', 1],
    [' after school.', 0],
  ]);
});
