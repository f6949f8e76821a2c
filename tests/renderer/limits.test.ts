// The counters that show a limit up front (renderer/limits.ts): the count alone far from the limit,
// "n / limit" from 80 %, and over it by how much; cutting a text to a limit never splits an emoji.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIMITS } from '../../preload/limits';
import { characterCount, clipTo, limitLevel } from '../../renderer/limits';

test('the level: ok below 80 %, near from 80 % to the limit, over past it', () => {
  assert.equal(limitLevel(0, 100), 'ok');
  assert.equal(limitLevel(79, 100), 'ok');
  assert.equal(limitLevel(80, 100), 'near');
  assert.equal(limitLevel(100, 100), 'near');
  assert.equal(limitLevel(101, 100), 'over');
});

test('the counter text names the limit only near it', () => {
  assert.deepEqual(characterCount(1, LIMITS.text), { text: '1 character', level: 'ok' });
  assert.deepEqual(characterCount(1_234, LIMITS.text), { text: '1,234 characters', level: 'ok' });
  assert.deepEqual(characterCount(92_000, LIMITS.text), { text: '92,000 / 100,000 characters', level: 'near' });
  assert.deepEqual(characterCount(167_000, LIMITS.text), { text: '167,000 / 100,000 characters, 67,000 over the limit', level: 'over' });
  assert.deepEqual(characterCount(7_000, LIMITS.message), { text: '7,000 / 8,000 characters', level: 'near' });
});

test('clipTo keeps a text within a limit without splitting a surrogate pair', () => {
  assert.equal(clipTo('abc', 5), 'abc');
  assert.equal(clipTo('abcdef', 3), 'abc');
  assert.equal(clipTo('ab😀', 3), 'ab');
  assert.equal(clipTo('ab😀c', 4), 'ab😀');
});
