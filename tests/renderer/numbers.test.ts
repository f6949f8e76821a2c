// The editor's word counter counts as the engine's metrics do (native/src/analysis/segment.rs: UAX #29
// words holding a letter or digit); the metrics line says "1 word", clamps readability and hides it
// under three sentences. The e2e test (everyday-layout) compares the counter with real metrics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EssayMetrics } from '../../preload/api';
import { countWords, gradeLevel, metricsLine, plural, readingEase } from '../../renderer/numbers';

test('words are counted as the engine counts them', () => {
  // The engine's own tests (segment.rs, metrics.rs).
  assert.equal(countWords('Café naïve 😀 东京 don\'t'), 5);
  assert.equal(countWords('The cat sat on the mat. It was a very sunny day.'), 12);
  assert.equal(countWords('Title here\n\nFirst one. Second one!\nStill second paragraph?\n\n\n  Last.  \n'), 10);
  // Hyphens split, apostrophes (straight or curly) and numbers with points do not, dashes are not words.
  assert.equal(countWords('A well-known e-mail — isn’t it 3.5 times 1,000?'), 10);
  assert.equal(countWords(''), 0);
  assert.equal(countWords('   \n '), 0);
  assert.equal(countWords('— … !!'), 0);
  assert.equal(countWords('word'), 1);
  // Arabic and Hebrew words are words.
  assert.equal(countWords('التعليم مهم جدا للطلاب.'), 4);
  assert.equal(countWords('שלום עולם'), 2);
});

test('plural: 1 word, 2 words, thousands separated', () => {
  assert.equal(plural(1, 'word'), '1 word');
  assert.equal(plural(0, 'word'), '0 words');
  assert.equal(plural(12345, 'character'), '12,345 characters');
});

const metrics = (extra: Partial<EssayMetrics>): EssayMetrics => ({
  words: 12, sentences: 2, paragraphs: 1, characters: 48, avgSentenceLength: 6, fleschReadingEase: 102, fleschKincaidGrade: 0.5, ...extra,
});

test('readability is clamped and hidden under three sentences', () => {
  assert.equal(readingEase(metrics({ fleschReadingEase: 102 })), 100);
  assert.equal(readingEase(metrics({ fleschReadingEase: -40.2 })), 0);
  assert.equal(readingEase(metrics({ fleschReadingEase: Number.NaN })), 0);
  assert.equal(gradeLevel(metrics({ fleschKincaidGrade: -3.4 })), 0);
  assert.equal(gradeLevel(metrics({ fleschKincaidGrade: 31.9 })), 18);
  assert.equal(gradeLevel(metrics({ fleschKincaidGrade: 8.6 })), 9);
  assert.equal(metricsLine(metrics({})), '12 words · 2 sentences · 1 paragraph · 6 words per sentence');
  assert.equal(
    metricsLine(metrics({ words: 1, sentences: 3, paragraphs: 2, fleschReadingEase: 130, fleschKincaidGrade: -2 })),
    '1 word · 3 sentences · 2 paragraphs · 6 words per sentence · reading ease 100 of 100 · grade level 0',
  );
});
