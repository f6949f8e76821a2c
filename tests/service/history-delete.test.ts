// Deleting history through the main-process service, against the real addon and a real SQLite file:
// deleteEssay removes an essay's assessments and chat (and nothing of another essay), deleteAssessment
// removes one assessment only, both survive reopening the file, and bad ids are refused by zod
// (INVALID_REQUEST) before anything reaches the engine. Few model calls: each assessment takes seconds.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as engine from 'samsara-native';
import { jsonLogger } from '../../electron/log';
import { SamsaraService, type Sender } from '../../electron/service';
import type * as Native from '../../native/index';
import type { ApiResult, HistoryAction } from '../../preload/api';
import { closeStoreAndRemove, SMOLLM2 } from '../addon/helpers';
import { APP, APP_ORIGIN, envelope } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-service-delete-'));
const storePath = path.join(dir, 'samsara.db');
const lines: string[] = [];
const service = new SamsaraService({ engine, log: jsonLogger((l) => lines.push(l)), trustedOrigins: [APP_ORIGIN] });

const ESSAY_A = 'Schools should start later. Teenagers need more sleep, and there grades improve when they get it.';
const ESSAY_B = 'Homework helps students practise. But to much homework leaves no time for rest.';

before(() => engine.configure({ modelPath: SMOLLM2, storePath }));
after(() => closeStoreAndRemove(engine, dir));

function data<T>(r: ApiResult<unknown>): T {
  assert.ok(r.ok, JSON.stringify(r));
  return r.data as T;
}

async function assessments(fileId: string): Promise<Native.StoredAssessment[]> {
  return data(await service.history('listAssessments', APP, fileId));
}

async function chat(fileId: string): Promise<Native.ChatMessage[]> {
  return data(await service.history('listChat', APP, fileId));
}

async function assess(fileId: string, text: string, ticket: string): Promise<Native.Assessment> {
  return data(await service.request('assessEssay', APP, envelope(ticket, { fileId, text })));
}

async function ask(fileId: string, text: string, ticket: string): Promise<Native.ChatReply> {
  return data(await service.request('chat', APP, envelope(ticket, { fileId, message: 'Is my first sentence clear?', contextText: text })));
}

/** Switches the engine to memory and back: the lists then come from the file alone. */
function reopen(): void {
  engine.configure({ storePath: '' });
  engine.configure({ storePath });
}

test('assessEssay and chat report saved: true into the file; deleteAssessment removes only that one; deleteEssay removes the rest of that essay only', { timeout: 120_000 }, async () => {
  const a = 'delete-essay-a';
  const b = 'delete-essay-b';
  const first = await assess(a, ESSAY_A, 'a1');
  const second = await assess(a, `${ESSAY_A} Sleep matters.`, 'a2');
  assert.equal(first.saved, true, 'the assessment went into the history file');
  assert.equal(second.saved, true);
  const replyA = await ask(a, ESSAY_A, 'c1');
  assert.equal(replyA.saved, true, 'the question and answer went into the history file');
  const replyB = await ask(b, ESSAY_B, 'c2');
  assert.equal(replyB.saved, true);

  const saved = await assessments(a);
  assert.equal(saved.length, 2);
  assert.equal((await chat(a)).length, 2);
  const [newest, oldest] = saved;
  assert.ok(newest && oldest);

  // One assessment: the other stays, and so does the chat.
  assert.deepEqual(await service.history('deleteAssessment', APP, oldest.id), { ok: true, data: undefined });
  assert.deepEqual((await assessments(a)).map((s) => s.id), [newest.id]);
  assert.equal((await chat(a)).length, 2, 'deleting an assessment leaves the chat');
  // Deleting it again, or an id nobody has, is not an error.
  assert.deepEqual(await service.history('deleteAssessment', APP, oldest.id), { ok: true, data: undefined });
  assert.deepEqual(await service.history('deleteAssessment', APP, 'no-such-assessment'), { ok: true, data: undefined });

  // The whole essay: its assessments and chat; the other essay's chat is untouched.
  assert.deepEqual(await service.history('deleteEssay', APP, a), { ok: true, data: undefined });
  assert.deepEqual(await assessments(a), []);
  assert.deepEqual(await chat(a), []);
  assert.equal((await chat(b)).length, 2, "another essay's chat is kept");
  assert.deepEqual(await service.history('deleteEssay', APP, 'never-saved-essay'), { ok: true, data: undefined });

  // On disk, not only in memory.
  reopen();
  assert.deepEqual(await assessments(a), []);
  assert.deepEqual(await chat(a), []);
  assert.equal((await chat(b)).length, 2);
  const h = await engine.healthCheck();
  assert.equal(h.store.status, 'ok');
  assert.equal(h.store.persistent, true);

  // Logged like the other history calls: ids, durations and codes, no ids of essays.
  const ends = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === 'request.end');
  for (const action of ['deleteEssay', 'deleteAssessment']) {
    assert.ok(ends.some((e) => e.action === action && e.outcome === 'ok'), `${action} is logged`);
  }
  assert.ok(!lines.join('\n').includes(a), 'no fileId in the log');
});

test('deleteEssay and deleteAssessment refuse bad ids with INVALID_REQUEST and a plain message; strangers are refused', async () => {
  const cases: Array<[HistoryAction, unknown, string]> = [
    ['deleteEssay', '', "The essay's id is empty."],
    ['deleteEssay', '   ', "The essay's id is empty."],
    ['deleteEssay', 'f'.repeat(201), "The essay's id is too long: the limit is 200 characters. Shorten it and try again."],
    ['deleteEssay', 42, "The essay's id must be text."],
    ['deleteEssay', { fileId: 'x' }, "The essay's id must be text."],
    ['deleteEssay', undefined, "The essay's id is missing."],
    ['deleteEssay', 'half \ud83d an emoji', "The essay's id contains a broken character"],
    ['deleteAssessment', '', "The saved assessment's id is empty."],
    ['deleteAssessment', 'i'.repeat(201), "The saved assessment's id is too long: the limit is 200 characters. Shorten it and try again."],
    ['deleteAssessment', 7, "The saved assessment's id must be text."],
    ['deleteAssessment', null, "The saved assessment's id must be text."],
    ['deleteAssessment', ['a'], "The saved assessment's id must be text."],
    ['deleteAssessment', undefined, "The saved assessment's id is missing."],
  ];
  const before = lines.length;
  for (const [action, argument, message] of cases) {
    const r = await service.history(action, APP, argument);
    assert.equal(r.ok, false, `${action}(${JSON.stringify(argument)?.slice(0, 20)}) is refused`);
    if (r.ok) continue;
    assert.equal(r.error.code, 'INVALID_REQUEST');
    assert.ok(r.error.message.startsWith(message), `${r.error.message} / ${message}`);
  }
  assert.equal(lines.length, before, 'nothing reached the engine (nothing was logged as started)');
  const stranger: Sender = { id: 1, url: 'https://evil.example/', isMainFrame: true };
  for (const action of ['deleteEssay', 'deleteAssessment'] as const) {
    const r = await service.history(action, stranger, 'x');
    assert.ok(!r.ok && r.error.code === 'INVALID_REQUEST' && /refused/.test(r.error.message), JSON.stringify(r));
  }
});
