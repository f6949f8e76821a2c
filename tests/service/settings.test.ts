// Settings through the main-process service, against the real addon and a real SQLite file: the
// defaults, a change saved and read back (also after the file is reopened), the dialect and threads
// given to the engine at start-up (applySavedSettings, as main and the harness do), zod's plain
// refusals before anything reaches the engine, and "Open folder" (the engine's path, never the page's;
// only with an opener, as in the app).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as engine from 'samsara-native';
import { jsonLogger } from '../../electron/log';
import { SamsaraService, type Sender } from '../../electron/service';
import type { ApiResult, Settings } from '../../preload/api';
import { closeStoreAndRemove, SMOLLM2 } from '../addon/helpers';
import { APP, APP_ORIGIN } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-service-settings-'));
const storePath = path.join(dir, 'samsara.db');
const lines: string[] = [];
const log = jsonLogger((l) => lines.push(l));
const opened: string[] = [];
const service = new SamsaraService({ engine, log, trustedOrigins: [APP_ORIGIN], showItemInFolder: (p) => opened.push(p) });
/** As in the test harness: no file manager to ask. */
const harnessLike = new SamsaraService({ engine, log, trustedOrigins: [APP_ORIGIN] });
const CORES = os.availableParallelism();

before(() => engine.configure({ modelPath: SMOLLM2, storePath }));
after(() => closeStoreAndRemove(engine, dir));

function data<T>(r: ApiResult<unknown>): T {
  assert.ok(r.ok, JSON.stringify(r));
  return r.data as T;
}

/** A camelCase word: the name of a field (fileId, contextText, fontSize), never for a student. */
const FIELD_NAME = /\b[a-z]+[A-Z][A-Za-z]*\b/;

test('the defaults, then a change saved in the file and read back, also after reopening it', async () => {
  assert.deepEqual(data<Settings>(await service.settings('getSettings', APP, null)), {
    dialect: 'auto',
    theme: 'system',
    fontSize: 16,
    threads: 1,
  });
  const changed = data<Settings>(await service.settings('setSettings', APP, { theme: 'dark', fontSize: 20 }));
  assert.deepEqual(changed, { dialect: 'auto', theme: 'dark', fontSize: 20, threads: 1 });
  const more = data<Settings>(await service.settings('setSettings', APP, { dialect: 'british', threads: CORES }));
  assert.deepEqual(more, { dialect: 'british', theme: 'dark', fontSize: 20, threads: CORES });
  // Reopen the file: the settings are in it.
  engine.configure({ storePath: '' });
  engine.configure({ storePath });
  assert.deepEqual(data<Settings>(await service.settings('getSettings', APP, undefined)), more);
  assert.ok(fs.statSync(storePath).size > 0);
});

test('the saved dialect reaches the checker at once; start-up gives the engine the saved dialect and threads', async () => {
  data(await service.settings('setSettings', APP, { dialect: 'british', threads: 1 }));
  const checked = data<{ dialect: string }>(await service.checker('checkText', APP, { text: 'The colour was grey.' }));
  assert.equal(checked.dialect, 'british', 'checkText without a dialect uses the setting');
  // A fresh start: the engine back to its defaults, then what main does before the warm-up.
  engine.configure({ dialect: 'auto' });
  await service.applySavedSettings();
  assert.equal(data<{ dialect: string }>(await service.checker('checkText', APP, { text: 'The color was gray.' })).dialect, 'british');
  const applied = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === 'settings.applied');
  assert.equal(applied.at(-1)?.outcome, 'ok');
  assert.equal(applied.at(-1)?.threads, 1);
  data(await service.settings('setSettings', APP, { dialect: 'auto' }));
});

test('bad settings are refused by zod with a plain message that names no field', async () => {
  const cases: Array<[unknown, string | RegExp]> = [
    [{ fontSize: 11 }, 'The text size must be a whole number from 12 to 28.'],
    [{ fontSize: 29 }, 'The text size must be a whole number from 12 to 28.'],
    [{ fontSize: 16.5 }, 'The text size must be a whole number from 12 to 28.'],
    [{ fontSize: '16' }, 'The text size must be a whole number from 12 to 28.'],
    [{ threads: 0 }, `The number of threads must be a whole number from 1 to ${CORES}`],
    [{ threads: CORES + 1 }, `The number of threads must be a whole number from 1 to ${CORES}`],
    [{ threads: 1.5 }, 'The number of threads must be a whole number'],
    [{ theme: 'sepia' }, 'The theme must be "system", "light" or "dark".'],
    [{ dialect: 'martian' }, /^The English to check in must be one of/],
    [{ colour: 'red' }, 'The request has an unknown field "colour".'],
    ['dark', 'The settings to change must be an object.'],
    [null, 'The settings to change must be an object.'],
  ];
  const before = data<Settings>(await service.settings('getSettings', APP, null));
  for (const [patch, message] of cases) {
    const r = await service.settings('setSettings', APP, patch);
    assert.equal(r.ok, false, JSON.stringify(patch));
    if (r.ok) continue;
    assert.equal(r.error.code, 'INVALID_REQUEST');
    if (typeof message === 'string') assert.ok(r.error.message.startsWith(message), `${JSON.stringify(patch)}: ${r.error.message}`);
    else assert.match(r.error.message, message);
    assert.doesNotMatch(r.error.message, FIELD_NAME, r.error.message);
  }
  assert.deepEqual(data<Settings>(await service.settings('getSettings', APP, null)), before, 'nothing changed');
  const extra = await service.settings('getSettings', APP, { all: true });
  assert.ok(!extra.ok && extra.error.message === 'This takes no argument.', JSON.stringify(extra));
});

test("Open folder shows the history file (the engine's path) in the app; the harness says it can't", async () => {
  assert.deepEqual(await service.settings('openHistoryFolder', APP, null), { ok: true, data: undefined });
  assert.deepEqual(opened, [storePath]);
  const r = await harnessLike.settings('openHistoryFolder', APP, null);
  assert.deepEqual(r, { ok: false, error: { code: 'INVALID_REQUEST', message: 'Opening the history folder works only in the Samsara app.' } });
  // A page can't name another path.
  const named = await service.settings('openHistoryFolder', APP, '/etc/passwd');
  assert.equal(named.ok, false);
  assert.deepEqual(opened, [storePath]);
  // Memory only: no folder to show.
  engine.configure({ storePath: '' });
  try {
    const memory = await service.settings('openHistoryFolder', APP, null);
    assert.ok(!memory.ok && /memory only/.test(memory.error.message), JSON.stringify(memory));
  } finally {
    engine.configure({ storePath });
  }
  const stranger: Sender = { id: 1, url: 'https://evil.example/', isMainFrame: true };
  for (const action of ['getSettings', 'setSettings', 'openHistoryFolder'] as const) {
    const refused = await service.settings(action, stranger, action === 'setSettings' ? { theme: 'dark' } : null);
    assert.ok(!refused.ok && /refused/.test(refused.error.message));
  }
  assert.deepEqual(opened, [storePath]);
});
