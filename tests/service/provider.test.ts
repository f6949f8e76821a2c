// The service's school server actions (getProvider, setProvider, testProvider) with the real settings
// module (electron/provider-settings.ts) over a temporary provider.json, the TEST STAND-IN for
// safeStorage (tests/harness/secrets-stand-in.ts) and a STUB engine (no model, fast tier: it records the
// providers configured and the model lists asked for, and can refuse or fail like the addon does). What
// is tested: the sender check, zod's plain refusals, the key never in an answer, an error or a log line
// (the captured lines are searched for it), a refused configure keeping what was saved, Test connection
// with the typed or the saved key, and the harness-like service without the settings saying it can't.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type * as Native from '../../native/index';
import { jsonLogger } from '../../electron/log';
import { PROVIDER_FILE, ProviderStore, type ProviderEngine } from '../../electron/provider-settings';
import { SamsaraService, type Engine } from '../../electron/service';
import type { ApiResult, ProviderSettings } from '../../preload/api';
import type { ProviderModelsQuery } from '../../preload/provider';
import { standInSecrets } from '../harness/secrets-stand-in';
import { APP, APP_ORIGIN } from './helpers';

const KEY = 'sk-live-4fJ9qT2wX7mR1zK8';
const NEW_KEY = 'sk-live-Bn3vC6xZ0aS5dF7g';
const SCHOOL = 'https://llm.school.example/v1';
const STRANGER = { id: 3, url: 'https://example.com/', isMainFrame: true };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-service-provider-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

type Config = NonNullable<Native.EngineConfig['provider']>;

function setup() {
  const configured: Config[] = [];
  const queries: ProviderModelsQuery[] = [];
  const behaviour: { refuse?: Error; list?: () => Promise<string[]> } = {};
  const engine: ProviderEngine = {
    configure: (c) => {
      if (behaviour.refuse) throw behaviour.refuse;
      if (c.provider) configured.push(c.provider);
    },
    listProviderModels: (q) => {
      queries.push(q);
      return behaviour.list ? behaviour.list() : Promise.resolve(['m1', 'm2']);
    },
  };
  const lines: string[] = [];
  const log = jsonLogger((l) => lines.push(l));
  const file = path.join(fs.mkdtempSync(path.join(dir, 'case-')), PROVIDER_FILE);
  const provider = new ProviderStore({ file, secrets: standInSecrets(), engine, log });
  const service = new SamsaraService({ engine: { cancel: () => false } as unknown as Engine, log, trustedOrigins: [APP_ORIGIN], provider });
  return { service, configured, queries, behaviour, lines, file };
}

function data<T>(r: ApiResult<unknown>): T {
  assert.ok(r.ok, JSON.stringify(r));
  return r.data as T;
}

function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Nothing the page or the log got holds a key. */
function noKey(where: string, text: string): void {
  for (const k of [KEY, NEW_KEY]) assert.ok(!text.includes(k), `${where} holds the key: ${text}`);
}

/** A camelCase word: a field's name (baseUrl, apiKey), never for a student. */
const FIELD_NAME = /\b[a-z]+[A-Z][A-Za-z]*\b/;

test('save, read back, test with the saved key: the answers and the log never hold the key', async () => {
  const { service, configured, queries, lines, file } = setup();
  const initial = data<ProviderSettings>(await service.provider('getProvider', APP, null));
  assert.deepEqual(initial, { kind: 'local', baseUrl: '', model: '', fallbackToLocal: false, hasKey: false, keyStorage: 'none', encryptionAvailable: true });
  const saved = await service.provider('setProvider', APP, { kind: 'openai-compatible', baseUrl: ` ${SCHOOL} `, model: 'm1', fallbackToLocal: true, apiKey: KEY });
  assert.deepEqual(data<ProviderSettings>(saved), {
    kind: 'openai-compatible',
    baseUrl: SCHOOL,
    model: 'm1',
    fallbackToLocal: true,
    hasKey: true,
    keyStorage: 'encrypted',
    encryptionAvailable: true,
  });
  noKey('setProvider', JSON.stringify(saved));
  noKey('getProvider', JSON.stringify(await service.provider('getProvider', APP, undefined)));
  assert.deepEqual(configured.at(-1), { kind: 'openai-compatible', baseUrl: SCHOOL, model: 'm1', apiKey: KEY, fallbackToLocal: true });
  noKey('provider.json', fs.readFileSync(file, 'utf8'));

  const tested = await service.provider('testProvider', APP, { baseUrl: SCHOOL });
  assert.deepEqual(data(tested), { models: ['m1', 'm2'] });
  assert.equal(queries.at(-1)?.apiKey, KEY, 'the saved key, so the page never needs it');
  await service.provider('testProvider', APP, { baseUrl: SCHOOL, apiKey: NEW_KEY });
  assert.equal(queries.at(-1)?.apiKey, NEW_KEY, 'the key typed');

  const replaced = data<ProviderSettings>(await service.provider('setProvider', APP, { apiKey: NEW_KEY }));
  assert.equal(replaced.hasKey, true);
  const last = configured.at(-1);
  assert.equal(last?.kind === 'openai-compatible' ? last.apiKey : undefined, NEW_KEY, 'the engine has the new key');
  const cleared = data<ProviderSettings>(await service.provider('setProvider', APP, { clearKey: true }));
  assert.deepEqual([cleared.hasKey, cleared.keyStorage], [false, 'none']);
  data(await service.provider('setProvider', APP, { kind: 'local' }));
  assert.deepEqual(configured.at(-1), { kind: 'local' });

  for (const l of lines) noKey('the log', l);
  const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const ends = events.filter((e) => e.event === 'request.end');
  assert.deepEqual(
    ends.map((e) => e.action),
    ['getProvider', 'setProvider', 'getProvider', 'testProvider', 'testProvider', 'setProvider', 'setProvider', 'setProvider'],
  );
  for (const e of events) {
    // Only ids, names, durations, outcomes, codes and the provider's kind and key storage.
    for (const k of Object.keys(e)) assert.ok(['ts', 'event', 'requestId', 'action', 'durationMs', 'outcome', 'code', 'reason', 'kind', 'keyStorage'].includes(k), `log field ${k}`);
  }
});

test('bad settings are refused by zod with plain messages that name no field and repeat nothing typed', async () => {
  const { service, configured } = setup();
  const before = data<ProviderSettings>(await service.provider('getProvider', APP, null));
  const cases: Array<[unknown, string | RegExp]> = [
    [{ baseUrl: `https://teacher:${KEY}@llm.school.example/v1` }, 'The server address must not contain a user name or password: put the key in the API key field.'],
    [{ baseUrl: `${SCHOOL}?api_key=${KEY}` }, /^The server address must not contain \? or #/],
    [{ baseUrl: `${SCHOOL}#${KEY}` }, /^The server address must not contain \? or #/],
    [{ baseUrl: KEY }, 'The server address must start with http:// or https://, for example https://llm.school.example/v1.'],
    [{ baseUrl: `ftp://llm.school.example/${KEY}` }, /^The server address must start with http/],
    [{ baseUrl: 42 }, 'The server address must be text.'],
    [{ baseUrl: `https://${'a'.repeat(2050)}.example` }, /^The server address is too long/],
    [{ apiKey: `${KEY} ${KEY}` }, 'The API key must be one word, without spaces or line breaks: copy it again.'],
    [{ apiKey: `${KEY}\n${KEY}` }, /^The API key must be one word/],
    [{ apiKey: '   ' }, 'The API key is empty.'],
    [{ apiKey: 'k'.repeat(4097) }, /^The API key is too long/],
    [{ apiKey: 12345 }, 'The API key must be text.'],
    [{ apiKey: KEY, clearKey: true }, 'Give a new API key or clear the saved one, not both.'],
    [{ clearKey: false }, 'Clearing the saved key takes true.'],
    [{ kind: 'ollama' }, /^The provider must be "local" \(this computer\) or "openai-compatible"/],
    [{ model: 'm'.repeat(257) }, /^The model name is too long/],
    [{ fallbackToLocal: 'yes' }, /^The fallback setting must be on or off/],
    [{ timeoutMs: 50 }, /^The time limit must be a whole number of milliseconds/],
    [{ timeoutMs: 1.5 }, /^The time limit must be a whole number/],
    [{ secret: KEY }, 'The request has an unknown field "secret".'],
    [KEY, 'The school server settings to change must be an object.'],
    [null, 'The school server settings to change must be an object.'],
    // The store's own: a school server needs an address and a model.
    [{ kind: 'openai-compatible', model: 'm1' }, /^Enter the school server's address/],
    [{ kind: 'openai-compatible', baseUrl: SCHOOL }, /^Enter the name of the model/],
  ];
  for (const [patch, message] of cases) {
    const r = await service.provider('setProvider', APP, patch);
    assert.equal(r.ok, false, JSON.stringify(patch).slice(0, 80));
    if (r.ok) continue;
    assert.equal(r.error.code, 'INVALID_REQUEST');
    if (typeof message === 'string') assert.equal(r.error.message, message);
    else assert.match(r.error.message, message);
    assert.doesNotMatch(r.error.message, FIELD_NAME, r.error.message);
    noKey('an error', r.error.message);
  }
  const tests: Array<[unknown, string | RegExp]> = [
    [{}, "Enter the school server's address first, for example https://llm.school.example/v1."],
    [{ baseUrl: '  ' }, /^Enter the school server's address first/],
    [{ baseUrl: KEY }, /^The server address must start with http/],
    [{ baseUrl: SCHOOL, apiKey: `${KEY} x` }, /^The API key must be one word/],
    [{ baseUrl: SCHOOL, model: 'm1' }, 'The request has an unknown field "model".'],
    [SCHOOL, 'Testing a school server needs its address.'],
  ];
  for (const [input, message] of tests) {
    const r = await service.provider('testProvider', APP, input);
    assert.ok(!r.ok && r.error.code === 'INVALID_REQUEST', JSON.stringify(r));
    if (typeof message === 'string') assert.equal(r.error.message, message);
    else assert.match(r.error.message, message);
    noKey('an error', r.error.message);
  }
  const extra = await service.provider('getProvider', APP, { all: true });
  assert.ok(!extra.ok && extra.error.message === 'This takes no argument.');
  assert.deepEqual(data<ProviderSettings>(await service.provider('getProvider', APP, null)), before, 'nothing changed');
  assert.deepEqual(configured, [{ kind: 'local' }], 'the engine was configured once, at load');
});

test('a configure the engine refuses keeps the saved settings and key; its message reaches the page without the key', async () => {
  const { service, configured, behaviour, lines, file } = setup();
  const saved = data<ProviderSettings>(await service.provider('setProvider', APP, { kind: 'openai-compatible', baseUrl: SCHOOL, model: 'm1', apiKey: KEY }));
  const fileBefore = fs.readFileSync(file, 'utf8');
  const count = configured.length;
  behaviour.refuse = coded('INVALID_REQUEST', `provider.apiKey must be printable (${NEW_KEY}, ${KEY}).`);
  const r = await service.provider('setProvider', APP, { apiKey: NEW_KEY, model: 'other' });
  assert.deepEqual(r, { ok: false, error: { code: 'INVALID_REQUEST', message: 'The API key must be printable ([the API key], [the API key]).' } });
  delete behaviour.refuse;
  assert.deepEqual(data(await service.provider('getProvider', APP, null)), saved);
  assert.equal(fs.readFileSync(file, 'utf8'), fileBefore);
  assert.equal(configured.length, count);
  // The saved key is still the one used.
  await service.provider('testProvider', APP, { baseUrl: SCHOOL });
  for (const l of lines) noKey('the log', l);
  const end = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'request.end' && e.outcome === 'error');
  assert.equal(end?.code, 'INVALID_REQUEST');
});

test("Test connection's failures: the engine's codes in its words, never the key; other throws hidden", async () => {
  const { service, behaviour, lines } = setup();
  data(await service.provider('setProvider', APP, { kind: 'openai-compatible', baseUrl: SCHOOL, model: 'm1', apiKey: KEY }));
  const cases: Array<[Error, string, RegExp]> = [
    [coded('ENGINE_DOWN', `llm.school.example refused the API key (${KEY}).`), 'ENGINE_DOWN', /^llm\.school\.example refused the API key \(\[the API key\]\)\.$/],
    [coded('ENGINE_DOWN', 'llm.school.example could not be reached (connection refused).'), 'ENGINE_DOWN', /could not be reached/],
    [coded('ENGINE_BUSY', 'llm.school.example is busy: try again in 5 s.'), 'ENGINE_BUSY', /try again in 5 s/],
    [coded('ENGINE_ACTION_FAILED', 'llm.school.example answered HTTP 500.'), 'ENGINE_ACTION_FAILED', /HTTP 500/],
    [coded('ENGINE_INVALID_RESPONSE', 'llm.school.example did not answer with a model list.'), 'ENGINE_INVALID_RESPONSE', /model list/],
    [coded('INVALID_REQUEST', 'provider.baseUrl must be an http:// or https:// URL.'), 'INVALID_REQUEST', /^The server address must be an http/],
    [new TypeError(`oops ${KEY}`), 'ENGINE_ACTION_FAILED', /^Something went wrong with the school server settings/],
  ];
  for (const [error, code, message] of cases) {
    behaviour.list = () => Promise.reject(error);
    const r = await service.provider('testProvider', APP, { baseUrl: SCHOOL });
    assert.ok(!r.ok, JSON.stringify(r));
    if (r.ok) continue;
    assert.equal(r.error.code, code);
    assert.match(r.error.message, message);
    noKey('an error', r.error.message);
  }
  // A key typed for the test and echoed back by a server's error: replaced too.
  behaviour.list = () => Promise.reject(coded('ENGINE_DOWN', `refused ${NEW_KEY}`));
  const typed = await service.provider('testProvider', APP, { baseUrl: SCHOOL, apiKey: NEW_KEY });
  assert.ok(!typed.ok);
  noKey('an error', JSON.stringify(typed));
  for (const l of lines) noKey('the log', l);
});

test('only our window may use them; without the settings (a page with no main) they say so', async () => {
  const { service, configured } = setup();
  for (const action of ['getProvider', 'setProvider', 'testProvider'] as const) {
    const r = await service.provider(action, STRANGER, action === 'setProvider' ? { kind: 'openai-compatible', baseUrl: SCHOOL, model: 'm', apiKey: KEY } : null);
    assert.ok(!r.ok && /refused/.test(r.error.message), JSON.stringify(r));
  }
  assert.deepEqual(configured, [], 'nothing reached the engine');
  const bare = new SamsaraService({ engine: { cancel: () => false } as unknown as Engine, log: () => undefined, trustedOrigins: [APP_ORIGIN] });
  assert.deepEqual(await bare.provider('getProvider', APP, null), {
    ok: false,
    error: { code: 'INVALID_REQUEST', message: 'Choosing a school server works only in the Samsara app.' },
  });
});
