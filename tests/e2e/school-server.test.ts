// Settings → School server (issue 19), in Debian Chromium through the test harness, which wires main's
// own settings module (electron/provider-settings.ts) with a TEST STAND-IN for Electron's safeStorage
// (tests/harness/secrets-stand-in.ts) and the real addon. The school server is a small OpenAI-compatible
// STUB written here (GET /v1/models answers two models and checks the Authorization header; POST
// /v1/chat/completions streams one answer): a stand-in for the HTTP peer of this UI test only — the
// provider itself is tested against a fault server (tests/provider/) and llama.cpp's real server.
// The student chooses School server, types the address, model and key, tests the connection (the
// models are offered in the Model field; a wrong key gets the server's refusal in words), saves, and
// after a reload the key field is empty with "Saved — type to replace": the key is in no answer of
// window.api, nowhere in the page, and not in the harness's log. A chat goes to the school server and
// says so; the notes for "from the school server" and "this computer answered" are shown; the status
// pill names the server and says when it is unreachable; then back to this computer. Screenshots at
// three sizes in light and dark, axe-core on the panel.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { ProviderSettings } from '../../preload/api';
import { axe, closeApp, freePort, openApp, sharedBrowser, shootAll, type Harness } from './browser';

const browserOf = sharedBrowser();

const KEY = 'sk-school-e2e-Qm4Zt8Yw2Rv6Kp1X';
const WRONG_KEY = 'sk-wrong-e2e-Jd3Hs9Lf5Ng7Bc2V';
const REPLY = 'Start your conclusion with your main point.';
const ESSAY = 'Homework helps students practise. But to much homework leaves no time for rest.';

/** The stub school server: what it saw, and its address. */
interface Stub {
  base: string;
  auth: string[];
  chats: number;
  close(): Promise<void>;
}

async function startStub(): Promise<Stub> {
  const server = http.createServer();
  const stub: Stub = {
    base: '',
    auth: [],
    chats: 0,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const auth = req.headers.authorization ?? '';
      stub.auth.push(auth);
      if (auth !== `Bearer ${KEY}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"Invalid API key"}}');
        return;
      }
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'm1', object: 'model' }, { id: 'm2', object: 'model' }] }));
        return;
      }
      if (req.method === 'POST' && req.url === '/v1/chat/completions') {
        stub.chats++;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const chunk = (content: string, finish: string | null) =>
          `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
        res.write(chunk('Start your conclusion ', null));
        res.end(`${chunk('with your main point.', 'stop')}data: [DONE]\n\n`);
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stub.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return stub;
}

async function noViolations(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const v = await axe(page, `${name}-${colorScheme}`);
    assert.deepEqual(v, [], `axe (${name}, ${colorScheme}): ${JSON.stringify(v, null, 2)}`);
  }
  await page.emulateMedia({ colorScheme: null });
}

async function openSettings(page: Page): Promise<void> {
  if (!(await page.getByTestId('settings-panel').isVisible())) {
    await page.getByTestId('settings-button').click();
    await page.getByTestId('settings-panel').waitFor({ state: 'visible' });
  }
  // The section shows the saved settings once getProvider has answered.
  await page.waitForFunction(() => document.getElementById('provider')?.getAttribute('data-loaded') === 'true');
}

async function closeSettings(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.getByTestId('settings-panel').waitFor({ state: 'hidden' });
}

async function ready(page: Page): Promise<void> {
  await page.locator('#editor[data-check="done"]').waitFor({ state: 'attached', timeout: 30_000 });
}

const providerOf = (page: Page) => page.evaluate(() => window.api.getProvider()) as Promise<{ ok: boolean; data?: ProviderSettings }>;

/** Everything of the page a script could read: the markup, and every field's value. */
const pageText = (page: Page) =>
  page.evaluate(() => [document.documentElement.outerHTML, ...[...document.querySelectorAll('input, textarea, select')].map((e) => (e as HTMLInputElement).value)].join('\n'));

describe('Settings → School server (real engine, a stub school server)', () => {
  let stub: Stub;
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  /** The bodies of every window.api answer the page received (the key must be in none of them). */
  const answers: string[] = [];
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-e2e-school-'));

  before(async () => {
    stub = await startStub();
    ({ harness, context, page } = await openApp(browserOf(), { SAMSARA_STORE: path.join(storeDir, 'samsara.db') }, { bypassCSP: true }, errors));
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) void r.text().then((t) => answers.push(t), () => undefined);
    });
    await ready(page);
  });
  after(async () => {
    await closeApp({ harness, context }, storeDir);
    await stub?.close();
  });

  test('this computer by default: the server fields are hidden and out of the tab order', async () => {
    await openSettings(page);
    const kind = page.getByTestId('provider-kind');
    assert.equal(await kind.inputValue(), 'local');
    assert.deepEqual(
      await kind.evaluate((s) => [...(s as HTMLSelectElement).options].map((o) => [o.value, o.text])),
      [
        ['local', 'This computer'],
        ['openai-compatible', 'School server (OpenAI-compatible)'],
      ],
    );
    assert.equal(await page.getByLabel('The tutor runs on').getAttribute('data-testid'), 'provider-kind');
    for (const id of ['provider-url', 'provider-key', 'provider-model', 'provider-test', 'provider-fallback']) {
      assert.ok(await page.getByTestId(id).isHidden(), `${id} is hidden`);
    }
    assert.ok(await page.getByTestId('provider-save').isVisible());
    await noViolations(page, 'provider-local');
    await shootAll(page, 'provider-local', page.getByTestId('provider-section'));
  });

  test('School server: labelled fields; Test connection with a wrong key says so, with the right one offers the models', async () => {
    await openSettings(page);
    await page.getByTestId('provider-kind').selectOption('openai-compatible');
    for (const [label, id] of [
      ['Server address', 'provider-url'],
      ['API key', 'provider-key'],
      ['Model', 'provider-model'],
      ['When the school server can’t be reached, let this computer answer', 'provider-fallback'],
    ] as const) {
      assert.equal(await page.getByLabel(label, { exact: true }).getAttribute('data-testid'), id, label);
      assert.ok(await page.getByTestId(id).isVisible(), `${id} is shown`);
    }
    assert.equal(await page.getByTestId('provider-key').getAttribute('type'), 'password');
    assert.match((await page.getByTestId('provider-status').textContent()) ?? '', /Not saved yet/);

    await page.getByTestId('provider-url').fill(stub.base);
    await page.getByTestId('provider-key').fill(WRONG_KEY);
    await page.getByTestId('provider-test').click();
    const status = page.getByTestId('provider-test-status');
    await page.waitForFunction(() => document.querySelector('[data-testid="provider-test-status"]')?.getAttribute('data-state') === 'error');
    const refused = (await status.textContent()) ?? '';
    assert.ok(!refused.includes(WRONG_KEY), refused);
    assert.match(refused, /127\.0\.0\.1/, `names the server: ${refused}`);
    assert.equal(stub.auth.at(-1), `Bearer ${WRONG_KEY}`, 'the typed key went to the server');
    await noViolations(page, 'provider-test-error');
    await shootAll(page, 'provider-test-error', status);

    await page.getByTestId('provider-key').fill(KEY);
    await page.getByTestId('provider-model').fill('m2');
    await page.getByTestId('provider-test').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="provider-test-status"]')?.getAttribute('data-state') === 'ok');
    assert.match((await status.textContent()) ?? '', /^Connected: 2 models/);
    assert.equal(stub.auth.at(-1), `Bearer ${KEY}`);
    // The list is offered in the Model field (its datalist); what was typed stays.
    assert.equal(await page.getByTestId('provider-model').getAttribute('list'), 'provider-models');
    assert.deepEqual(await page.locator('#provider-models option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value)), ['m1', 'm2']);
    assert.equal(await page.getByTestId('provider-model').inputValue(), 'm2');
    await page.getByTestId('provider-model').fill('m1');
    await noViolations(page, 'provider-tested');
    await shootAll(page, 'provider-tested', page.getByTestId('provider-section'));
  });

  test('Save: the key field empties and says it is saved; after a reload the key is nowhere in the page, the answers or the log', async () => {
    await page.getByTestId('provider-fallback').check();
    await page.getByTestId('provider-save').click();
    await page.waitForFunction(() => /^Saved/.test(document.querySelector('[data-testid="provider-status"]')?.textContent ?? ''));
    const key = page.getByTestId('provider-key');
    assert.equal(await key.inputValue(), '');
    assert.equal(await key.getAttribute('placeholder'), 'Saved — type to replace');
    assert.match((await page.getByTestId('provider-key-note').textContent()) ?? '', /Kept encrypted on this computer/);
    const saved = await providerOf(page);
    assert.deepEqual(saved, {
      ok: true,
      data: { kind: 'openai-compatible', baseUrl: stub.base, model: 'm1', fallbackToLocal: true, hasKey: true, keyStorage: 'encrypted', encryptionAvailable: true },
    });
    const file = fs.readFileSync(path.join(storeDir, 'provider.json'), 'utf8');
    assert.ok(file.includes('"sealed"') && !file.includes(KEY), 'provider.json holds the key only sealed');
    await shootAll(page, 'provider-saved', page.getByTestId('provider-section'));
    await closeSettings(page);

    await page.reload();
    await ready(page);
    await openSettings(page);
    assert.equal(await page.getByTestId('provider-kind').inputValue(), 'openai-compatible');
    assert.equal(await page.getByTestId('provider-url').inputValue(), stub.base);
    assert.equal(await page.getByTestId('provider-model').inputValue(), 'm1');
    assert.ok(await page.getByTestId('provider-fallback').isChecked());
    assert.equal(await key.inputValue(), '');
    assert.equal(await key.getAttribute('placeholder'), 'Saved — type to replace');
    assert.ok(await page.getByTestId('provider-key-forget').isVisible());
    // Test connection without typing the key: main uses the saved one (the page never has it).
    await page.getByTestId('provider-test').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="provider-test-status"]')?.getAttribute('data-state') === 'ok');
    assert.equal(stub.auth.at(-1), `Bearer ${KEY}`);
    await noViolations(page, 'provider-saved');

    const text = await pageText(page);
    assert.ok(!text.includes(KEY), 'the key is not in the page');
    assert.ok(!JSON.stringify(await providerOf(page)).includes(KEY));
    await page.waitForTimeout(200); // the last answers' bodies are read
    assert.ok(answers.length > 5);
    for (const a of answers) assert.ok(!a.includes(KEY) && !a.includes(WRONG_KEY), `an answer holds a key: ${a.slice(0, 200)}`);
    const log = harness.output();
    assert.ok(log.includes('"event":"provider.applied"'));
    assert.ok(!log.includes(KEY) && !log.includes(WRONG_KEY), 'no key in the harness log');
    await closeSettings(page);
  });

  test('the status pill names the school server; a chat goes there and says so', { timeout: 120_000 }, async () => {
    await page.waitForFunction(() => document.getElementById('health')?.textContent === 'School server: m1', undefined, { timeout: 40_000 });
    assert.equal(await page.getByTestId('health-status').getAttribute('data-state'), 'ready');
    await page.getByTestId('health-status').focus();
    const details = (await page.getByTestId('health-details').textContent()) ?? '';
    assert.match(details, /School server/);
    assert.match(details, /This computer/);
    // The tutor answers about an essay (without one, this computer says so itself).
    await page.getByTestId('essay-input').fill(ESSAY);
    await ready(page);
    await page.getByTestId('chat-input').fill('How do I end my essay?');
    await page.getByTestId('chat-send').click();
    const reply = page.locator('[data-testid="chat-message"][data-role="assistant"]').last();
    await page.waitForFunction(() => document.getElementById('chat-log')?.getAttribute('aria-busy') === 'false' && !document.querySelector('.msg.streaming'), undefined, { timeout: 90_000 });
    assert.equal(await reply.locator('.msg-text').textContent(), REPLY);
    assert.ok(stub.chats >= 1, 'the school server answered');
    assert.equal((await reply.getByTestId('chat-answered-by').textContent())?.trim(), 'From the school server');
    assert.equal(await reply.getByTestId('chat-answered-by').getAttribute('data-fallback'), 'false');
    await shootAll(page, 'provider-chat', reply);
  });

  test('who answered: the notes under the feedback and in the chat, the fallback in words (results as the engine gives them)', async () => {
    // The page's handling of the results' answeredBy / fallbackReason, on results set here (the engine's
    // own fallback needs its model and a failing server: the provider's tests cover it).
    const fallback = 'The school server at 127.0.0.1 could not be reached.';
    await page.route('**/api/chat', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/x-ndjson',
        body: `${JSON.stringify({ result: { ok: true, data: { reply: 'Fine.', historyUsed: 0, finishReason: 'stop', answeredBy: 'local', fallbackReason: fallback } } })}\n`,
      }),
      { times: 1 },
    );
    await page.getByTestId('chat-input').fill('Another question?');
    await page.getByTestId('chat-send').click();
    const reply = page.locator('[data-testid="chat-message"][data-role="assistant"]').last();
    await reply.getByTestId('chat-answered-by').waitFor();
    assert.equal((await reply.getByTestId('chat-answered-by').textContent())?.trim(), 'The school server could not be reached, so this computer answered.');
    assert.equal(await reply.getByTestId('chat-answered-by').getAttribute('title'), fallback);

    const start = ESSAY.indexOf('to much');
    const assessment = {
      comments: [{ content: 'Use "too" here.', kind: 'inline', source: 'rules', category: 'spelling', anchor: { start, end: start + 2, quote: 'to' }, suggestions: ['too'] }],
      summary: 'A clear start.',
      metrics: { words: 14, sentences: 2, paragraphs: 1, characters: 80, avgSentenceLength: 7, fleschReadingEase: 70, fleschKincaidGrade: 6 },
      dialect: 'british',
      saved: true,
      usage: { promptTokens: 0, generatedTokens: 0 },
      answeredBy: 'openai-compatible',
    };
    await page.route('**/api/assessEssay', (route) =>
      route.fulfill({ status: 200, contentType: 'application/x-ndjson', body: `${JSON.stringify({ result: { ok: true, data: assessment } })}\n` }),
      { times: 1 },
    );
    await page.getByTestId('assess-button').click();
    const note = page.getByTestId('answered-by');
    await note.waitFor();
    assert.equal(await note.textContent(), 'From the school server');
    assert.equal(await note.getAttribute('data-fallback'), 'false');
    await noViolations(page, 'provider-answered-by');
    await shootAll(page, 'provider-feedback-note', note);
  });

  test('an unreachable server: the pill says so; Forget key; back to this computer', { timeout: 60_000 }, async () => {
    await openSettings(page);
    const closed = `http://127.0.0.1:${await freePort()}/v1`;
    await page.getByTestId('provider-url').fill(closed);
    await page.getByTestId('provider-save').press('Enter');
    await page.waitForFunction(() => /^Saved/.test(document.querySelector('[data-testid="provider-status"]')?.textContent ?? ''));
    await closeSettings(page);
    await page.waitForFunction(() => document.getElementById('health')?.textContent === 'School server unreachable', undefined, { timeout: 40_000 });
    assert.equal(await page.getByTestId('health-status').getAttribute('data-state'), 'failed');
    await shootAll(page, 'provider-unreachable', page.getByTestId('health-status'));

    await openSettings(page);
    await page.getByTestId('provider-key-forget').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="provider-key"]')?.getAttribute('placeholder') === 'If your school gave you one');
    assert.equal((await providerOf(page)).data?.hasKey, false);
    assert.ok(!fs.readFileSync(path.join(storeDir, 'provider.json'), 'utf8').includes('"sealed"'), 'the sealed key is gone from the file');
    // Keyboard only: the kind select, then Save.
    await page.getByTestId('provider-kind').focus();
    await page.getByTestId('provider-kind').selectOption('local');
    assert.ok(await page.getByTestId('provider-url').isHidden());
    await page.getByTestId('provider-save').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid="provider-status"]')?.textContent === 'Saved: the tutor runs on this computer.');
    assert.equal((await providerOf(page)).data?.kind, 'local');
    await closeSettings(page);
    await page.waitForFunction(() => /^Model /.test(document.getElementById('health')?.textContent ?? ''), undefined, { timeout: 20_000 });
    assert.ok(!harness.output().includes(KEY), 'still no key in the log');
  });

  test('no page errors', () => {
    assert.deepEqual(errors, []);
  });
});

describe('Settings → School server on a computer that cannot encrypt (the stand-in says so)', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-e2e-school-session-'));

  before(async () => {
    const env = { SAMSARA_STORE: path.join(storeDir, 'samsara.db'), SAMSARA_TEST_SAFE_STORAGE: 'unavailable' };
    ({ harness, context, page } = await openApp(browserOf(), env, { bypassCSP: true }, errors));
    await ready(page);
  });
  after(() => closeApp({ harness, context }, storeDir));

  test('the key is kept for this session only, and the section says so; the file never has it', async () => {
    await openSettings(page);
    await page.getByTestId('provider-kind').selectOption('openai-compatible');
    assert.match((await page.getByTestId('provider-key-note').textContent()) ?? '', /can’t encrypt a key: one you enter is kept only until Samsara closes/);
    await page.getByTestId('provider-url').fill('https://llm.school.example/v1');
    await page.getByTestId('provider-model').fill('m1');
    await page.getByTestId('provider-key').fill(KEY);
    await page.getByTestId('provider-key').press('Enter');
    await page.waitForFunction(() => /^Saved/.test(document.querySelector('[data-testid="provider-status"]')?.textContent ?? ''));
    assert.equal(await page.getByTestId('provider-key').inputValue(), '');
    assert.equal(await page.getByTestId('provider-key').getAttribute('placeholder'), 'Kept until Samsara closes — type to replace');
    assert.match((await page.getByTestId('provider-key-note').textContent()) ?? '', /kept only until Samsara closes; you will need to enter it again/);
    const saved = await providerOf(page);
    assert.deepEqual([saved.data?.hasKey, saved.data?.keyStorage, saved.data?.encryptionAvailable], [true, 'session', false]);
    const file = fs.readFileSync(path.join(storeDir, 'provider.json'), 'utf8');
    assert.ok(!file.includes(KEY) && !file.includes('"apiKey"'), 'no key in the file');
    assert.ok(!(await pageText(page)).includes(KEY));
    assert.ok(!harness.output().includes(KEY));
    await noViolations(page, 'provider-session');
    await shootAll(page, 'provider-session', page.getByTestId('provider-key'));
    assert.deepEqual(errors, []);
  });
});
