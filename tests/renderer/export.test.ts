// The feedback as a document (renderer/export.ts): numbers in the essay where inline comments anchor and
// the same numbers in the list, as plain text ("Copy as text") and as elements ("Save as PDF"; here
// serialized to HTML by a stand-in builder).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Comment } from '../../preload/api';
import { EARLIER_NOTE, buildExport, exportText, exportTree, type Build, type ExportInput } from '../../renderer/export';

const TEXT = 'My freind came to school. Their was a dog.\n\nIt barked at everybody all day long.';
const at = (quote: string, from = 0) => {
  const start = TEXT.indexOf(quote, from);
  assert.ok(start >= 0, quote);
  return { start, end: start + quote.length, quote };
};

const COMMENTS: Comment[] = [
  // Listed out of text order on purpose: the export numbers by place in the text.
  { kind: 'inline', source: 'rules', category: 'grammar', content: 'Use `There`, not `Their`.', anchor: at('Their'), suggestions: ['There'] },
  { kind: 'block', source: 'model', category: 'structure', content: 'Add a conclusion.' },
  { kind: 'inline', source: 'rules', category: 'spelling', content: 'Possible spelling mistake.', anchor: at('freind'), suggestions: ['friend', 'fiend', 'friend'] },
  { kind: 'inline', source: 'model', category: 'clarity', content: 'Say more about the dog.', anchor: at('Their was a dog.') },
  // Stale: its quote is not at its offsets any more.
  { kind: 'inline', source: 'rules', category: 'spelling', content: 'Possible spelling mistake.', anchor: { start: 0, end: 4, quote: 'Teh ' } },
];

const INPUT: ExportInput = {
  title: 'My dog',
  text: TEXT,
  comments: COMMENTS,
  summary: 'A short essay about a dog.',
  metrics: '16 words · 3 sentences',
  date: '30 Nov 2026, 23:10',
};

test('comments are numbered in the order they appear in the text, then the others in the panel order', () => {
  const doc = buildExport(INPUT);
  assert.deepEqual(
    doc.comments.map((c) => [c.n, c.label, c.quote ?? null, c.inText]),
    [
      [1, 'Spelling', 'freind', true],
      [2, 'Grammar', 'Their', true],
      [3, 'Tutor · Clarity', 'Their was a dog.', true],
      [4, 'Tutor · Structure', null, false],
      [5, 'Spelling', 'Teh ', false],
    ],
  );
  // Readable content ("`There`" → “There”) and the suggestions as offered (no duplicates).
  assert.equal(doc.comments[1]?.content, 'Use “There”, not “Their”.');
  assert.deepEqual(doc.comments[0]?.suggestions, ['friend', 'fiend']);
  assert.deepEqual(doc.comments[3]?.suggestions, []);
});

test('the essay is cut at every span; marked runs carry the numbers of the spans that end with them', () => {
  const doc = buildExport(INPUT);
  assert.equal(doc.essay.map((r) => r.text).join(''), TEXT, 'nothing lost or repeated');
  const runs = doc.essay.filter((r) => r.marked || r.refs.length).map((r) => [r.text, r.refs]);
  // "Their" is inside "Their was a dog.": the word ends [2], the sentence [3] (overlapping spans both show).
  assert.deepEqual(runs, [
    ['freind', [1]],
    ['Their', [2]],
    [' was a dog.', [3]],
  ]);
});

test('plain text: title, date, the essay with [n] after each quoted span, the numbered comments, summary, metrics', () => {
  const text = exportText(buildExport(INPUT));
  assert.equal(
    text,
    [
      'My dog',
      '======',
      'Feedback from Samsara, 30 Nov 2026, 23:10',
      '',
      'ESSAY',
      '',
      'My freind[1] came to school. Their[2] was a dog.[3]\n\nIt barked at everybody all day long.',
      '',
      'COMMENTS',
      '',
      '1. Spelling: Possible spelling mistake.',
      '   Quote: “freind”',
      '   Suggestions: friend · fiend',
      '2. Grammar: Use “There”, not “Their”.',
      '   Quote: “Their”',
      '   Suggestion: There',
      '3. Tutor · Clarity: Say more about the dog.',
      '   Quote: “Their was a dog.”',
      '4. Tutor · Structure: Add a conclusion.',
      '5. Spelling: Possible spelling mistake.',
      '   Quote: “Teh ” (not in the text as it is now)',
      '',
      'SUMMARY',
      '',
      'A short essay about a dog.',
      '',
      'METRICS',
      '',
      '16 words · 3 sentences',
      '',
    ].join('\n'),
  );
});

test('feedback about an earlier version says so; no comments, summary or metrics: said or left out', () => {
  const text = exportText(buildExport({ title: 'Empty', text: 'One line.', comments: [], earlier: true }));
  assert.ok(text.includes(EARLIER_NOTE));
  assert.ok(text.includes('COMMENTS\n\nNo comments.'));
  assert.ok(!text.includes('SUMMARY') && !text.includes('METRICS'));
  assert.ok(text.startsWith('Empty\n=====\nFeedback from Samsara\n'));
});

/** A stand-in element builder: HTML text, with text escaped as the DOM would. */
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const html: Build<{ html: string }> = (tag, attrs, ...children) => ({
  html: `<${tag}${Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escape(v)}"`)
    .join('')}>${children.map((c) => (typeof c === 'string' ? escape(c) : c.html)).join('')}</${tag}>`,
});

test('elements: marks and superscript numbers in the essay, one list item per comment with its number', () => {
  const out = exportTree(buildExport(INPUT), html).html;
  assert.ok(out.startsWith('<div class="print-sheet"><header><h1 dir="auto">My dog</h1>'));
  assert.ok(out.includes('<div class="print-essay" dir="auto">My <mark>freind</mark><sup class="print-ref">[1]</sup> came to school. '));
  assert.ok(out.includes('<mark>Their</mark><sup class="print-ref">[2]</sup><mark> was a dog.</mark><sup class="print-ref">[3]</sup>'));
  const items = [...out.matchAll(/<li class="print-comment" data-n="(\d+)"><span class="print-num">(\d+)<\/span>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(items, [['1', '1'], ['2', '2'], ['3', '3'], ['4', '4'], ['5', '5']]);
  assert.ok(out.includes('<blockquote dir="auto">“freind”</blockquote><p class="print-suggestions">Suggestions: friend · fiend</p>'));
  assert.ok(out.includes('<h2>Summary</h2><p dir="auto">A short essay about a dog.</p>'));
  assert.ok(out.includes('<h2>Metrics</h2><p>16 words · 3 sentences</p>'));
});

test('text that looks like markup stays text', () => {
  const text = 'I <b>love</b> & "quote".';
  const out = exportTree(
    buildExport({ title: '<script>x</script>', text, comments: [{ kind: 'inline', content: 'a <i>', anchor: { start: 2, end: 13, quote: '<b>love</b>' } }] }),
    html,
  ).html;
  assert.ok(!out.includes('<script>') && !out.includes('<b>') && !out.includes('<i>'));
  assert.ok(out.includes('<mark>&lt;b&gt;love&lt;/b&gt;</mark>'));
});
