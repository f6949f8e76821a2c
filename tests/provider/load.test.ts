// Load through the provider: 50 simulated students ask at once, through one addon, against the real
// llama.cpp server (llama-cpp-python, SmolLM2) on 127.0.0.1. Every request is answered or refused
// with a code; afterwards the process's RSS and its connections to the server are back to where they
// were; healthCheck stays under 1 ms (p99) throughout.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as native from '../../native/index.js';
import { sleep } from '../addon/helpers';
import { MODEL_ALIAS, connectionsTo, startLlamaServer, type LlamaServer } from './llama-server';

const STUDENTS = 50;
const KEY = 'sk-load-NEVER-SHOW-55d0';
let server: LlamaServer;

before(async () => {
  server = await startLlamaServer();
  native.configure({ modelPath: '/nonexistent/no-local-model.gguf', storePath: '' });
  native.configure({ provider: { kind: 'openai-compatible', baseUrl: server.base, model: MODEL_ALIAS, apiKey: KEY } });
});

after(async () => {
  native.configure({ provider: { kind: 'local' } });
  await server?.stop();
});

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

test(`${STUDENTS} students at once: each answered or refused with a code, no leak, healthCheck p99 < 1 ms`, async () => {
  // Warm: the first request opens the connection the client keeps, and grows the heaps once.
  await native.chat({ message: 'Say hello.' });
  await sleep(200);
  const rssBefore = process.memoryUsage().rss;
  const socketsBefore = connectionsTo(server.port);

  const healthMs: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const t = performance.now();
      await native.healthCheck();
      healthMs.push(performance.now() - t);
      await sleep(5);
    }
  })();

  const topics = ['an introduction', 'a conclusion', 'a topic sentence', 'using evidence', 'a counter-argument'];
  const outcomes = await Promise.allSettled(
    Array.from({ length: STUDENTS }, (_, i) =>
      native.chat({ message: `I am student ${i + 1}. Give me one short tip about ${topics[i % topics.length]}.` }),
    ),
  );
  sampling = false;
  await sampler;

  const codes = new Map<string, number>();
  let answered = 0;
  for (const o of outcomes) {
    if (o.status === 'fulfilled') {
      assert.ok(o.value.reply.length > 0);
      assert.equal(o.value.answeredBy, 'openai-compatible');
      answered += 1;
    } else {
      const e = o.reason as Error & { code?: string };
      assert.ok(['ENGINE_BUSY', 'ENGINE_TIMEOUT'].includes(e.code ?? ''), `${e.code}: ${e.message}`);
      assert.ok(!e.message.includes(KEY));
      codes.set(e.code!, (codes.get(e.code!) ?? 0) + 1);
    }
  }
  assert.ok(answered >= 1, 'the server answered');
  console.log(`load: ${answered} answered, ${JSON.stringify(Object.fromEntries(codes))} refused; healthCheck p50 ${percentile(healthMs, 50).toFixed(3)} ms, p99 ${percentile(healthMs, 99).toFixed(3)} ms over ${healthMs.length} calls`);
  assert.ok(percentile(healthMs, 99) < 1, `healthCheck p99 ${percentile(healthMs, 99).toFixed(3)} ms`);

  await sleep(500);
  const h = await native.healthCheck();
  assert.equal(h.queue.running + h.queue.waiting, 0, 'nothing left queued');
  const socketsAfter = connectionsTo(server.port);
  if (socketsBefore !== undefined) assert.ok(socketsAfter! <= socketsBefore, `connections ${socketsBefore} → ${socketsAfter}`);
  const grewMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
  console.log(`load: RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB before, ${grewMb >= 0 ? '+' : ''}${grewMb.toFixed(1)} MB after`);
  assert.ok(grewMb < 32, `RSS grew by ${grewMb.toFixed(1)} MB`);
});
