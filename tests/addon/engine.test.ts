// The engine's lifecycle and concurrency, with the real default model: one lazy load for ten
// simultaneous first calls, healthCheck that never waits, streaming, cancellation and deadlines that
// really stop the work, a bounded queue.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as native from 'samsara-native';
import { ESSAY, SMOLLM2, cpuMsOver, rejectsWith } from './helpers';

// ~450 tokens of prompt: the example essay with a question.
const LONG_PROMPT = `Summarize this essay:\n\n${ESSAY}`;
// A chat prompt that makes the model write for a long time (hundreds of tokens).
const STORY = { prompt: '<|im_start|>user\nWrite a long story about a dragon.<|im_end|>\n<|im_start|>assistant\n', parseSpecialTokens: true, temperature: 0 };

test('10 simultaneous first calls load the model exactly once', async () => {
  native.configure({ modelPath: SMOLLM2 });
  const before = await native.healthCheck();
  assert.equal(before.model.state, 'unloaded');
  assert.equal(before.modelLoads, 0);
  const calls = Array.from({ length: 10 }, (_, i) =>
    native.complete({ prompt: `Count to ${i + 1}:`, maxTokens: 2, temperature: 0 }),
  );
  const during = await native.healthCheck();
  assert.ok(['loading', 'ready', 'unloaded'].includes(during.model.state));
  const results = await Promise.all(calls);
  assert.equal(results.length, 10);
  for (const r of results) assert.ok(r.tokens.length >= 1);
  const after = await native.healthCheck();
  assert.equal(after.modelLoads, 1, 'exactly one load');
  assert.equal(after.model.state, 'ready');
  assert.equal(after.model.architecture, 'llama');
  assert.equal(after.model.contextLength, 8192, 'context length from the file, not capped at 4096');
  assert.equal(after.threads, 1, 'one inference thread by default');
});

test('healthCheck answers in < 5 ms while a generation runs', async () => {
  const gen = native.complete({ prompt: LONG_PROMPT, maxTokens: 8, temperature: 0 });
  const times: number[] = [];
  let sawRunning = false;
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    const h = await native.healthCheck();
    times.push(performance.now() - t);
    if (h.queue.running === 1) sawRunning = true;
    await new Promise((r) => setTimeout(r, 10));
  }
  await gen;
  assert.ok(sawRunning, 'the generation was running while we asked');
  const worst = Math.max(...times);
  assert.ok(worst < 5, `slowest healthCheck took ${worst.toFixed(2)} ms`);
});

test('streaming delivers the text in pieces that never split a character', async () => {
  const pieces: string[] = [];
  const r = await native.complete(
    { prompt: '<|im_start|>user\nWrite one sentence in French with accents, then the emoji 🎉 and the word 東京.<|im_end|>\n<|im_start|>assistant\n', parseSpecialTokens: true, maxTokens: 60, temperature: 0 },
    { onToken: (t) => pieces.push(t) },
  );
  assert.ok(pieces.length >= 2, 'several streamed pieces');
  assert.equal(pieces.join(''), r.text, 'the pieces add up to the final text');
  for (const p of pieces) {
    assert.ok(!p.includes('\uFFFD'), `piece ${JSON.stringify(p)} has a broken character`);
    assert.ok(!/[\uD800-\uDBFF]$/.test(p) && !/^[\uDC00-\uDFFF]/.test(p), 'no split surrogate pair');
  }
});

async function settleTime(start: () => void, p: Promise<unknown>, code: string): Promise<number> {
  let settledAt = 0;
  const done = rejectsWith(p.finally(() => { settledAt = performance.now(); }), code);
  const t = performance.now();
  start();
  await done;
  return settledAt - t;
}

async function waitUntilRunning(id: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const h = await native.healthCheck();
    if (h.queue.running === 1 && h.queue.waiting === 0) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.fail(`request ${id} never started`);
}

test('cancel during a ~500-token prefill settles within 50 ms, stops the CPU, and the next request works', async () => {
  assert.ok(native.tokenize(LONG_PROMPT).length >= 440);
  const p = native.complete({ prompt: LONG_PROMPT, maxTokens: 4, temperature: 0 }, { requestId: 'prefill-cancel' });
  await waitUntilRunning('prefill-cancel');
  await new Promise((r) => setTimeout(r, 300)); // well inside the prefill (several seconds)
  const ms = await settleTime(() => assert.ok(native.cancel('prefill-cancel')), p, 'CANCELLED');
  assert.ok(ms < 50, `settled ${ms.toFixed(1)} ms after cancel`);
  const cpu = await cpuMsOver(300);
  assert.ok(cpu < 60, `the process still used ${cpu.toFixed(0)} ms of CPU in 300 ms after the cancel`);
  const next = await native.complete({ prompt: 'Hello', maxTokens: 3, temperature: 0 });
  assert.ok(next.tokens.length >= 1);
});

test('an AbortSignal during decode settles within 50 ms with CANCELLED', async () => {
  const ac = new AbortController();
  let tokens = 0;
  const p = native.complete(
    { ...STORY, maxTokens: 400 },
    { signal: ac.signal, onToken: () => { tokens++; } },
  );
  for (let i = 0; i < 2000 && tokens < 5; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(tokens >= 5, 'decoding had started');
  const ms = await settleTime(() => ac.abort(), p, 'CANCELLED');
  assert.ok(ms < 50, `settled ${ms.toFixed(1)} ms after abort`);
  const cpu = await cpuMsOver(300);
  assert.ok(cpu < 60, `CPU ${cpu.toFixed(0)} ms after abort`);
});

test('timeouts in prefill and in decode stop the work with ENGINE_TIMEOUT within 50 ms of the deadline', async () => {
  for (const [what, input, timeoutMs] of [
    ['prefill', { prompt: LONG_PROMPT, maxTokens: 4, temperature: 0 }, 400],
    ['decode', { ...STORY, maxTokens: 400 }, 1500],
  ] as const) {
    const t = performance.now();
    await rejectsWith(native.complete(input, { timeoutMs }), 'ENGINE_TIMEOUT');
    const late = performance.now() - t - timeoutMs;
    assert.ok(late < 50, `${what}: settled ${late.toFixed(1)} ms after the deadline`);
    const cpu = await cpuMsOver(300);
    assert.ok(cpu < 60, `${what}: CPU ${cpu.toFixed(0)} ms after the timeout`);
  }
  const next = await native.complete({ prompt: 'Hi', maxTokens: 2, temperature: 0 });
  assert.ok(next.tokens.length >= 1);
});

test('a queued request can be cancelled before it runs; the queue is bounded (ENGINE_BUSY)', async () => {
  native.configure({ queueCapacity: 2 });
  try {
    const running = native.complete({ prompt: LONG_PROMPT, maxTokens: 2, temperature: 0 }, { requestId: 'q-run' });
    await waitUntilRunning('q-run');
    const w1 = native.complete({ prompt: 'a', maxTokens: 1 }, { requestId: 'q-w1' });
    const w2 = native.complete({ prompt: 'b', maxTokens: 1 }, { requestId: 'q-w2' });
    await rejectsWith(native.complete({ prompt: 'c', maxTokens: 1 }), 'ENGINE_BUSY');
    const h = await native.healthCheck();
    assert.deepEqual([h.queue.running, h.queue.waiting], [1, 2]);
    const ms = await settleTime(() => assert.ok(native.cancel('q-w1')), w1, 'CANCELLED');
    assert.ok(ms < 50, `queued cancel settled in ${ms.toFixed(1)} ms`);
    assert.equal(native.cancel('q-w1'), false, 'cancelling twice is a no-op');
    assert.equal(native.cancel('no-such-request'), false);
    native.cancel('q-run');
    await rejectsWith(running, 'CANCELLED');
    const r2 = await w2;
    assert.ok(r2.tokens.length >= 1, 'the next queued job runs');
  } finally {
    native.configure({ queueCapacity: 16 });
  }
});

test('a request id in use is refused', async () => {
  const a = native.complete({ ...STORY, maxTokens: 20 }, { requestId: 'dup' });
  await rejectsWith(native.complete({ prompt: 'x', maxTokens: 1 }, { requestId: 'dup' }), 'INVALID_REQUEST', 'in use');
  await a;
});
