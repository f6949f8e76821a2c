// Persistence through the native API with the real model and real SQLite files: history survives a new
// process, chat uses (and saves) the stored conversation, the store's state shows in healthCheck, and
// a store that can't be opened leaves the engine working (degraded, in memory). The SIGKILL and
// concurrent-reader tests are in native/tests/store*.rs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import { closeStoreAndRemove, ROOT, SMOLLM2 } from './helpers';

const ESSAY = `Libraries should stay open later. Many students work after school, so they can only study in the
evening. A quiet room with books and free internet helps them finish homework. Longer hours would cost the
town some money, but it is a small price for better grades.`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-store-'));
after(() => closeStoreAndRemove(native, dir));

/** Runs `body` in a fresh Node process with the addon configured on `storePath`; returns its JSON output. */
function inNewProcess(storePath: string, body: string): unknown {
  const script = `
    const native = require(${JSON.stringify(path.join(ROOT, 'native'))});
    native.configure({ modelPath: ${JSON.stringify(SMOLLM2)}, storePath: ${JSON.stringify(storePath)} });
    (async () => { ${body} })().then(
      (out) => { process.stdout.write(JSON.stringify(out)); process.exit(0); },
      (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('assessments and chat survive a new process', () => {
  const storePath = path.join(dir, 'survive.db');
  const written = inNewProcess(
    storePath,
    `const a = await native.assessEssay({ fileId: 'essay-1', text: ${JSON.stringify(ESSAY)} });
     const c = await native.chat({ fileId: 'essay-1', message: 'Is my conclusion strong?', contextText: ${JSON.stringify(ESSAY)} });
     const h = await native.healthCheck();
     return { a, c, store: h.store };`,
  ) as { a: native.Assessment; c: native.ChatReply; store: native.StoreReport };
  assert.deepEqual(written.store, { status: 'ok', persistent: true, path: storePath });
  assert.equal(written.c.historyUsed, 0);

  const read = inNewProcess(
    storePath,
    `return { list: await native.listAssessments('essay-1'), chat: await native.listChat('essay-1'),
              other: await native.listAssessments('another-essay') };`,
  ) as { list: native.StoredAssessment[]; chat: native.ChatMessage[]; other: unknown[] };
  assert.equal(read.list.length, 1);
  const saved = read.list[0]!;
  assert.deepEqual(saved.comments, written.a.comments, 'the comments as returned');
  assert.equal(saved.summary, written.a.summary);
  assert.deepEqual(saved.metrics, written.a.metrics);
  assert.equal(saved.fileId, 'essay-1');
  assert.match(saved.model, /SmolLM2/i);
  assert.match(saved.id, /^[0-9a-f]{32}$/);
  assert.ok(!Number.isNaN(Date.parse(saved.createdAt)));
  // The text itself is not stored, only its hash (the renderer compares it with crypto.subtle).
  const hash = require('node:crypto').createHash('sha256').update(ESSAY, 'utf8').digest('hex') as string;
  assert.equal(saved.textHash, hash);
  assert.ok(!fs.readFileSync(storePath).includes(Buffer.from('quiet room with books')), 'no essay text in the file');
  assert.deepEqual(
    read.chat.map((m) => [m.role, m.content]),
    [
      ['user', 'Is my conclusion strong?'],
      ['assistant', written.c.reply],
    ],
  );
  assert.deepEqual(read.other, []);
});

test('chat about a fileId answers with the stored conversation, drops the oldest turns first, and saves each exchange', async () => {
  // A small context window, so the conversation outgrows it after a few questions.
  native.configure({ modelPath: SMOLLM2, contextSize: 640, storePath: path.join(dir, 'chat.db') });
  try {
    const fileId = 'chat-essay';
    const used: number[] = [];
    for (const message of [
      'What is my main argument?',
      'How could I make the second sentence clearer?',
      'Give me a better final sentence.',
      'Which word should I change first?',
      'What is one more reason I could add?',
      'Is the tone right for a school essay?',
      'Should I add a title?',
      'Summarize my essay in one sentence.',
    ]) {
      const r = await native.chat({ fileId, message, contextText: ESSAY });
      assert.ok(r.reply.trim().length > 0);
      used.push(r.historyUsed);
    }
    const history = await native.listChat(fileId);
    assert.equal(history.length, 16, 'every exchange is saved, even those no longer in the context');
    assert.deepEqual(
      history.map((m) => m.role),
      Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 'user' : 'assistant')),
    );
    assert.deepEqual(used.slice(0, 2), [0, 2], 'the first follow-up sees the first exchange');
    assert.ok(used.every((n) => n % 2 === 0), `whole exchanges only: ${used}`);
    assert.ok(used.at(-1)! < 14, `the oldest turns were dropped to fit 640 tokens: ${used}`);
    assert.ok(used.at(-1)! >= 2, `the latest exchanges are kept: ${used}`);
    // Without a fileId nothing is read or saved.
    const plain = await native.chat({ message: 'Hello!', contextText: ESSAY });
    assert.equal(plain.historyUsed, 0);
    await native.clearChat(fileId);
    assert.deepEqual(await native.listChat(fileId), []);
    assert.equal((await native.chat({ fileId, message: 'Start again: one tip?' })).historyUsed, 0);
  } finally {
    native.configure({ modelPath: SMOLLM2, storePath: '' });
  }
});

test('without a storePath history is kept in memory and healthCheck says so', async () => {
  native.configure({ modelPath: SMOLLM2, storePath: '' });
  const h = await native.healthCheck();
  assert.deepEqual(h.store, { status: 'ok', persistent: false });
  assert.equal(h.status, 'ok');
  await native.chat({ fileId: 'mem', message: 'One tip, please.' });
  assert.equal((await native.listChat('mem')).length, 2);
});

test('a corrupt database: requests still work, history is in memory, healthCheck is degraded with the reason, the file is kept', async () => {
  const corrupt = path.join(dir, 'corrupt.db');
  const garbage = Buffer.alloc(32 * 1024, 0x5a);
  fs.writeFileSync(corrupt, garbage);
  native.configure({ modelPath: SMOLLM2, storePath: corrupt });
  try {
    await native.listAssessments('x'); // the store thread has tried the file (it opens it in the background)
    const h = await native.healthCheck();
    assert.equal(h.status, 'degraded');
    assert.equal(h.store.status, 'degraded');
    assert.equal(h.store.persistent, false);
    assert.ok(h.store.error?.includes(corrupt), h.store.error);
    assert.match(h.store.error ?? '', /not a database/);
    const r = await native.chat({ fileId: 'c', message: 'Is this essay persuasive?', contextText: ESSAY });
    assert.ok(r.reply.length > 0);
    assert.equal((await native.listChat('c')).length, 2, 'kept in memory');
    assert.deepEqual(fs.readFileSync(corrupt), garbage, 'the damaged file is not overwritten');
  } finally {
    native.configure({ modelPath: SMOLLM2, storePath: '' });
  }
});

test('a folder that cannot hold the database gives the same degraded path', async () => {
  const blocker = path.join(dir, 'a-file');
  fs.writeFileSync(blocker, 'x');
  const storePath = path.join(blocker, 'samsara.db');
  native.configure({ modelPath: SMOLLM2, storePath });
  try {
    await native.listAssessments('x'); // the store thread has tried the file
    const h = await native.healthCheck();
    assert.equal(h.store.status, 'degraded');
    assert.ok(h.store.error?.includes(storePath));
    assert.deepEqual(await native.listAssessments('x'), []);
  } finally {
    native.configure({ modelPath: SMOLLM2, storePath: '' });
  }
});

test('history calls validate the fileId', async () => {
  for (const bad of ['', '   ', 'x'.repeat(201)]) {
    await assert.rejects(native.listChat(bad), (e: Error & { code?: string }) => e.code === 'INVALID_REQUEST');
  }
  await assert.rejects(
    native.listAssessments(42 as unknown as string),
    (e: Error & { code?: string }) => e.code === 'INVALID_REQUEST',
  );
});
