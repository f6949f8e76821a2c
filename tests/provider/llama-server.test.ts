// The provider against a real OpenAI-compatible server: llama.cpp's (llama-cpp-python[server], pinned,
// installed by scripts/llama-server.js) serving SmolLM2 on 127.0.0.1. Streamed chat, assessEssay's
// comments under a JSON schema with verbatim quotes, the summary, cancel mid-stream (the connection is
// closed) and the request timeout. The local model is never loaded: the server answers everything.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as native from '../../native/index.js';
import { ESSAY, SMOLLM2, rejectsWith, sleep } from '../addon/helpers';
import { MODEL_ALIAS, connectionsTo, startLlamaServer, type LlamaServer } from './llama-server';

const KEY = 'sk-llama-NEVER-SHOW-91c2';
let server: LlamaServer;

before(async () => {
  server = await startLlamaServer();
  // No local model at all: a provider job must not need one.
  native.configure({ modelPath: '/nonexistent/no-local-model.gguf', storePath: '' });
  native.configure({ provider: { kind: 'openai-compatible', baseUrl: server.base, model: MODEL_ALIAS, apiKey: KEY } });
});

after(async () => {
  native.configure({ provider: { kind: 'local' } });
  await server?.stop();
});

/** Requests to `path` in the server's access log. */
const served = (path: string) => server.log.filter((l) => l.includes(`"POST ${path}`) || l.includes(`"GET ${path}`)).length;

test('listProviderModels and the reachability probe see the real server', async () => {
  assert.deepEqual(await native.listProviderModels({ kind: 'openai-compatible', baseUrl: server.base }), [MODEL_ALIAS]);
  let h = await native.healthCheck();
  for (let i = 0; i < 250 && h.provider.reachable === undefined; i++) {
    await sleep(20);
    h = await native.healthCheck();
  }
  assert.equal(h.provider.reachable, true, JSON.stringify(h.provider));
  assert.equal(h.status, 'ok', 'no local model is needed while the server answers');
  assert.ok(!JSON.stringify(h).includes(KEY));
});

test('chat: the answer streams in as deltas (at least 2), is grounded as local chat is, and says who answered', async () => {
  const deltas: string[] = [];
  const r = await native.chat({ message: 'Give me one tip to make my introduction stronger.', contextText: ESSAY }, { onToken: (t) => deltas.push(t) });
  assert.ok(deltas.length >= 2, `${deltas.length} deltas`);
  assert.ok(r.reply.trim().length > 0);
  assert.equal(r.answeredBy, 'openai-compatible');
  assert.equal(r.fallbackReason, undefined);
  const h = await native.healthCheck();
  assert.equal(h.model.state, 'unloaded', 'the local model was not loaded');
  assert.equal(h.modelLoads, 0);
});

test('assessEssay: the comments come from the server under the JSON schema, its quotes the essay\'s own sentences; the checker runs here', async () => {
  const before = served('/v1/chat/completions');
  const r = await native.assessEssay({ fileId: 'llama-server-assess', text: ESSAY });
  assert.equal(r.answeredBy, 'openai-compatible');
  // The comments (json_object + schema: this server refuses json_schema, so the provider asks again in
  // its form) and the summary.
  assert.ok(served('/v1/chat/completions') - before >= 2, server.log.slice(-10).join('\n'));
  const model = r.comments.filter((c) => c.source === 'model');
  // The schema offers the essay's sentences as the quotes: even this small model quotes verbatim.
  assert.ok(model.some((c) => c.anchor), `the server's comments: ${JSON.stringify(model)}`);
  for (const c of r.comments.filter((c) => c.anchor)) {
    assert.equal(ESSAY.slice(c.anchor!.start, c.anchor!.end), c.anchor!.quote, 'every quote is the essay\'s own words');
  }
  assert.ok(r.comments.some((c) => c.source === 'rules'), 'the checker ran locally');
  assert.ok(r.summary.length > 0);
  // This server reports no token counts in a stream, so none are added (a server that does: faults.test.ts).
  assert.deepEqual(r.usage, { promptTokens: 0, generatedTokens: 0 });
  // The next assessment goes straight to the form this server takes.
  const again = served('/v1/chat/completions');
  await native.assessEssay({ fileId: 'llama-server-assess', text: ESSAY });
  assert.ok(served('/v1/chat/completions') - again <= 2 + 1, 'no refused json_schema request the second time');
});

test('generateFeedbackSummary: the server writes the sentence, streamed', async () => {
  const deltas: string[] = [];
  const r = await native.generateFeedbackSummary({ fileId: 'llama-server-summary', text: ESSAY }, { onToken: (t) => deltas.push(t) });
  assert.ok(r.summary.length > 0);
  assert.equal(r.answeredBy, 'openai-compatible');
  assert.ok(deltas.length >= 1);
});

test('cancel mid-stream: CANCELLED within 100 ms, and the connection to the server is closed', async () => {
  let tokens = 0;
  let cancelledAt = 0;
  let openWhileStreaming: number | undefined;
  const p = native.chat(
    { message: 'Write a long story about a library, with many chapters.' },
    {
      requestId: 'llama-cancel',
      onToken: () => {
        tokens += 1;
        if (tokens === 3) {
          openWhileStreaming = connectionsTo(server.port);
          cancelledAt = performance.now();
          native.cancel('llama-cancel');
        }
      },
    },
  );
  await rejectsWith(p, 'CANCELLED');
  const answeredMs = performance.now() - cancelledAt;
  assert.ok(answeredMs < 100, `cancel answered in ${answeredMs.toFixed(0)} ms`);
  if (openWhileStreaming !== undefined) {
    // The client may also hold an idle kept-alive connection (the health probe's): the streaming one
    // is the one that must go.
    assert.ok(openWhileStreaming >= 1, 'the answer streamed on a connection');
    const open = await connectionsDownTo(openWhileStreaming - 1);
    assert.ok(open <= openWhileStreaming - 1, `the connection was closed (${openWhileStreaming} → ${open})`);
  }
  // The server is free again: the next request is answered.
  const r = await native.chat({ message: 'One word for happy?' });
  assert.ok(r.reply.length > 0);
});

test('a request past its deadline: ENGINE_TIMEOUT, the connection closed', async () => {
  // Idle kept-alive connections before it (one may be reused for the request, none is added by it).
  const before = connectionsTo(server.port);
  const started = performance.now();
  await rejectsWith(native.chat({ message: 'Write a long story about a library, with many chapters.' }, { timeoutMs: 300 }), 'ENGINE_TIMEOUT');
  const took = performance.now() - started;
  assert.ok(took < 300 + 150, `gave up after ${took.toFixed(0)} ms`);
  if (before !== undefined) {
    const open = await connectionsDownTo(before);
    assert.ok(open <= before, `the connection was closed (${before} before, ${open} after)`);
  }
});

/** This process's connections to the server, once they are at most `target` (or after 200 ms). */
async function connectionsDownTo(target: number): Promise<number> {
  let open = connectionsTo(server.port) ?? 0;
  for (let i = 0; i < 20 && open > target; i++) {
    await sleep(10);
    open = connectionsTo(server.port) ?? 0;
  }
  return open;
}

test('fallbackToLocal: the server gone, the local model answers and the result says so', async () => {
  native.configure({ modelPath: SMOLLM2 });
  native.configure({ provider: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', model: MODEL_ALIAS, apiKey: KEY, fallbackToLocal: true } });
  try {
    const r = await native.chat({ message: 'How do I write a good conclusion?' });
    assert.equal(r.answeredBy, 'local');
    assert.ok(r.fallbackReason?.includes('127.0.0.1:9'), r.fallbackReason);
    assert.ok(!r.fallbackReason?.includes(KEY));
    assert.ok(r.reply.length > 0);
  } finally {
    native.configure({ provider: { kind: 'openai-compatible', baseUrl: server.base, model: MODEL_ALIAS, apiKey: KEY } });
  }
});
