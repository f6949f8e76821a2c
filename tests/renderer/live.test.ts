// When the live checker runs (renderer/live.ts): debounced, one check in flight, stale answers dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveChecker, type LiveInput, type Timers } from '../../renderer/live';

/** Timers that run only when told to. */
function manualTimers() {
  let next = 0;
  const pending = new Map<number, { fn: () => void; ms: number }>();
  const timers: Timers = {
    set: (fn, ms) => {
      pending.set(++next, { fn, ms });
      return next;
    },
    clear: (h) => void pending.delete(h as number),
  };
  return {
    timers,
    pending: () => pending.size,
    fire: () => {
      const all = [...pending.values()];
      pending.clear();
      for (const t of all) t.fn();
    },
  };
}

/** A check that answers when told to, recording what it was asked. */
function manualCheck() {
  const asked: LiveInput[] = [];
  const answers: Array<(r: string | null) => void> = [];
  return {
    asked,
    check: (i: LiveInput) => {
      asked.push(i);
      return new Promise<string | null>((resolve) => answers.push(resolve));
    },
    answer: async (r: string | null = 'result') => {
      answers.shift()?.(r);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
    inFlight: () => answers.length,
  };
}

test('typing is debounced: one check after the pause, for the text at that moment', async () => {
  let screen: LiveInput = { text: 'a', dialect: 'auto' };
  const t = manualTimers();
  const c = manualCheck();
  const delivered: string[] = [];
  const live = new LiveChecker(() => screen, c.check, (i, r) => delivered.push(`${i.text}:${r}`), 400, t.timers);
  live.schedule();
  screen = { text: 'ab', dialect: 'auto' };
  live.schedule();
  screen = { text: 'abc', dialect: 'auto' };
  live.schedule();
  assert.equal(t.pending(), 1, 'one timer');
  assert.equal(c.asked.length, 0);
  assert.equal(live.busy, true);
  t.fire();
  assert.deepEqual(c.asked.map((i) => i.text), ['abc']);
  await c.answer('ok');
  assert.deepEqual(delivered, ['abc:ok']);
  assert.equal(live.busy, false);
});

test('never more than one check in flight; a check asked for meanwhile runs after it', async () => {
  let screen: LiveInput = { text: 'one', dialect: 'auto' };
  const t = manualTimers();
  const c = manualCheck();
  const delivered: string[] = [];
  const live = new LiveChecker(() => screen, c.check, (i) => delivered.push(i.text), 400, t.timers);
  live.now();
  screen = { text: 'two', dialect: 'auto' };
  live.now();
  live.now();
  assert.equal(c.inFlight(), 1, 'one at a time');
  await c.answer();
  assert.deepEqual(delivered, [], 'the answer about "one" is stale: dropped');
  assert.deepEqual(c.asked.map((i) => i.text), ['one', 'two'], 'then one more check, for the text now');
  await c.answer();
  assert.deepEqual(delivered, ['two']);
  assert.equal(c.inFlight(), 0);
  assert.equal(live.busy, false);
});

test('a stale answer is dropped; while a pause timer is pending the checker waits for it', async () => {
  let screen: LiveInput = { text: 'first', dialect: 'auto' };
  const t = manualTimers();
  const c = manualCheck();
  const delivered: string[] = [];
  const live = new LiveChecker(() => screen, c.check, (i) => delivered.push(i.text), 400, t.timers);
  live.now();
  screen = { text: 'second', dialect: 'auto' };
  live.schedule(); // typing goes on
  await c.answer();
  assert.deepEqual(delivered, []);
  assert.equal(c.asked.length, 1, 'no extra check: the pause timer will run it');
  t.fire();
  await c.answer();
  assert.deepEqual(delivered, ['second']);
});

test('a new dialect makes an answer stale too; a failed check delivers nothing', async () => {
  let screen: LiveInput = { text: 'colour', dialect: 'auto' };
  const t = manualTimers();
  const c = manualCheck();
  const delivered: string[] = [];
  const live = new LiveChecker(() => screen, c.check, (i) => delivered.push(i.dialect), 400, t.timers);
  live.now();
  screen = { text: 'colour', dialect: 'british' };
  live.now();
  await c.answer();
  await c.answer();
  assert.deepEqual(delivered, ['british']);
  live.now();
  await c.answer(null);
  assert.deepEqual(delivered, ['british']);
  assert.equal(live.busy, false);
});
