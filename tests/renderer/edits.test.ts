// How comments follow the essay as it changes (renderer/edits.ts): the edit between two versions,
// anchors moved or dropped, suggestions applied, ignore keys, duplicate findings, dictionary words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Comment } from '../../preload/api';
import {
  anchorMatches,
  applySuggestion,
  diffEdit,
  ignoreKey,
  isDictionaryWord,
  isSpellingOfWord,
  offeredSuggestions,
  sameFinding,
  shiftComments,
} from '../../renderer/edits';

function at(text: string, quote: string, extra: Partial<Comment> = {}, from = 0): Comment {
  const start = text.indexOf(quote, from);
  assert.ok(start >= 0, quote);
  return { content: `about ${quote}`, kind: 'inline', anchor: { start, end: start + quote.length, quote }, ...extra };
}

test('diffEdit finds the one replaced range (typing, deleting, pasting over, UTF-16 units)', () => {
  assert.equal(diffEdit('same', 'same'), null);
  assert.deepEqual(diffEdit('the cat', 'the cats'), { start: 7, end: 7, text: 's' });
  assert.deepEqual(diffEdit('the cat', 'he cat'), { start: 0, end: 1, text: '' });
  assert.deepEqual(diffEdit('a libary b', 'a library b'), { start: 5, end: 5, text: 'r' });
  assert.deepEqual(diffEdit('one two three', 'one 2 three'), { start: 4, end: 7, text: '2' });
  assert.deepEqual(diffEdit('', 'new'), { start: 0, end: 0, text: 'new' });
  assert.deepEqual(diffEdit('😀 x', '😀😀 x'), { start: 2, end: 2, text: '😀' });
  for (const [a, b] of [['aaa', 'aaaa'], ['abcabc', 'abc'], ['x y z', 'x  y z'], ['Café au lait', 'Cafe au lait']] as const) {
    const e = diffEdit(a, b);
    assert.ok(e);
    assert.equal(a.slice(0, e.start) + e.text + a.slice(e.end), b, `${a} -> ${b}`);
  }
});

test('anchors before an edit stay, after it move by the length difference, touched ones are dropped', () => {
  const text = 'Their going to the libary after school with our freinds.';
  const comments = [
    at(text, 'Their'),
    at(text, 'libary'),
    at(text, 'freinds'),
    { content: 'Overall fine.', kind: 'block' } as Comment,
  ];
  const { text: next, edit } = applySuggestion(text, comments[1]!.anchor!, 'library');
  assert.equal(next, 'Their going to the library after school with our freinds.');
  const shifted = shiftComments(comments, edit);
  assert.deepEqual(shifted.map((c) => c.anchor?.quote ?? c.kind), ['Their', 'freinds', 'block']);
  for (const c of shifted) if (c.anchor) assert.ok(anchorMatches(next, c), `${c.anchor.quote} still matches`);
  assert.equal(shifted[0], comments[0], 'unchanged comments are the same objects');

  // Typing right after or right before a word changes the word: its comment waits for the next check.
  const typedOn = shiftComments(comments, { start: 25, end: 25, text: 's' });
  assert.ok(!typedOn.some((c) => c.anchor?.quote === 'libary'));
  const typedBefore = shiftComments(comments, { start: 19, end: 19, text: 'x' });
  assert.ok(!typedBefore.some((c) => c.anchor?.quote === 'libary'));
  // A space typed one character away keeps it.
  const spaced = shiftComments(comments, { start: 26, end: 26, text: ' ' });
  assert.ok(spaced.some((c) => c.anchor?.quote === 'libary'));
  // Deleting everything drops every inline comment.
  assert.deepEqual(shiftComments(comments, { start: 0, end: text.length, text: '' }).map((c) => c.kind), ['block']);
});

test('anchorMatches refuses stale, empty and out-of-range anchors', () => {
  const text = 'one two three';
  assert.equal(anchorMatches(text, at(text, 'two')), true);
  assert.equal(anchorMatches(text, { content: 'x', kind: 'inline', anchor: { start: 0, end: 3, quote: 'two' } }), false);
  assert.equal(anchorMatches(text, { content: 'x', kind: 'inline', anchor: { start: 4, end: 4, quote: '' } }), false);
  assert.equal(anchorMatches(text, { content: 'x', kind: 'inline', anchor: { start: 8, end: 99, quote: 'three' } }), false);
  assert.equal(anchorMatches(text, { content: 'x', kind: 'block' }), false);
});

test('offered suggestions: no duplicates differing only in spaces, not the quote itself, at most four', () => {
  const text = 'Their going';
  assert.deepEqual(offeredSuggestions(at(text, 'Their', { suggestions: ["They're", "They're "] })), ["They're"]);
  assert.deepEqual(offeredSuggestions(at(text, 'Their', { suggestions: ['Their', 'There'] })), ['There']);
  assert.deepEqual(offeredSuggestions(at(text, 'Their', { suggestions: ['a', 'b', 'c', 'd', 'e'] })), ['a', 'b', 'c', 'd']);
  assert.deepEqual(offeredSuggestions(at(text, 'Their')), []);
});

test('ignore keys are rule + quote; the same finding is the same span by rule or category', () => {
  const text = 'the the cat';
  const a = at(text, 'the the', { rule: 'repeated-words', category: 'grammar', source: 'rules' });
  const moved = { ...a, anchor: { ...a.anchor!, start: 10, end: 17 } };
  assert.equal(ignoreKey(a), ignoreKey(moved), 'the key does not depend on where the words are');
  assert.notEqual(ignoreKey(a), ignoreKey({ ...a, rule: 'other' }));
  assert.equal(sameFinding(a, { ...a, content: 'other words' }), true);
  assert.equal(sameFinding(a, { ...a, rule: undefined }), true, 'same category');
  assert.equal(sameFinding(a, { ...a, rule: 'x', category: 'style' }), false);
  assert.equal(sameFinding(a, moved), false);
  assert.equal(sameFinding(a, { content: 'x', kind: 'block' }), false);
});

test('dictionary words: one word of letters, apostrophes and hyphens; spelling comments on one word', () => {
  for (const w of ['snarfle', "o'clock", 'well-being', 'naïve', 'Zürich’s', 'ελληνικά']) assert.equal(isDictionaryWord(w), true, w);
  for (const w of ['', 'two words', 'r2d2', "'-", 'x'.repeat(65), 'end.']) assert.equal(isDictionaryWord(w), false, w);
  const text = 'a freind and the the';
  assert.equal(isSpellingOfWord(at(text, 'freind', { category: 'spelling' })), true);
  assert.equal(isSpellingOfWord(at(text, 'freind', { rule: 'misspelling' })), true, 'old saved comments');
  assert.equal(isSpellingOfWord(at(text, 'the the', { category: 'spelling' })), false, 'two words');
  assert.equal(isSpellingOfWord(at(text, 'freind', { category: 'grammar' })), false);
});
