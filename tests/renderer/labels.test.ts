// What the student reads: comment badges by category (old saved comments by rule), dialect names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATEGORIES, DIALECTS, type Comment } from '../../preload/api';
import { CATEGORY_LABELS, badge, categoryOf, dialectLabel, readable } from '../../renderer/labels';

const c = (extra: Partial<Comment>): Comment => ({ content: 'x', kind: 'inline', ...extra });

test('badges name the category; the tutor is named; old comments without a category keep their rule label', () => {
  assert.equal(badge(c({ source: 'rules', rule: 'spelling', category: 'spelling' })), 'Spelling');
  assert.equal(badge(c({ source: 'rules', rule: 'repeated-words', category: 'grammar' })), 'Grammar');
  assert.equal(badge(c({ source: 'model', category: 'clarity' })), 'Tutor · Clarity');
  assert.equal(badge(c({ source: 'rules', rule: 'misspelling' })), 'Spelling');
  assert.equal(badge(c({ source: 'rules', rule: 'double-word' })), 'Doubled word');
  assert.equal(badge(c({ source: 'rules', rule: 'something-new' })), 'Analysis');
  assert.equal(badge(c({ source: 'model' })), 'Tutor · in the text');
  assert.equal(badge({ content: 'x', kind: 'block', source: 'model' }), 'Tutor · overall');
  for (const k of CATEGORIES) assert.ok(CATEGORY_LABELS[k].length > 0);
  assert.equal(categoryOf(c({ rule: 'misspelling' })), 'spelling');
  assert.equal(categoryOf(c({ category: 'usage' })), 'usage');
  assert.equal(categoryOf(c({ rule: 'long-sentence' })), undefined);
});

test('dialect labels; Auto names the dialect it found', () => {
  assert.deepEqual(
    DIALECTS.map((d) => dialectLabel(d)),
    ['Auto', 'American English', 'British English', 'Canadian English', 'Australian English', 'Indian English'],
  );
  assert.equal(dialectLabel('auto', 'british'), 'Auto (British)');
  assert.equal(dialectLabel('american', 'british'), 'American English');
});

test('Markdown backticks in checker messages become quotation marks', () => {
  assert.equal(readable('Did you mean `they’re`?'), 'Did you mean “they’re”?');
  assert.equal(readable('no quotes here'), 'no quotes here');
  assert.equal(readable('a ` lone backtick'), 'a ` lone backtick');
});
