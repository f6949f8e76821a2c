// STUB ENGINE: tests of the service layer alone, with a stand-in for the addon. They cover what the
// real model cannot be made to do on demand (an unusable answer, an internal failure, a non-Error
// throw); everything else is tested against the real engine in service.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonLogger } from '../../electron/log';
import { SamsaraService, type Engine } from '../../electron/service';
import type { ApiResult } from '../../preload/api';
import { APP, APP_ORIGIN, envelope } from './helpers';

function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function stubEngine(fail: () => unknown): Engine {
  const reject = async () => {
    throw fail();
  };
  return {
    assessEssay: reject,
    chat: reject,
    generateFeedbackSummary: reject,
    healthCheck: reject,
    loadModel: reject,
    cancel: () => false,
    shutdown: async () => undefined,
    listAssessments: reject,
    listChat: reject,
    clearChat: reject,
    deleteEssay: reject,
    deleteAssessment: reject,
    checkText: reject,
    addWord: reject,
    removeWord: reject,
    listWords: reject,
    getSettings: reject,
    setSettings: reject,
    configure: () => undefined,
  } satisfies Engine;
}

async function errorOf(engine: Engine, action = 'chat'): Promise<{ code: string; message: string }> {
  const lines: string[] = [];
  const service = new SamsaraService({ engine, log: jsonLogger((l) => lines.push(l)), trustedOrigins: [APP_ORIGIN] });
  const payload = action === 'chat' ? { message: 'hi' } : { fileId: 'f', text: 'An essay.' };
  const r: ApiResult<unknown> = await service.request(action, APP, envelope('x', payload));
  assert.equal(r.ok, false);
  if (r.ok) throw new Error('unreachable');
  const end = lines.map((l) => JSON.parse(l) as { event: string; code?: string }).find((e) => e.event === 'request.end');
  assert.equal(end?.code, r.error.code, 'the log records the same code');
  return r.error;
}

test('ENGINE_INVALID_RESPONSE keeps the engine\'s user-facing message', async () => {
  const e = await errorOf(
    stubEngine(() => coded('ENGINE_INVALID_RESPONSE', "The model's feedback could not be read as comments. Try again.")),
    'assessEssay',
  );
  assert.equal(e.code, 'ENGINE_INVALID_RESPONSE');
  assert.match(e.message, /could not be read/);
});

test('ENGINE_ACTION_FAILED hides internals behind a fixed message', async () => {
  const e = await errorOf(stubEngine(() => coded('ENGINE_ACTION_FAILED', 'panic at native/src/tasks/generate.rs:88: index out of bounds')));
  assert.equal(e.code, 'ENGINE_ACTION_FAILED');
  assert.ok(!e.message.includes('panic') && !e.message.includes('.rs'), e.message);
  assert.match(e.message, /Try again/);
});

test('errors without a known code, and thrown non-errors, become ENGINE_ACTION_FAILED', async () => {
  for (const thrown of [new TypeError('x is not a function'), coded('EWHATEVER', 'odd'), 'a string', null, { code: 42 }]) {
    const e = await errorOf(stubEngine(() => thrown));
    assert.equal(e.code, 'ENGINE_ACTION_FAILED');
    assert.ok(!e.message.includes('x is not a function'));
  }
});

test('long engine messages are clipped for the toast', async () => {
  const e = await errorOf(stubEngine(() => coded('ENGINE_DOWN', `Model file /m.gguf: ${'x'.repeat(5000)}`)));
  assert.equal(e.code, 'ENGINE_DOWN');
  assert.ok(e.message.length <= 600, `${e.message.length} characters`);
});

test('checker actions: engine failures are normalized and logged with their code, never with the text or word', async () => {
  const lines: string[] = [];
  const service = new SamsaraService({
    engine: stubEngine(() => coded('ENGINE_ACTION_FAILED', 'panic at native/src/analysis/checker.rs:12')),
    log: jsonLogger((l) => lines.push(l)),
    trustedOrigins: [APP_ORIGIN],
  });
  const calls: Array<Promise<ApiResult<unknown>>> = [
    service.checker('checkText', APP, { text: 'A secret essay about herons.', dialect: 'british' }),
    service.checker('addWord', APP, 'heronry'),
    service.checker('removeWord', APP, 'heronry'),
    service.checker('listWords', APP, undefined),
  ];
  for (const r of await Promise.all(calls)) {
    assert.equal(r.ok, false);
    if (r.ok) continue;
    assert.equal(r.error.code, 'ENGINE_ACTION_FAILED');
    assert.ok(!r.error.message.includes('.rs'), r.error.message);
  }
  const ends = lines.map((l) => JSON.parse(l) as { event: string; action?: string; code?: string }).filter((e) => e.event === 'request.end');
  assert.deepEqual(ends.map((e) => [e.action, e.code]).sort(), [
    ['addWord', 'ENGINE_ACTION_FAILED'],
    ['checkText', 'ENGINE_ACTION_FAILED'],
    ['listWords', 'ENGINE_ACTION_FAILED'],
    ['removeWord', 'ENGINE_ACTION_FAILED'],
  ]);
  assert.ok(!lines.join('\n').includes('heron'), 'neither the text nor the word is logged');
  // The engine's own INVALID_REQUEST message (written for people) reaches the renderer.
  const refusing = new SamsaraService({
    engine: stubEngine(() => coded('INVALID_REQUEST', 'A dictionary word is one word of letters.')),
    log: () => undefined,
    trustedOrigins: [APP_ORIGIN],
  });
  const r = await refusing.checker('addWord', APP, 'heronry');
  assert.deepEqual(r, { ok: false, error: { code: 'INVALID_REQUEST', message: 'A dictionary word is one word of letters.' } });
});

test('healthCheck failures are normalized too', async () => {
  const service = new SamsaraService({
    engine: stubEngine(() => new Error('boom')),
    log: () => undefined,
    trustedOrigins: [APP_ORIGIN],
  });
  const r = await service.healthCheck(APP);
  assert.deepEqual(r.ok ? null : r.error.code, 'ENGINE_ACTION_FAILED');
});

test('warm-up failures are logged with their code, not thrown', async () => {
  const lines: string[] = [];
  const service = new SamsaraService({
    engine: stubEngine(() => coded('ENGINE_DOWN', 'Model file /x.gguf: not found.')),
    log: jsonLogger((l) => lines.push(l)),
    trustedOrigins: [APP_ORIGIN],
  });
  await service.warmUp();
  const entry = JSON.parse(lines[0] ?? '{}') as { event?: string; outcome?: string; code?: string };
  assert.deepEqual([entry.event, entry.outcome, entry.code], ['engine.warmup', 'error', 'ENGINE_DOWN']);
});
