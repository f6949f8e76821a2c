// The main-process service against the real addon and the real model: sender check, validation,
// normalized results for every code the engine can produce here, streaming, cancel, the lifecycle log.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as engine from 'samsara-native';
import { jsonLogger } from '../../electron/log';
import { assessmentSchema, payloadSchemas } from '../../electron/schemas';
import { SamsaraService, type Sender } from '../../electron/service';
import type * as Native from '../../native/index';
import type { ApiResult } from '../../preload/api';
import { ESSAY, SMOLLM2 } from '../addon/helpers';
import { APP, APP_ORIGIN, MARKER, envelope } from './helpers';

const lines: string[] = [];
const log = jsonLogger((line) => lines.push(line));
const service = new SamsaraService({ engine, log, trustedOrigins: [APP_ORIGIN] });
const essay = `${ESSAY}\n\n${MARKER}`;
const CHAT_SECRET = 'Would a quokka named Zanzibar agree with my thesis?';
/** An invented word the checker flags as a spelling mistake (one edit from "snaffle"); never logged. */
const WORD = 'grobe';
const CHECK_SECRET = `Yesterday the ${WORD} was in the garden with my freind. ${MARKER}`;

engine.configure({ modelPath: SMOLLM2, queueCapacity: 16 });
after(() => engine.shutdown());

function assertError(r: ApiResult<unknown>, code: string, messagePart?: string | RegExp): string {
  assert.equal(r.ok, false, `expected ${code}, got ok`);
  if (r.ok) return '';
  assert.equal(r.error.code, code, `expected ${code}, got ${r.error.code}: ${r.error.message}`);
  assert.equal(Object.keys(r.error).sort().join(), 'code,message', 'only code and message reach the renderer');
  assert.ok(r.error.message.length > 0);
  if (typeof messagePart === 'string') assert.ok(r.error.message.includes(messagePart), r.error.message);
  if (messagePart instanceof RegExp) assert.match(r.error.message, messagePart);
  return r.error.message;
}

test('requests from an unexpected sender are refused before anything runs', async () => {
  const before = lines.length;
  const strangers: Sender[] = [
    { id: 1, url: 'https://evil.example/index.html', isMainFrame: true },
    { id: 1, url: `${APP_ORIGIN}/index.html`, isMainFrame: false }, // a subframe of our page
    { id: 1, url: 'file:///etc/passwd', isMainFrame: true },
    { id: 1, url: 'not a url', isMainFrame: true },
    { id: 1, url: '', isMainFrame: true },
  ];
  for (const s of strangers) {
    assertError(await service.request('chat', s, envelope('a', { message: 'hi' })), 'INVALID_REQUEST', 'refused');
    assertError(await service.healthCheck(s), 'INVALID_REQUEST', 'refused');
    assertError(service.cancel(s, 'a'), 'INVALID_REQUEST', 'refused');
  }
  const logged = lines.slice(before).map((l) => JSON.parse(l) as { event: string });
  assert.ok(logged.every((e) => e.event === 'request.refused'), 'no request started');
  assert.equal(logged.length, strangers.length * 3);
  const h = await engine.healthCheck();
  assert.equal(h.queue.running + h.queue.waiting, 0);
});

test('invalid payloads and envelopes get INVALID_REQUEST with a readable message', async () => {
  const cases: Array<[string, unknown, string | RegExp]> = [
    ['assessEssay', { fileId: 'f', text: '' }, 'The essay is empty.'],
    ['assessEssay', { fileId: 'f', text: '   \n\t ' }, 'The essay is empty.'],
    ['assessEssay', { fileId: 'f', text: 'x'.repeat(100_001) }, 'The essay is too long: the limit is 100,000 characters.'],
    ['assessEssay', { fileId: 'f' }, 'The essay is missing.'],
    ['assessEssay', { fileId: 'f', text: 42 }, 'The essay must be text.'],
    ['assessEssay', { fileId: '', text: 'essay' }, "The essay's id is empty."],
    ['assessEssay', { fileId: 'f', text: 'essay', instruction: 'i'.repeat(2_001) }, 'The assignment is too long'],
    ['assessEssay', { fileId: 'f', text: 'essay', extra: 1 }, 'unknown field "extra"'],
    ['assessEssay', null, 'The request must be an object.'],
    ['assessEssay', 'essay', 'The request must be an object.'],
    ['chat', { message: '' }, 'Your question is empty.'],
    ['chat', { message: 'm'.repeat(8_001) }, 'Your question is too long: the limit is 8,000 characters.'],
    ['chat', { message: 'hi', contextText: 7 }, 'The essay sent with your question must be text.'],
    ['chat', { message: 'hi', history: [] }, 'unknown field "history"'],
    ['generateFeedbackSummary', { fileId: 'f', text: 'essay', comments: [{ content: 'x', kind: 'side' }] }, /^A comment is not valid/],
    ['generateFeedbackSummary', { fileId: 'f', text: 'essay', comments: 'none' }, /comment/],
    ['generateFeedbackSummary', { fileId: 'f', text: 'essay', comments: [{ content: 'x', kind: 'inline', category: 'typo' }] }, /A comment's category must be one of "spelling"/],
    ['generateFeedbackSummary', { fileId: 'f', text: 'essay', comments: [{ content: 'x', kind: 'inline', suggestions: Array(11).fill('a') }] }, 'at most 10 suggestions'],
    ['generateFeedbackSummary', { fileId: 'f', text: 'essay', comments: [{ content: 'x', kind: 'inline', suggestions: 'their' }] }, /^A comment is not valid/],
    ['assessEssay', { fileId: 'f', text: 'essay', dialect: 'martian' }, /The English to check in must be one of/],
    ['assessEssay', { fileId: 'f', text: 'essay', dialect: null }, /The English to check in/],
    // A lone surrogate (half an emoji) is named as such, not left to the engine's JSON parser.
    ['assessEssay', { fileId: 'f', text: 'essay \ud83d end' }, 'The essay contains a broken character'],
    ['chat', { message: 'hi \udc00' }, 'Your question contains a broken character'],
  ];
  for (const [action, payload, part] of cases) {
    assertError(await service.request(action, APP, envelope('v', payload)), 'INVALID_REQUEST', part);
  }
  // The action whitelist and the envelope itself.
  assertError(await service.request('complete', APP, envelope('v', { prompt: 'x' })), 'INVALID_REQUEST', 'Unknown action');
  assertError(await service.request('loadModel', APP, envelope('v', {})), 'INVALID_REQUEST', 'Unknown action');
  assertError(await service.request('chat', APP, { payload: { message: 'hi' } }), 'INVALID_REQUEST', 'could not be read');
  assertError(await service.request('chat', APP, { ticket: 'v', payload: {}, stream: 'yes' }), 'INVALID_REQUEST', 'could not be read');
  assertError(await service.request('chat', APP, null), 'INVALID_REQUEST', 'could not be read');
  assertError(service.cancel(APP, { ticket: 1 }), 'INVALID_REQUEST');
  // An unknown field's name is echoed clipped: a 1 MB key does not make a 1 MB message.
  const huge = await service.request('chat', APP, envelope('v', { message: 'hi', ['k'.repeat(1_000_000)]: 1, a: 1, b: 2, c: 3 }));
  assertError(huge, 'INVALID_REQUEST', 'unknown field');
  assert.ok(!huge.ok && huge.error.message.length < 200, `${!huge.ok && huge.error.message.length} characters`);
});

test('a chat streams its reply in pieces and returns {ok: true, data}', async () => {
  const pieces: string[] = [];
  const r = await service.request('chat', APP, envelope('c1', { message: 'Give me one tip for a strong thesis.' }, true), (ticket, text) => {
    assert.equal(ticket, 'c1');
    pieces.push(text);
  });
  assert.ok(r.ok, JSON.stringify(r));
  const reply = (r.data as { reply: string }).reply;
  assert.ok(pieces.length >= 2, `streamed in ${pieces.length} pieces`);
  // The final reply is the streamed text checked afterwards (a repeated sentence at the end dropped,
  // quotations of the essay repaired), so the two agree from the start but need not be equal.
  const streamed = pieces.join('').trim();
  assert.ok(reply.length > 0 && streamed.startsWith(reply.slice(0, 40)), `stream "${streamed.slice(0, 80)}" / reply "${reply.slice(0, 80)}"`);
  assert.ok(['stop', 'length'].includes((r.data as { finishReason: string }).finishReason), 'finishReason is reported');
  // stream: false sends nothing to the window.
  let sent = 0;
  const quiet = await service.request('chat', APP, envelope('c2', { message: 'Say hello.' }, false), () => sent++);
  assert.ok(quiet.ok);
  assert.equal(sent, 0);
});

test('history: a chat about an essay is saved and listed, clearChat empties it, bad fileIds and strangers are refused', async () => {
  const fileId = 'service-history';
  const r = await service.request('chat', APP, envelope('h1', { fileId, message: CHAT_SECRET, contextText: essay }));
  assert.ok(r.ok, JSON.stringify(r));
  const listed = await service.history('listChat', APP, fileId);
  assert.ok(listed.ok);
  assert.deepEqual(
    (listed.data as Array<{ role: string; content: string }>).map((m) => [m.role, m.content]),
    [
      ['user', CHAT_SECRET],
      ['assistant', (r.data as { reply: string }).reply],
    ],
  );
  assert.deepEqual(await service.history('listAssessments', APP, fileId), { ok: true, data: [] });
  assertError(await service.history('listChat', APP, ''), 'INVALID_REQUEST', "The essay's id is empty.");
  assertError(await service.history('listChat', APP, 42), 'INVALID_REQUEST', "The essay's id must be text.");
  assertError(await service.history('listChat', APP, 'x'.repeat(201)), 'INVALID_REQUEST', "The essay's id is too long");
  const stranger: Sender = { id: 1, url: 'https://evil.example/', isMainFrame: true };
  assertError(await service.history('listChat', stranger, fileId), 'INVALID_REQUEST', 'refused');
  assertError(await service.history('clearChat', stranger, fileId), 'INVALID_REQUEST', 'refused');
  assert.equal(((await service.history('listChat', APP, fileId)) as { data: unknown[] }).data.length, 2);
  assert.ok((await service.history('clearChat', APP, fileId)).ok);
  assert.deepEqual(await service.history('listChat', APP, fileId), { ok: true, data: [] });
});

test('cancel stops a running request (CANCELLED); another window cannot cancel it', async () => {
  let first!: () => void;
  const started = new Promise<void>((r) => (first = r));
  const pending = service.request('chat', APP, envelope('k1', { message: CHAT_SECRET, contextText: essay }, true), () => first());
  await started;
  const otherWindow: Sender = { ...APP, id: 2 };
  assert.deepEqual(service.cancel(otherWindow, 'k1'), { ok: true, data: { cancelled: false } });
  assert.deepEqual(service.cancel(APP, 'unknown-ticket'), { ok: true, data: { cancelled: false } });
  const t0 = performance.now();
  assert.deepEqual(service.cancel(APP, 'k1'), { ok: true, data: { cancelled: true } });
  assertError(await pending, 'CANCELLED');
  assert.ok(performance.now() - t0 < 1000, 'settles promptly');
  // Cancelling twice or after the end is harmless.
  assert.deepEqual(service.cancel(APP, 'k1'), { ok: true, data: { cancelled: false } });
});

test('a ticket already running is refused', async () => {
  const a = service.request('chat', APP, envelope('dup', { message: 'Say one word.' }));
  assertError(await service.request('chat', APP, envelope('dup', { message: 'Say one word.' })), 'INVALID_REQUEST', 'already running');
  assert.ok((await a).ok);
});

test('the deadline gives ENGINE_TIMEOUT and stops the work', async () => {
  const short = new SamsaraService({ engine, log, trustedOrigins: [APP_ORIGIN], timeoutMs: 300 });
  const t0 = performance.now();
  const r = await short.request('assessEssay', APP, envelope('t1', { fileId: 'essay-1', text: essay }));
  assertError(r, 'ENGINE_TIMEOUT', 'longer than 0 seconds');
  assert.ok(performance.now() - t0 < 2000);
  const h = await engine.healthCheck();
  assert.equal(h.queue.running, 0, 'nothing left running');
});

test('a full queue gives ENGINE_BUSY', async () => {
  engine.configure({ queueCapacity: 1 });
  try {
    const runs = [1, 2, 3, 4].map((i) => service.request('chat', APP, envelope(`b${i}`, { message: 'Count to three.' })));
    const results = await Promise.all(runs);
    const codes = results.map((r) => (r.ok ? 'ok' : r.error.code));
    assert.ok(codes.includes('ENGINE_BUSY'), codes.join());
    assert.ok(codes.includes('ok'), codes.join());
    const busy = results.find((r) => !r.ok && r.error.code === 'ENGINE_BUSY');
    assert.ok(busy && !busy.ok && /busy/i.test(busy.error.message));
  } finally {
    engine.configure({ queueCapacity: 16 });
  }
});

test('a missing model gives ENGINE_DOWN naming the file, and health says down', async () => {
  const missing = '/nonexistent/samsara-model.gguf';
  engine.configure({ modelPath: missing });
  try {
    const message = assertError(
      await service.request('chat', APP, envelope('d1', { message: 'hello' })),
      'ENGINE_DOWN',
      missing,
    );
    assert.match(message, /not available/);
    const h = await service.healthCheck(APP);
    assert.ok(h.ok);
    assert.equal(h.data.status, 'down');
    assert.equal(h.data.model.state, 'failed');
  } finally {
    engine.configure({ modelPath: SMOLLM2 });
  }
  assert.ok((await service.request('chat', APP, envelope('d2', { message: 'Say yes.' }))).ok, 'works again');
});

test('checker actions: invalid arguments get INVALID_REQUEST with a readable message', async () => {
  const cases: Array<['checkText' | 'addWord' | 'removeWord' | 'listWords', unknown, string | RegExp]> = [
    ['checkText', { text: 'x'.repeat(100_001) }, 'The essay is too long: the limit is 100,000 characters.'],
    ['checkText', { text: 'An essay.', dialect: 'martian' }, /The English to check in must be one of "auto", "american"/],
    ['checkText', { text: 'An essay.', dialect: 'British' }, /The English to check in/],
    ['checkText', { text: 'An essay.', fileId: 'f' }, 'unknown field "fileId"'],
    ['checkText', { text: 'half \ud83d an emoji' }, 'The essay contains a broken character'],
    ['checkText', { text: 42 }, 'The essay must be text.'],
    ['checkText', {}, 'The essay is missing.'],
    ['checkText', null, 'The request must be an object.'],
    ['checkText', 'An essay.', 'The request must be an object.'],
    ['addWord', '', 'The word is empty.'],
    ['addWord', 'two words', 'one word of letters'],
    ['addWord', 'tab\tword', 'one word of letters'],
    ['addWord', 'r2d2', 'one word of letters'],
    ['addWord', "'-", 'one word of letters'],
    ['addWord', 'x'.repeat(65), 'The word is too long: the limit is 64 characters.'],
    ['addWord', 42, 'The word must be text.'],
    ['addWord', undefined, 'The word is missing.'],
    ['addWord', { word: 'snarfle' }, 'The word must be text.'],
    ['removeWord', ' ', 'one word of letters'],
    ['removeWord', 'a b', 'one word of letters'],
    ['listWords', 'all', 'Listing the dictionary takes no argument.'],
    ['listWords', { extra: 1 }, 'Listing the dictionary takes no argument.'],
  ];
  for (const [action, argument, part] of cases) {
    assertError(await service.checker(action, APP, argument), 'INVALID_REQUEST', part);
  }
  // A word the engine takes: letters of any script, apostrophes and hyphens (and 64 characters).
  for (const word of ["o'clock", 'well-being', 'naïve', 'Zürich’s', 'x'.repeat(64)]) {
    const r = await service.checker('addWord', APP, word);
    assert.ok(r.ok, `${word}: ${JSON.stringify(r)}`);
    assert.ok((await service.checker('removeWord', APP, word)).ok);
  }
  // Nothing from a stranger reaches the engine.
  const stranger: Sender = { id: 1, url: 'https://evil.example/', isMainFrame: true };
  assertError(await service.checker('checkText', stranger, { text: 'hi' }), 'INVALID_REQUEST', 'refused');
  assertError(await service.checker('addWord', stranger, WORD), 'INVALID_REQUEST', 'refused');
  assertError(await service.checker('listWords', stranger, undefined), 'INVALID_REQUEST', 'refused');
});

test('checkText finds mistakes with categories and suggestions; empty text has none; the dialect is kept', async () => {
  const r = await service.checker('checkText', APP, { text: CHECK_SECRET });
  assert.ok(r.ok, JSON.stringify(r));
  const { comments, dialect } = r.data as Native.CheckResult;
  assert.ok(['american', 'british', 'canadian', 'australian', 'indian'].includes(dialect), dialect);
  const freind = comments.find((c) => c.anchor?.quote === 'freind');
  assert.ok(freind, JSON.stringify(comments));
  assert.equal(freind.category, 'spelling');
  assert.equal(freind.kind, 'inline');
  assert.equal(freind.suggestions?.[0], 'friend');
  for (const c of comments) {
    const a = c.anchor;
    assert.ok(a && CHECK_SECRET.slice(a.start, a.end) === a.quote, `anchor ${JSON.stringify(a)} is a verbatim span`);
    assert.ok(Array.isArray(c.suggestions));
  }
  // Applying the top suggestion as documented leaves no comment on that span.
  const a = freind.anchor!;
  const fixed = CHECK_SECRET.slice(0, a.start) + (freind.suggestions?.[0] ?? '') + CHECK_SECRET.slice(a.end);
  const again = await service.checker('checkText', APP, { text: fixed });
  assert.ok(again.ok);
  assert.ok(!(again.data as Native.CheckResult).comments.some((c) => c.anchor?.quote === 'friend'));

  const none = await service.checker('checkText', APP, { text: '' });
  assert.deepEqual(none.ok && (none.data as Native.CheckResult).comments, []);
  const british = await service.checker('checkText', APP, { text: 'The colour of the sky was grey.', dialect: 'british' });
  assert.ok(british.ok);
  assert.equal((british.data as Native.CheckResult).dialect, 'british');
  assert.deepEqual((british.data as Native.CheckResult).comments, [], 'British spellings are not mistakes in British English');
});

test('assessEssay takes a dialect; its result (categories, suggestions, dialect) fits assessmentSchema, and its comments go back into generateFeedbackSummary', async () => {
  const text = 'I realised the colour of the theatre was grey. We met my freind at the libary after school.';
  const r = await service.request('assessEssay', APP, envelope('a1', { fileId: 'service-dialect', text, dialect: 'british' }));
  assert.ok(r.ok, JSON.stringify(r));
  const parsed = assessmentSchema.safeParse(r.data);
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
  const a = r.data as Native.Assessment;
  assert.equal(a.dialect, 'british');
  const freind = a.comments.find((c) => c.anchor?.quote === 'freind');
  assert.equal(freind?.category, 'spelling');
  assert.deepEqual(freind?.suggestions?.slice(0, 1), ['friend']);
  assert.ok(!a.comments.some((c) => ['realised', 'colour', 'theatre', 'grey'].includes(c.anchor?.quote ?? '')), 'British spellings pass');
  // The comments as returned are a valid generateFeedbackSummary payload (category and suggestions included).
  const summary = payloadSchemas.generateFeedbackSummary.safeParse({ fileId: 'service-dialect', text, comments: a.comments });
  assert.ok(summary.success, JSON.stringify(summary.error?.issues));
});

test('the personal dictionary: addWord stops a word being flagged, listWords lists it, removeWord brings it back', async () => {
  const flagged = async () => {
    const r = await service.checker('checkText', APP, { text: CHECK_SECRET });
    assert.ok(r.ok, JSON.stringify(r));
    return (r.data as Native.CheckResult).comments.some((c) => c.anchor?.quote === WORD && c.category === 'spelling');
  };
  assert.equal(await flagged(), true, `${WORD} is flagged before it is added`);
  const added = await service.checker('addWord', APP, WORD);
  assert.deepEqual(added, { ok: true, data: undefined });
  assert.equal(await flagged(), false, `${WORD} is not flagged once it is in the dictionary`);
  const listed = await service.checker('listWords', APP, undefined);
  assert.ok(listed.ok && (listed.data as string[]).includes(WORD), JSON.stringify(listed));
  assert.ok((await service.checker('listWords', APP, null)).ok, 'null (the harness sends it for none) is no argument');
  assert.ok((await service.checker('removeWord', APP, WORD)).ok);
  assert.equal(await flagged(), true, `${WORD} is flagged again once removed`);
  const after = await service.checker('listWords', APP, undefined);
  assert.ok(after.ok && !(after.data as string[]).includes(WORD));
});

test('checkText answers while an inference runs (it never waits behind the model)', async () => {
  let first!: () => void;
  const started = new Promise<void>((r) => (first = r));
  let chatDone = false;
  const chat = service
    .request('chat', APP, envelope('q1', { message: 'Tell me a long story about a lighthouse.' }, true), () => first())
    .then((r) => {
      chatDone = true;
      return r;
    });
  await started;
  const checked = await service.checker('checkText', APP, { text: CHECK_SECRET });
  assert.ok(checked.ok);
  assert.equal(chatDone, false, 'the check came back while the chat was still generating');
  service.cancel(APP, 'q1');
  await chat;
});

test('the log has one start and one end per request, with ids, durations and codes, and never text', () => {
  const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const ends = entries.filter((e) => e.event === 'request.end');
  const starts = entries.filter((e) => e.event === 'request.start');
  assert.equal(starts.length, ends.length);
  assert.ok(ends.length >= 8);
  const outcomes = new Set(ends.map((e) => `${e.outcome}/${e.code ?? ''}`));
  for (const action of ['checkText', 'addWord', 'removeWord', 'listWords']) {
    assert.ok(ends.some((e) => e.action === action && e.outcome === 'ok'), `${action} is logged`);
  }
  for (const o of ['ok/', 'cancelled/CANCELLED', 'error/ENGINE_TIMEOUT', 'error/ENGINE_BUSY', 'error/ENGINE_DOWN']) {
    assert.ok(outcomes.has(o), `logged ${o}: ${[...outcomes].join(' ')}`);
  }
  const allowed = new Set(['ts', 'event', 'requestId', 'action', 'durationMs', 'outcome', 'code', 'reason']);
  for (const e of entries) {
    for (const k of Object.keys(e)) assert.ok(allowed.has(k), `unexpected log field ${k}`);
  }
  for (const e of ends) {
    assert.match(String(e.requestId), /^[0-9a-f-]{36}$/);
    assert.equal(typeof e.durationMs, 'number');
  }
  const all = lines.join('\n');
  for (const secret of [MARKER, CHAT_SECRET, 'teenagers', 'Zanzibar', 'thesis', WORD, 'freind', 'Yesterday']) {
    assert.ok(!all.includes(secret), `the log contains "${secret}"`);
  }
});

test('shutdown cancels running work, then refuses new requests', async () => {
  let first!: () => void;
  const started = new Promise<void>((r) => (first = r));
  const pending = service.request('chat', APP, envelope('s1', { message: 'Tell me a long story.' }, true), () => first());
  await started;
  await service.shutdown();
  assertError(await pending, 'CANCELLED');
  assertError(await service.request('chat', APP, envelope('s2', { message: 'hi' })), 'ENGINE_DOWN', 'closing');
  const end = lines.map((l) => JSON.parse(l) as { event: string; cancelled?: number }).find((e) => e.event === 'engine.shutdown');
  assert.equal(end?.cancelled, 1);
});
