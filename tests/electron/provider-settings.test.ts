// The school server's settings (electron/provider-settings.ts) in plain Node, no model: saved and read
// back by a new store (as at the next start), the key sealed in provider.json (the file never holds it),
// no encryption → the key kept for the session only, a damaged or unreadable file → the local provider
// (logged without its contents), a configuration the engine refuses → nothing changed, the file written
// by rename, the saved key sent only to its own server, and no key in an error or a log line.
// The Secrets here are the TEST STAND-IN for Electron's safeStorage (tests/harness/secrets-stand-in.ts:
// AES-GCM under a fixed test key): what is tested is the layer above safeStorage. The engine is a
// recording stub, and for the refusals also the real addon's configure (no model needed).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import type * as Native from '../../native/index';
import { jsonLogger } from '../../electron/log';
import { PROVIDER_FILE, ProviderError, ProviderStore, providerEngineOf, systemSecrets, type ProviderEngine, type Secrets } from '../../electron/provider-settings';
import type { ProviderModelsQuery } from '../../preload/provider';
import { standInSecrets } from '../harness/secrets-stand-in';

const KEY = 'sk-test-Zq8vB3mN7xK2pL9w';
const OTHER_KEY = 'sk-other-Hd5tR1yU6iO0pA4s';
const SCHOOL = 'https://llm.school.example/v1';

const dirs: string[] = [];
after(() => {
  native.configure({ provider: { kind: 'local' } });
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-provider-'));
  dirs.push(dir);
  return path.join(dir, PROVIDER_FILE);
}

type Config = NonNullable<Native.EngineConfig['provider']>;

/** A recording engine: every provider configured, every model-list query; `refuse` makes configure throw. */
function stubEngine() {
  const configured: Config[] = [];
  const queries: ProviderModelsQuery[] = [];
  let refuse: Error | null = null;
  let answer: () => Promise<string[]> = async () => ['m1', 'm2'];
  const engine: ProviderEngine = {
    configure: (c) => {
      if (refuse) throw refuse;
      if (c.provider) configured.push(c.provider);
    },
    listProviderModels: (q) => {
      queries.push(q);
      return answer();
    },
  };
  return {
    engine,
    configured,
    queries,
    refuseWith: (e: Error | null) => (refuse = e),
    answerWith: (f: () => Promise<string[]>) => (answer = f),
  };
}

/** The key a configured provider carries (undefined for none, or for the local provider). */
function keyOf(c: Config | undefined): string | undefined {
  return c?.kind === 'openai-compatible' ? c.apiKey : undefined;
}

function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function store(file: string, o: { secrets?: Secrets; engine?: ProviderEngine; lines?: string[] } = {}) {
  const lines = o.lines ?? [];
  return new ProviderStore({
    file,
    secrets: o.secrets ?? standInSecrets(),
    engine: o.engine ?? stubEngine().engine,
    log: jsonLogger((l) => lines.push(l)),
  });
}

const school = { kind: 'openai-compatible', baseUrl: SCHOOL, model: 'qwen2.5-7b-instruct', fallbackToLocal: true } as const;

test('no file: the local provider, given to the engine at load', async () => {
  const e = stubEngine();
  const s = store(tempFile(), { engine: e.engine });
  await s.load();
  assert.deepEqual(await s.get(), {
    kind: 'local',
    baseUrl: '',
    model: '',
    fallbackToLocal: false,
    hasKey: false,
    keyStorage: 'none',
    encryptionAvailable: true,
  });
  assert.deepEqual(e.configured, [{ kind: 'local' }]);
});

test('a save round trip: the settings and the key come back in a new store (the next start); the file holds the key only sealed', async () => {
  const file = tempFile();
  const secrets = standInSecrets();
  const first = stubEngine();
  const lines: string[] = [];
  const s = store(file, { secrets, engine: first.engine, lines });
  const saved = await s.set({ ...school, apiKey: `  ${KEY}\n` });
  assert.deepEqual(saved, { ...school, hasKey: true, keyStorage: 'encrypted', encryptionAvailable: true });
  assert.equal(secrets.sealed, 1, 'the key went through safeStorage');
  assert.deepEqual(first.configured.at(-1), { ...school, apiKey: KEY }, 'the engine got the key (spaces around it dropped)');

  const text = fs.readFileSync(file, 'utf8');
  assert.ok(!text.includes(KEY), 'the file does not contain the key');
  assert.ok(!text.includes(Buffer.from(KEY).toString('base64')), 'nor its base64');
  const json = JSON.parse(text) as Record<string, unknown>;
  assert.equal(json.version, 1);
  assert.equal(json.baseUrl, SCHOOL);
  assert.equal(typeof (json.apiKey as { sealed?: unknown }).sealed, 'string');
  if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'owner-only');
  assert.deepEqual(fs.readdirSync(path.dirname(file)), [PROVIDER_FILE], 'no temporary file left');

  // The next start: a new store on the same file.
  const second = stubEngine();
  const again = store(file, { secrets: standInSecrets(), engine: second.engine, lines });
  await again.load();
  assert.deepEqual(await again.get(), saved);
  assert.deepEqual(second.configured, [{ ...school, apiKey: KEY }], 'configured with the opened key at start-up');

  // A change without a key keeps it; clearKey forgets it (in the file too).
  const renamed = await again.set({ model: 'llama-3.1-8b' });
  assert.equal(renamed.hasKey, true);
  assert.equal(keyOf(second.configured.at(-1)), KEY);
  const cleared = await again.set({ clearKey: true });
  assert.deepEqual([cleared.hasKey, cleared.keyStorage], [false, 'none']);
  assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as { apiKey?: unknown }).apiKey, undefined);
  assert.equal(keyOf(second.configured.at(-1)), undefined);

  // Back to local: the address and model are kept for switching back.
  const local = await again.set({ kind: 'local' });
  assert.deepEqual([local.kind, local.baseUrl, local.model], ['local', SCHOOL, 'llama-3.1-8b']);
  assert.deepEqual(second.configured.at(-1), { kind: 'local' });

  for (const l of lines) assert.ok(!l.includes(KEY), `no key in the log: ${l}`);
  const applied = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === 'provider.applied');
  assert.ok(applied.some((e) => e.reason === 'saved' && e.kind === 'openai-compatible' && e.keyStorage === 'encrypted' && e.outcome === 'ok'));
  assert.ok(applied.some((e) => e.reason === 'startup' && e.outcome === 'ok'));
  for (const e of applied) assert.equal(e.baseUrl, undefined, 'the log has no address');
});

test('encryption unavailable: the key is kept for this session only (never in the file), and says so', async () => {
  const file = tempFile();
  const e = stubEngine();
  const s = store(file, { secrets: standInSecrets({ available: false }), engine: e.engine });
  await s.load();
  assert.equal((await s.get()).encryptionAvailable, false);
  const saved = await s.set({ ...school, apiKey: KEY });
  assert.deepEqual([saved.hasKey, saved.keyStorage, saved.encryptionAvailable], [true, 'session', false]);
  assert.equal(keyOf(e.configured.at(-1)), KEY, 'the engine has it for this session');
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(!text.includes(KEY));
  assert.equal((JSON.parse(text) as { apiKey?: unknown }).apiKey, undefined, 'no key in the file');
  // The next start has the settings but no key.
  const next = store(file, { secrets: standInSecrets({ available: false }) });
  assert.deepEqual(await next.get(), { ...school, hasKey: false, keyStorage: 'none', encryptionAvailable: false });
});

test('a sealed key that cannot be opened now stays in the file (a save keeps it) and the page is told there is none', async () => {
  const file = tempFile();
  await store(file).set({ ...school, apiKey: KEY });
  const sealed = (JSON.parse(fs.readFileSync(file, 'utf8')) as { apiKey: { sealed: string } }).apiKey.sealed;
  const lines: string[] = [];
  const locked = store(file, { secrets: standInSecrets({ available: false }), lines });
  assert.equal((await locked.get()).hasKey, false);
  await locked.set({ fallbackToLocal: false });
  assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as { apiKey: { sealed: string } }).apiKey.sealed, sealed, 'kept for when it opens again');
  assert.ok(lines.some((l) => l.includes('"provider-key-unavailable"')));
  // Opened again later (the keychain is back): the key is there.
  assert.equal((await store(file).get()).hasKey, true);
});

test('Linux without a secret store (safeStorage basic_text) counts as no encryption', () => {
  const inner = { ...standInSecrets(), getSelectedStorageBackend: () => 'basic_text' };
  assert.equal(systemSecrets(inner, 'linux').isEncryptionAvailable(), false);
  assert.equal(systemSecrets({ ...inner, getSelectedStorageBackend: () => 'gnome_libsecret' }, 'linux').isEncryptionAvailable(), true);
  assert.equal(systemSecrets(inner, 'darwin').isEncryptionAvailable(), true, 'only Linux has that backend');
});

test('a damaged or unreadable file gives the local provider, logged without its contents; the next save replaces it', async () => {
  for (const contents of ['{"version": 1, "kind": "openai-compat', JSON.stringify({ version: 2, kind: 'local', secret: KEY }), '[]', '']) {
    const file = tempFile();
    fs.writeFileSync(file, contents);
    const e = stubEngine();
    const lines: string[] = [];
    const s = store(file, { engine: e.engine, lines });
    const got = await s.get();
    assert.equal(got.kind, 'local', contents);
    assert.deepEqual(e.configured, [{ kind: 'local' }]);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0] ?? '', /"event":"app.error","where":"provider-settings-damaged"/);
    for (const l of lines) assert.ok(!l.includes(KEY) && !l.includes('openai-compat'), `nothing of the file in the log: ${l}`);
    await s.set(school);
    assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as { kind: string }).kind, 'openai-compatible');
  }
  // A folder where the file should be: unreadable.
  const file = tempFile();
  fs.mkdirSync(file);
  const lines: string[] = [];
  assert.equal((await store(file, { lines }).get()).kind, 'local');
  assert.match(lines[0] ?? '', /"where":"provider-settings-unreadable"/);
});

test('a configuration the engine refuses changes nothing: settings, key and file stay as they were', async () => {
  const file = tempFile();
  const e = stubEngine();
  const s = store(file, { engine: e.engine });
  const before = await s.set({ ...school, apiKey: KEY });
  const fileBefore = fs.readFileSync(file, 'utf8');
  const configuredBefore = e.configured.length;
  // The engine's own words name its fields and, here, the new key (it never should: the store replaces it anyway).
  e.refuseWith(coded('INVALID_REQUEST', `provider.timeoutMs must be between 100 and 600000 (key ${OTHER_KEY}).`));
  await assert.rejects(
    s.set({ timeoutMs: 50, apiKey: OTHER_KEY }),
    (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.equal(err.code, 'INVALID_REQUEST');
      assert.equal(err.message, 'The time limit must be between 100 and 600000 (key [the API key]).');
      return true;
    },
  );
  e.refuseWith(null);
  assert.deepEqual(await s.get(), before);
  assert.equal(fs.readFileSync(file, 'utf8'), fileBefore, 'the file is untouched');
  assert.equal(e.configured.length, configuredBefore);
  // Still the old key.
  await s.set({ model: 'other' });
  assert.equal(keyOf(e.configured.at(-1)), KEY);

  // The store's own checks: a school server needs an address and a model.
  const fresh = store(tempFile());
  await assert.rejects(fresh.set({ kind: 'openai-compatible', model: 'm' }), /Enter the school server's address/);
  await assert.rejects(fresh.set({ kind: 'openai-compatible', baseUrl: SCHOOL }), /Enter the name of the model/);
  assert.equal((await fresh.get()).kind, 'local');
});

test("the real addon's configure refuses a bad provider: nothing changes, and the message is in words", async () => {
  const file = tempFile();
  const s = store(file, { engine: providerEngineOf(native) });
  const before = await s.set({ ...school, apiKey: KEY });
  assert.equal((await native.healthCheck()).provider.baseUrl, SCHOOL);
  const fileBefore = fs.readFileSync(file, 'utf8');
  for (const [patch, message] of [
    [{ timeoutMs: 50 }, /^The time limit must be between 100 and 600000/],
    [{ baseUrl: 'ftp://llm.school.example/v1' }, /^The server address must be an http:\/\/ or https:\/\/ URL/],
    [{ apiKey: 'two words' }, /^The API key must be printable, without spaces/],
  ] as const) {
    await assert.rejects(s.set(patch), (err: unknown) => {
      assert.ok(err instanceof ProviderError, String(err));
      assert.equal(err.code, 'INVALID_REQUEST');
      assert.match(err.message, message);
      assert.ok(!err.message.includes(KEY) && !err.message.includes('two words'));
      return true;
    });
  }
  assert.deepEqual(await s.get(), before);
  assert.equal(fs.readFileSync(file, 'utf8'), fileBefore);
  const health = (await native.healthCheck()).provider;
  assert.deepEqual([health.kind, health.baseUrl, health.model], ['openai-compatible', SCHOOL, school.model], 'the engine keeps the previous provider');
  assert.ok(!JSON.stringify(health).includes(KEY));
  await s.set({ kind: 'local' });
  assert.equal((await native.healthCheck()).provider.kind, 'local');
});

test('a failed write puts the engine back and changes nothing', async () => {
  const file = tempFile();
  const e = stubEngine();
  const s = store(file, { engine: e.engine });
  await s.set(school);
  // The temporary file's name taken by a folder: writing it fails.
  fs.mkdirSync(`${file}.${process.pid}.tmp`);
  await assert.rejects(s.set({ model: 'other', apiKey: KEY }), (err: unknown) => {
    assert.ok(err instanceof ProviderError);
    assert.equal(err.code, 'ENGINE_ACTION_FAILED');
    assert.match(err.message, /could not be saved in .*provider\.json \(E[A-Z]+\)\. Nothing was changed\./);
    assert.ok(!err.message.includes(KEY));
    return true;
  });
  assert.deepEqual(e.configured.at(-1), school, 'the engine is back on the saved provider');
  assert.equal((await s.get()).model, school.model);
  assert.equal((await s.get()).hasKey, false);
  fs.rmdirSync(`${file}.${process.pid}.tmp`);
});

test('Test connection: the typed key, else the saved one only for its own server; errors and names never show a key', async () => {
  const e = stubEngine();
  const s = store(tempFile(), { engine: e.engine });
  await s.set({ ...school, apiKey: KEY });
  assert.deepEqual(await s.test({ baseUrl: `${SCHOOL}/` }), { models: ['m1', 'm2'] });
  assert.equal(e.queries.at(-1)?.apiKey, KEY, 'the saved key, for the saved server');
  assert.equal(e.queries.at(-1)?.timeoutMs, 15_000);
  await s.test({ baseUrl: SCHOOL, apiKey: OTHER_KEY });
  assert.equal(e.queries.at(-1)?.apiKey, OTHER_KEY, 'the typed key wins');
  await s.test({ baseUrl: 'https://elsewhere.example/v1' });
  assert.equal(e.queries.at(-1)?.apiKey, undefined, 'never the saved key to another server');
  await s.test({ baseUrl: 'http://llm.school.example/v1' });
  assert.equal(e.queries.at(-1)?.apiKey, undefined, 'nor to another scheme of it');
  assert.deepEqual(e.queries.at(-1), { kind: 'openai-compatible', baseUrl: 'http://llm.school.example/v1', timeoutMs: 15_000 });

  // The engine's coded errors pass on in their own words, with any key replaced.
  e.answerWith(() => Promise.reject(coded('ENGINE_DOWN', `llm.school.example refused the API key ${KEY}.`)));
  await assert.rejects(s.test({ baseUrl: SCHOOL }), (err: unknown) => {
    assert.ok(err instanceof ProviderError);
    assert.equal(err.code, 'ENGINE_DOWN');
    assert.equal(err.message, 'llm.school.example refused the API key [the API key].');
    return true;
  });
  e.answerWith(() => Promise.reject(coded('ENGINE_BUSY', `busy ${encodeURIComponent(OTHER_KEY + '/')}`)));
  await assert.rejects(s.test({ baseUrl: SCHOOL, apiKey: `${OTHER_KEY}/` }), (err: unknown) => {
    assert.ok(err instanceof ProviderError && !err.message.includes(OTHER_KEY) && err.message.includes('[the API key]'), String(err));
    return true;
  });
  // Not coded (a bug): a fixed sentence, nothing of the error.
  e.answerWith(() => Promise.reject(new TypeError(`cannot read ${KEY}`)));
  await assert.rejects(s.test({ baseUrl: SCHOOL }), (err: unknown) => {
    assert.ok(err instanceof ProviderError);
    assert.equal(err.code, 'ENGINE_ACTION_FAILED');
    assert.ok(!err.message.includes(KEY));
    return true;
  });
  // The names: strings only, no duplicates, none that holds the key.
  e.answerWith(async () => ['a', 'a', '', `echo-${KEY}`, 7 as unknown as string, 'b']);
  assert.deepEqual(await s.test({ baseUrl: SCHOOL }), { models: ['a', 'b'] });
});

test('saves run one at a time, each on what the one before it saved', async () => {
  const file = tempFile();
  const s = store(file);
  await Promise.all([s.set(school), s.set({ model: 'b' }), s.set({ fallbackToLocal: false }), s.set({ apiKey: KEY })]);
  const got = await s.get();
  assert.deepEqual([got.kind, got.model, got.fallbackToLocal, got.hasKey], ['openai-compatible', 'b', false, true]);
  assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as { model: string }).model, 'b');
});

test("the start-up warm-up loads this computer's model only when it may answer", async () => {
  const s = store(tempFile());
  await s.load();
  assert.equal(s.needsLocalModel(), true, 'local');
  await s.set(school);
  assert.equal(s.needsLocalModel(), true, 'a school server with the fallback');
  await s.set({ fallbackToLocal: false });
  assert.equal(s.needsLocalModel(), false, 'a school server alone');
});
