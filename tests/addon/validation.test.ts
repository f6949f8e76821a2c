// Bad input to the native API: every case is a coded error (INVALID_REQUEST) that nothing crashes on.
// FAST TIER: no model. The engine points at a file that does not exist, which proves the rejections
// happen before any model is needed (the tokenizer's own checks, which need the model's vocabulary,
// are in tokenizer.test.ts).
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as native from 'samsara-native';
import { rejectsWith, throwsWith } from './helpers';

const NO_MODEL = path.join(os.tmpdir(), 'samsara-validation-no-such-model.gguf');

// The casts deliberately break the declared types, as a JavaScript caller could.
const api = native as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;

test('wrong types, missing and unknown fields, empty and oversized text are INVALID_REQUEST', async () => {
  native.configure({ modelPath: NO_MODEL });
  const cases: [string, unknown, unknown?][] = [
    ['assessEssay', undefined],
    ['assessEssay', null],
    ['assessEssay', 'just a string'],
    ['assessEssay', [1, 2]],
    ['assessEssay', { text: 'An essay.' }],
    ['assessEssay', { fileId: 'a', text: 42 }],
    ['assessEssay', { fileId: 'a', text: '' }],
    ['assessEssay', { fileId: 'a', text: '   \n\t ' }],
    ['assessEssay', { fileId: 'a', text: 'x'.repeat(100_001) }],
    ['assessEssay', { fileId: 'a', text: 'ok', extra: true }],
    ['assessEssay', { fileId: '', text: 'ok' }],
    ['chat', { message: '' }],
    ['chat', { message: 5 }],
    ['chat', { message: 'hi', contextText: 'x'.repeat(100_001) }],
    ['chat', { message: 'hi', role: 'system' }],
    ['chat', { message: 'lone \ud800 surrogate' }],
    ['generateFeedbackSummary', { fileId: 'a' }],
    ['generateFeedbackSummary', { fileId: 'a', text: 'ok', comments: [{ content: 'c', kind: 'weird' }] }],
    ['complete', { prompt: '' }],
    ['complete', { prompt: 'x', maxTokens: 0 }],
    ['complete', { prompt: 'x', maxTokens: 1e9 }],
    ['complete', { prompt: 'x', temperature: -1 }],
    ['complete', { prompt: 'x', temperature: Number.NaN }],
    ['complete', { prompt: 'x', topP: 0 }],
    ['complete', { prompt: 'x', stop: [''] }],
    ['complete', { prompt: 'x', stop: 'END' }],
    ['complete', { prompt: 'x' }, { timeoutMs: -5 }],
    ['complete', { prompt: 'x' }, { timeoutMs: Number.POSITIVE_INFINITY }],
    ['complete', { prompt: 'x' }, { requestId: 7 }],
    ['complete', { prompt: 'x' }, { onToken: 'not a function' }],
    ['complete', { prompt: 'x' }, { signal: {} }],
    ['complete', { prompt: 'x' }, { unknownOption: 1 }],
  ];
  for (const [fn, input, opts] of cases) {
    const err = await rejectsWith(api[fn]!(input, opts), 'INVALID_REQUEST');
    assert.ok(err.message.length > 10, `${fn}: the message says what is wrong`);
  }
  const h = await native.healthCheck();
  assert.equal(h.queue.waiting, 0, 'nothing invalid was queued');
  assert.equal(h.modelLoads, 0, 'no model load was attempted');
});

test('configure, tokenize and detokenize validate their arguments', () => {
  throwsWith(() => native.configure({ threads: 0 }), 'INVALID_REQUEST');
  throwsWith(() => native.configure({ contextSize: 1 }), 'INVALID_REQUEST');
  throwsWith(() => native.configure({ modelPath: '' }), 'INVALID_REQUEST');
  throwsWith(() => (native.configure as (o: unknown) => void)({ bogus: 1 }), 'INVALID_REQUEST');
  throwsWith(() => (native.tokenize as (t: unknown) => number[])(42), 'INVALID_REQUEST');
  throwsWith(() => native.detokenize([1, -2]), 'INVALID_REQUEST');
  throwsWith(() => native.detokenize([1.5]), 'INVALID_REQUEST');
  assert.equal(native.cancel('never-issued'), false);
});

test('an already aborted signal rejects with CANCELLED without running', async () => {
  const ac = new AbortController();
  ac.abort();
  await rejectsWith(native.complete({ prompt: 'x', maxTokens: 1 }, { signal: ac.signal }), 'CANCELLED');
});
