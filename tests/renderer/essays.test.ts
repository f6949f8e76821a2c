// Essays' names and dates (renderer/essays.ts, renderer/essay-dates.ts): named after the first line
// until renamed; the delete panel's dates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanTitle, firstLineTitle, isEmptyDraft, titleOf } from '../../renderer/essays';
import { essayDates } from '../../renderer/essay-dates';

test('an essay is named after its first line with text, shortened at a word', () => {
  assert.equal(firstLineTitle('\n\n  Homework helps students  \nBut too much…'), 'Homework helps students');
  assert.equal(firstLineTitle('# Why we sleep\n\nText.'), 'Why we sleep');
  assert.equal(firstLineTitle('   \n\t'), '');
  const long = firstLineTitle('Schools should start later because teenagers need more sleep, and the research on this is clear.');
  assert.equal(long, 'Schools should start later because teenagers need more…');
  assert.ok([...long].length <= 60);
  // One long word: cut inside it.
  assert.equal([...firstLineTitle('x'.repeat(200))].length, 60);
});

test('a given name wins; an empty essay without one is "Untitled essay"', () => {
  assert.equal(titleOf({ text: 'First line\nSecond' }), 'First line');
  assert.equal(titleOf({ text: 'First line', title: 'My essay' }), 'My essay');
  assert.equal(titleOf({ text: '' }), 'Untitled essay');
  assert.equal(cleanTitle('  Two\n lines\t here  '), 'Two lines here');
  assert.equal([...cleanTitle('é'.repeat(300))].length, 120);
  assert.equal(isEmptyDraft({ fileId: 'a', text: ' \n', updatedAt: '' }), true);
  assert.equal(isEmptyDraft({ fileId: 'a', text: '', updatedAt: '', title: 'Plans' }), false);
  assert.equal(isEmptyDraft({ fileId: 'a', text: 'x', updatedAt: '' }), false);
});

test('the delete panel names when the essay was started, last edited and assessed', () => {
  const fmt = (iso: string) => iso.slice(0, 16).replace('T', ' ');
  assert.deepEqual(
    essayDates(
      { createdAt: '2026-11-01T09:00:00Z', updatedAt: '2026-11-03T10:30:00Z' },
      [{ createdAt: '2026-11-03T10:31:00Z' }, { createdAt: '2026-11-02T08:00:00Z' }],
      fmt,
    ),
    ['Started 2026-11-01 09:00', 'Last edited 2026-11-03 10:30', 'Assessed 2 times: 2026-11-03 10:31; 2026-11-02 08:00'],
  );
  // Essays from before start dates were kept; one assessment; never edited since it was started.
  assert.deepEqual(essayDates({ updatedAt: '2026-11-03T10:30:00Z' }, [{ createdAt: '2026-11-03T10:31:00Z' }], fmt), [
    'Last edited 2026-11-03 10:30',
    'Assessed 2026-11-03 10:31',
  ]);
  assert.deepEqual(essayDates({ createdAt: '2026-11-01T09:00:00Z', updatedAt: '2026-11-01T09:00:00Z' }, [], fmt), [
    'Started 2026-11-01 09:00',
    'No saved assessments',
  ]);
  const many = Array.from({ length: 8 }, (_, i) => ({ createdAt: `2026-11-0${9 - i}T10:00:00Z` }));
  assert.deepEqual(essayDates({ updatedAt: '' }, many, fmt).at(-1), 'Assessed 8 times: 2026-11-09 10:00; 2026-11-08 10:00; 2026-11-07 10:00; 2026-11-06 10:00; 2026-11-05 10:00 and 3 earlier');
});
