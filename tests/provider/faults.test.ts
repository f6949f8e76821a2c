// The provider against a fault server written here (a stand-in for the OpenAI-compatible layer: the
// real llama.cpp server is the provider's other test): streamed chat, each HTTP and stream fault with
// its code, cancel and timeout closing the connection, the reachability probe, the API key never
// showing, the json_object form for servers that refuse json_schema, and the fallback to the local
// model (loaded here for it).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import * as native from '../../native/index.js';
import { ESSAY, SMOLLM2, rejectsWith, sleep } from '../addon/helpers';

const KEY = 'sk-test-NEVER-SHOW-7f3a';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
/** Every request the server saw, and when its connection closed. */
const seen: Array<{ url: string; auth?: string; body: string; closedAt?: number }> = [];
let server: http.Server;
let base = '';

const sse = (res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
const delta = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const entry: (typeof seen)[number] = { url: req.url ?? '', auth: req.headers.authorization, body };
      seen.push(entry);
      res.on('close', () => (entry.closedAt = performance.now()));
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'school-model', object: 'model' }] }));
        return;
      }
      handler(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  native.configure({ modelPath: SMOLLM2, storePath: '' });
  await native.loadModel();
});

after(async () => {
  native.configure({ provider: { kind: 'local' } });
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function useServer(extra: Partial<{ timeoutMs: number }> = {}) {
  native.configure({ provider: { kind: 'openai-compatible', baseUrl: base, model: 'school-model', apiKey: KEY, ...extra } });
}

/** Asserts the error names the host and never the key. */
function clean(e: Error) {
  assert.ok(!e.message.includes(KEY), `the key leaked: ${e.message}`);
  assert.ok(e.message.includes('127.0.0.1'), `names the host: ${e.message}`);
}

test('a streamed answer: every delta reaches onToken as it arrives, the request carries the model, the key and the conversation', async () => {
  useServer();
  handler = (_req, res) => {
    sse(res);
    const parts = ['Start your ', 'conclusion with ', 'your main point.'];
    let i = 0;
    const next = () => {
      if (i < parts.length) {
        res.write(delta(parts[i]!, i === parts.length - 1 ? 'stop' : null));
        i += 1;
        setTimeout(next, 30);
      } else res.end('data: [DONE]\n\n');
    };
    next();
  };
  const deltas: Array<[string, number]> = [];
  const r = await native.chat({ message: 'How do I end my essay?', contextText: ESSAY }, { onToken: (t) => deltas.push([t, performance.now()]) });
  assert.equal(r.reply, 'Start your conclusion with your main point.');
  assert.equal(r.finishReason, 'stop');
  assert.equal(r.answeredBy, 'openai-compatible');
  assert.deepEqual(deltas.map(([t]) => t), ['Start your ', 'conclusion with ', 'your main point.']);
  assert.ok(deltas[2]![1] - deltas[0]![1] >= 40, 'the deltas arrived apart, as they were sent');
  const req = seen.filter((s) => s.url === '/v1/chat/completions').at(-1)!;
  assert.equal(req.auth, `Bearer ${KEY}`);
  const sent = JSON.parse(req.body);
  assert.equal(sent.model, 'school-model');
  assert.equal(sent.stream, true);
  assert.equal(sent.messages.at(-1).content, 'How do I end my essay?');
  assert.ok(sent.messages[0].content.includes(ESSAY.slice(0, 40)), 'the essay goes with the question, as in local chat');
});

test('a finish_reason of length is reported as the local model reports it', async () => {
  useServer();
  handler = (_req, res) => {
    sse(res);
    res.write(delta('A long answer', 'length'));
    res.end('data: [DONE]\n\n');
  };
  const r = await native.chat({ message: 'Tell me everything.' });
  assert.equal(r.finishReason, 'length');
});

for (const [name, respond, code, part] of [
  ['401: the key is refused', (res: http.ServerResponse) => res.writeHead(401).end('{"error":"bad key"}'), 'ENGINE_DOWN', 'refused the API key'],
  ['403: the key is refused', (res: http.ServerResponse) => res.writeHead(403).end(), 'ENGINE_DOWN', 'refused the API key'],
  ['429 with Retry-After: busy, and when to try again', (res: http.ServerResponse) => res.writeHead(429, { 'retry-after': '7' }).end(), 'ENGINE_BUSY', 'try again in 7 s'],
  ['503: busy', (res: http.ServerResponse) => res.writeHead(503).end(), 'ENGINE_BUSY', 'busy'],
  ['500: the server failed', (res: http.ServerResponse) => res.writeHead(500).end(`{"error":"${KEY}"}`), 'ENGINE_ACTION_FAILED', 'HTTP 500'],
  ['404: wrong path or model', (res: http.ServerResponse) => res.writeHead(404).end(), 'ENGINE_DOWN', 'base URL'],
  ['a stream that stops without [DONE]', (res: http.ServerResponse) => { sse(res); res.end(delta('Half an ans')); }, 'ENGINE_INVALID_RESPONSE', 'ended its answer early'],
  ['an event that is not JSON', (res: http.ServerResponse) => { sse(res); res.end('data: {not json\n\ndata: [DONE]\n\n'); }, 'ENGINE_INVALID_RESPONSE', 'not a chat completion chunk'],
  ['a connection reset mid-stream', (res: http.ServerResponse) => { sse(res); res.write(delta('Your essay ')); setTimeout(() => res.socket?.destroy(), 30); }, 'ENGINE_DOWN', 'connection'],
] as const) {
  test(`fault: ${name} → ${code}, naming the host, never the key`, async () => {
    useServer();
    handler = (_req, res) => respond(res);
    const e = await rejectsWith(native.chat({ message: 'One tip?', contextText: ESSAY }), code, part);
    clean(e);
  });
}

test('an unreachable server → ENGINE_DOWN naming it', async () => {
  native.configure({ provider: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', apiKey: KEY } });
  const e = await rejectsWith(native.chat({ message: 'One tip?' }), 'ENGINE_DOWN', 'Could not reach');
  clean(e);
});

test('cancel mid-stream: CANCELLED within 100 ms, and the server sees the connection close', async () => {
  useServer();
  let writing: NodeJS.Timeout | undefined;
  handler = (_req, res) => {
    sse(res);
    writing = setInterval(() => res.write(delta('more ')), 20);
    res.on('close', () => clearInterval(writing));
  };
  let tokens = 0;
  let cancelledAt = 0;
  const p = native.chat({ message: 'Keep talking.' }, { requestId: 'remote-cancel', onToken: () => {
    tokens += 1;
    if (tokens === 3) {
      cancelledAt = performance.now();
      native.cancel('remote-cancel');
    }
  } });
  await rejectsWith(p, 'CANCELLED');
  const answeredMs = performance.now() - cancelledAt;
  assert.ok(answeredMs < 100, `cancel answered in ${answeredMs.toFixed(0)} ms`);
  const req = seen.at(-1)!;
  for (let i = 0; i < 50 && req.closedAt === undefined; i++) await sleep(10);
  assert.ok(req.closedAt !== undefined, 'the server saw the connection close');
  assert.ok(req.closedAt! - cancelledAt < 100, `closed ${(req.closedAt! - cancelledAt).toFixed(0)} ms after cancel`);
});

test('a slow first byte past the request timeout: ENGINE_TIMEOUT, the connection closed', async () => {
  useServer();
  handler = () => {}; // never answers
  const started = performance.now();
  await rejectsWith(native.chat({ message: 'Anyone there?' }, { timeoutMs: 400 }), 'ENGINE_TIMEOUT');
  const took = performance.now() - started;
  assert.ok(took < 400 + 150, `gave up after ${took.toFixed(0)} ms`);
  const req = seen.at(-1)!;
  for (let i = 0; i < 50 && req.closedAt === undefined; i++) await sleep(10);
  assert.ok(req.closedAt !== undefined, 'the server saw the connection close');
});

test('healthCheck().provider: the probe runs in the background, healthCheck never waits, the key never shows', async () => {
  useServer();
  const t = performance.now();
  const first = await native.healthCheck();
  assert.ok(performance.now() - t < 20, 'healthCheck did not wait on the network');
  assert.equal(first.provider.kind, 'openai-compatible');
  assert.equal(first.provider.baseUrl, base);
  assert.equal(first.provider.model, 'school-model');
  let h = first;
  for (let i = 0; i < 100 && h.provider.reachable === undefined; i++) {
    await sleep(20);
    h = await native.healthCheck();
  }
  assert.equal(h.provider.reachable, true);
  assert.ok(h.provider.checkedAt && !Number.isNaN(Date.parse(h.provider.checkedAt)), `checkedAt ${h.provider.checkedAt}`);
  assert.ok(!JSON.stringify(h).includes(KEY));

  native.configure({ provider: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', apiKey: KEY } });
  h = await native.healthCheck();
  for (let i = 0; i < 100 && h.provider.reachable === undefined; i++) {
    await sleep(20);
    h = await native.healthCheck();
  }
  assert.equal(h.provider.reachable, false);
  assert.ok(h.provider.error?.includes('127.0.0.1:9'), h.provider.error);
  assert.ok(!JSON.stringify(h).includes(KEY));

  native.configure({ provider: { kind: 'local' } });
  assert.deepEqual((await native.healthCheck()).provider, { kind: 'local' });
});

test('configure refuses a bad provider with INVALID_REQUEST and keeps the one before', async () => {
  useServer();
  for (const bad of [
    { kind: 'openai-compatible', baseUrl: 'ftp://x', model: 'm' },
    { kind: 'openai-compatible', baseUrl: 'http://user:pw@x/v1', model: 'm' },
    { kind: 'openai-compatible', baseUrl: 'http://x/v1', model: '' },
    { kind: 'ollama' },
  ]) {
    assert.throws(() => native.configure({ provider: bad as never }), (e: Error & { code?: string }) => e.code === 'INVALID_REQUEST' && !e.message.includes(KEY));
  }
  assert.equal((await native.healthCheck()).provider.baseUrl, base, 'the provider before is kept');
});

/** Streams `content` as the server's answer, in a few deltas. */
function answerWith(content: string, usage?: { prompt_tokens: number; completion_tokens: number }): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (_req, res) => {
    sse(res);
    const cut = Math.ceil(content.length / 3);
    for (let i = 0; i < content.length; i += cut) res.write(delta(content.slice(i, i + cut)));
    res.write(delta('', 'stop'));
    // As OpenAI and vLLM send it with stream_options.include_usage: a last chunk without choices.
    if (usage) res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  };
}

test('assessEssay: the comments are asked for with response_format json_schema; quotes are kept verbatim, moved to the one loose match, or dropped; the checker runs locally', async () => {
  useServer();
  const comments = {
    comments: [
      { quote: 'the the hardest', comment: 'Delete the second "the" in "the the hardest".' },
      { quote: 'THE RESULTS WAS NOT DRAMATIC', comment: 'Use "were": "results" is plural.' },
      { quote: 'a sentence the essay never had', comment: 'This "sentence" is invented and must go.' },
      { quote: '', comment: 'Add a short conclusion that answers the question in the title.' },
    ],
  };
  const requests: string[] = [];
  handler = (req, res) => {
    requests.push(seen.at(-1)!.body);
    const body = JSON.parse(seen.at(-1)!.body);
    // The summary is a plain request; the comments carry the schema.
    if (!body.response_format) return answerWith('The essay argues its case with clear, well-ordered reasons.')(req, res);
    answerWith(JSON.stringify(comments))(req, res);
  };
  const r = await native.assessEssay({ fileId: 'remote-assess', text: ESSAY });
  const withSchema = requests.map((b) => JSON.parse(b)).find((b) => b.response_format);
  assert.equal(withSchema.response_format.type, 'json_schema');
  assert.deepEqual(withSchema.response_format.json_schema.schema.required, ['comments']);
  assert.equal(withSchema.stream, true);
  const model = r.comments.filter((c) => c.source === 'model');
  const quotes = model.map((c) => c.anchor?.quote ?? null);
  assert.ok(quotes.includes('the the hardest'), `verbatim kept: ${JSON.stringify(quotes)}`);
  assert.ok(quotes.includes('The results was not dramatic'), `re-anchored to the essay's words: ${JSON.stringify(quotes)}`);
  assert.ok(!model.some((c) => c.content.includes('invented')), 'a quote not in the essay is dropped');
  for (const c of r.comments.filter((c) => c.anchor)) assert.equal(ESSAY.slice(c.anchor!.start, c.anchor!.end), c.anchor!.quote);
  assert.ok(r.comments.some((c) => c.source === 'rules'), 'the checker ran locally');
  assert.ok(r.summary.startsWith('The essay argues its case'), r.summary);
});

test('assessEssay: an answer that is not the schema\'s JSON is asked for once more; twice → ENGINE_INVALID_RESPONSE', async () => {
  useServer();
  let schemaRequests = 0;
  const good = JSON.stringify({ comments: [{ quote: 'the the hardest', comment: 'Delete the second "the" in "the the hardest".' }] });
  handler = (req, res) => {
    const body = JSON.parse(seen.at(-1)!.body);
    if (!body.response_format) return answerWith('A clear essay.')(req, res);
    schemaRequests += 1;
    answerWith(schemaRequests === 1 ? '{"comments": [{"quote": "unfinished' : good)(req, res);
  };
  const r = await native.assessEssay({ fileId: 'remote-retry', text: ESSAY });
  assert.equal(schemaRequests, 2, 'asked once more');
  assert.ok(r.comments.some((c) => c.source === 'model' && c.anchor?.quote === 'the the hardest'));

  schemaRequests = 0;
  handler = (req, res) => {
    const body = JSON.parse(seen.at(-1)!.body);
    if (!body.response_format) return answerWith('A clear essay.')(req, res);
    schemaRequests += 1;
    answerWith('Here are my thoughts: the essay is good.')(req, res);
  };
  const e = await rejectsWith(native.assessEssay({ fileId: 'remote-bad', text: ESSAY }), 'ENGINE_INVALID_RESPONSE', 'JSON');
  clean(e);
  assert.equal(schemaRequests, 2);
});

test('generateFeedbackSummary through the provider: its sentence, streamed, then the facts', async () => {
  useServer();
  handler = answerWith('Your essay makes a clear, well-supported argument.');
  const deltas: string[] = [];
  const r = await native.generateFeedbackSummary({ fileId: 'remote-summary', text: ESSAY }, { onToken: (t) => deltas.push(t) });
  assert.ok(r.summary.startsWith('Your essay makes a clear, well-supported argument.'), r.summary);
  assert.equal(r.answeredBy, 'openai-compatible');
  assert.ok(deltas.length >= 2, `streamed in ${deltas.length} deltas`);
});

test('a server that refuses response_format json_schema is asked in the json_object form, and only in it from then on', async () => {
  useServer();
  const forms: string[] = [];
  const good = JSON.stringify({ comments: [{ quote: 'the the hardest', comment: 'Delete the second "the" in "the the hardest".' }] });
  handler = (req, res) => {
    const body = JSON.parse(seen.at(-1)!.body);
    assert.deepEqual(body.stream_options, { include_usage: true });
    if (!body.response_format) return answerWith('A clear essay.', { prompt_tokens: 300, completion_tokens: 9 })(req, res);
    forms.push(body.response_format.type);
    // llama-cpp-python's server: json_schema fails its request validation (HTTP 500).
    if (body.response_format.type === 'json_schema') return res.writeHead(500).end('{"error":"validation"}');
    assert.deepEqual(body.response_format.schema.required, ['comments']);
    answerWith(good, { prompt_tokens: 400, completion_tokens: 30 })(req, res);
  };
  const r = await native.assessEssay({ fileId: 'remote-json-object', text: ESSAY });
  assert.ok(r.comments.some((c) => c.source === 'model' && c.anchor?.quote === 'the the hardest'));
  assert.deepEqual(r.usage, { promptTokens: 700, generatedTokens: 39 }, "the server's own counts");
  await native.assessEssay({ fileId: 'remote-json-object', text: ESSAY });
  assert.deepEqual(forms, ['json_schema', 'json_object', 'json_object']);
});

test('fallbackToLocal: a server that fails before any text → the local model answers, and the result says why; off by default', async () => {
  native.configure({ provider: { kind: 'openai-compatible', baseUrl: base, model: 'school-model', apiKey: KEY, fallbackToLocal: true } });
  handler = (_req, res) => res.writeHead(503).end();
  const r = await native.chat({ message: 'How do I end my essay?', contextText: ESSAY });
  assert.equal(r.answeredBy, 'local');
  assert.ok(r.fallbackReason?.includes('busy') && r.fallbackReason.includes('127.0.0.1'), r.fallbackReason);
  assert.ok(!r.fallbackReason?.includes(KEY));
  assert.ok(r.reply.length > 0);
  const s = await native.generateFeedbackSummary({ fileId: 'remote-fallback', text: ESSAY });
  assert.equal(s.answeredBy, 'local');

  // After streamed text, the answer can't be replaced: the error stands.
  handler = (_req, res) => {
    sse(res);
    res.write(delta('Your essay '));
    setTimeout(() => res.socket?.destroy(), 30);
  };
  await rejectsWith(native.chat({ message: 'One tip?' }, { onToken: () => {} }), 'ENGINE_DOWN');

  // Off by default: the server's error is the answer.
  useServer();
  handler = (_req, res) => res.writeHead(503).end();
  await rejectsWith(native.chat({ message: 'One tip?' }), 'ENGINE_BUSY');
});
