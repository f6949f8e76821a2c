// The evaluation's essay sets (tests/fixtures/essays*/) cover what it needs. FAST TIER: no model (the
// evaluation itself, with the model: eval.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadEssays } from '../../scripts/lib/assessment-eval';

test('the essays cover what the evaluation needs', () => {
  const essays = loadEssays();
  const dev = essays.filter((e) => e.set === 'essays');
  const chars = dev.map((e) => e.text.length);
  assert.ok(Math.max(...chars) > 90_000 && Math.max(...chars) <= 100_000, 'one near the 100 000-character limit');
  assert.ok(Math.min(...chars) < 300, 'one very short');
  assert.ok(dev.some((e) => /\p{Extended_Pictographic}/u.test(e.text)), 'one with emoji');
  assert.ok(dev.some((e) => /non-English/.test(e.kind)), 'one not in English');
  const errors = essays.flatMap((e) => e.errors ?? []);
  assert.ok(errors.length >= 40, `${errors.length} planted everyday errors`);
  assert.ok(new Set(errors.map((e) => e.kind)).size >= 10, 'of at least 10 kinds');
  assert.ok(essays.filter((e) => e.errors?.length === 0).length >= 3, 'at least 3 clean essays');
});
