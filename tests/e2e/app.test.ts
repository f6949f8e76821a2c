// The renderer in Debian Chromium, against the real engine through the test harness (same service as
// Electron's main). Screenshots go to artifacts/e2e/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { API_FUNCTIONS } from '../../preload/api';
import os from 'node:os';
import { ROOT, freePort, launch, screenshot, startHarness, type Harness } from './browser';

const ESSAY = fs.readFileSync(path.join(ROOT, 'examples', 'essay.txt'), 'utf8');
/** A sentence of the essay that must never show up in the log. */
const MARKER = 'Every weekday morning, millions of teenagers drag themselves out of bed before the sun comes up.';
const QUESTION = 'How could I make my conclusion stronger?';

let browser: Browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The assessment's comments (the panel also lists the checks made as you type). */
const ASSESSED = '[data-testid="comment"][data-list="assessment"]';
/** The text of chat messages, without notes such as "(stopped)" or "— cut off". */
const MESSAGE_TEXT = '[data-testid="chat-message"]:not([data-cancelled]) .msg-text';

async function openApp(h: Harness): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(h.url);
  return { page, errors };
}

/** Records the text of the newest assistant bubble every time it changes, until it stops streaming. */
async function recordReply(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { replySteps: string[] };
    w.replySteps = [];
    const log = document.getElementById('chat-log');
    if (!log) throw new Error('no chat log');
    new MutationObserver(() => {
      const bubbles = log.querySelectorAll('[data-role="assistant"]');
      const last = bubbles[bubbles.length - 1];
      if (last?.classList.contains('streaming') && last.textContent) w.replySteps.push(last.textContent);
    }).observe(log, { childList: true, subtree: true, characterData: true });
  });
}

describe('with the default model', () => {
  let harness: Harness;
  let page: Page;
  let errors: string[];
  // History in a real SQLite file; a fixed port so a restarted harness serves the same origin.
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-e2e-'));
  const env = { SAMSARA_STORE: path.join(storeDir, 'samsara.db') };
  let port = 0;

  before(async () => {
    port = await freePort();
    harness = await startHarness(env, port);
    ({ page, errors } = await openApp(harness));
  });
  after(async () => {
    await harness?.stop();
    fs.rmSync(storeDir, { recursive: true, force: true });
  });

  test('the marker sentence is in the essay', () => assert.ok(ESSAY.includes(MARKER)));

  test('window.api has exactly the listed functions; the page has no Node or IPC', async () => {
    const keys = await page.evaluate(() => Object.keys(window.api).sort());
    assert.deepEqual(keys, [...API_FUNCTIONS].sort());
    const globals = await page.evaluate(() => {
      const g = globalThis as Record<string, unknown>;
      return [typeof g.require, typeof g.process, typeof g.ipcRenderer, typeof g.module];
    });
    assert.deepEqual(globals, ['undefined', 'undefined', 'undefined', 'undefined']);
    await page.getByTestId('health-status').filter({ hasText: /Model (ready|loading|not loaded)/ }).waitFor();
  });

  test('assess the example essay: comments, at least one highlight, a summary', { timeout: 240_000 }, async () => {
    await page.getByTestId('essay-input').fill(ESSAY);
    await page.getByTestId('assess-button').click();
    assert.equal(await page.getByTestId('assess-button').isDisabled(), true, 'Assess is disabled while it runs');
    await page.locator(ASSESSED).first().waitFor({ timeout: 200_000 });
    assert.equal(await page.getByTestId('assess-button').isDisabled(), false);
    const comments = await page.locator(ASSESSED).count();
    const highlights = page.getByTestId('highlight');
    assert.ok(comments >= 1, `${comments} comments`);
    assert.ok((await highlights.count()) >= 1, 'at least one inline comment is highlighted in the essay');
    const summary = (await page.getByTestId('summary').textContent()) ?? '';
    assert.ok(summary.replace('Summary', '').trim().length > 20, `summary: ${summary}`);
    assert.match((await page.getByTestId('metrics').textContent()) ?? '', /\d+ words · \d+ sentences/);

    // The highlighted text is (part of, where a shorter span sits inside it) the quoted span, and
    // clicking the comment shows (activates) its span.
    const mark = highlights.first();
    const index = await mark.getAttribute('data-index');
    const item = page.locator(`${ASSESSED}[data-index="${index}"]`);
    const quote = (await item.locator('blockquote').textContent()) ?? '';
    assert.ok(quote.includes(((await mark.textContent()) ?? '\u0000').trim()), `"${await mark.textContent()}" is in "${quote}"`);
    await item.click();
    assert.match((await mark.getAttribute('class')) ?? '', /active/);
    await screenshot(page, 'assess');
  });

  test('chat: the reply grows in at least two steps before it completes', { timeout: 180_000 }, async () => {
    await recordReply(page);
    await page.getByTestId('chat-input').fill(QUESTION);
    await page.getByTestId('chat-send').click();
    const reply = page.locator('[data-testid="chat-message"][data-role="assistant"]').last();
    await reply.waitFor();
    assert.equal(await page.getByTestId('chat-send').isDisabled(), true, 'Send is disabled while the reply streams');
    assert.equal(await page.getByTestId('cancel-button').isDisabled(), false);
    await page.waitForFunction(() => !document.querySelector('[data-role="assistant"].streaming'), null, { timeout: 170_000 });
    const steps = await page.evaluate(() => (window as unknown as { replySteps: string[] }).replySteps);
    const distinct = [...new Set(steps)];
    const final = ((await reply.textContent()) ?? '').trim();
    assert.ok(distinct.length >= 2, `the reply grew in ${distinct.length} steps`);
    assert.ok(final.length > 0 && final.startsWith((distinct[0] ?? '').trim().slice(0, 5)));
    assert.ok(distinct.every((s, i) => i === 0 || s.length > (distinct[i - 1] ?? '').length), 'each step adds text');
    const user = page.locator('[data-testid="chat-message"][data-role="user"]').last();
    assert.equal(await user.locator('.msg-text').textContent(), QUESTION);
    assert.equal(await page.getByTestId('chat-send').isDisabled(), false);
    await screenshot(page, 'chat');
  });

  test('chat: cancel stops the reply and the app stays usable', { timeout: 120_000 }, async () => {
    await page.getByTestId('chat-input').fill('Write a very long story about my essay.');
    await page.getByTestId('chat-send').click();
    const reply = page.locator('[data-testid="chat-message"][data-role="assistant"]').last();
    await page.waitForFunction(() => (document.querySelector('[data-role="assistant"].streaming')?.textContent ?? '').length > 0, null, {
      timeout: 100_000,
    });
    const t0 = Date.now();
    await page.getByTestId('cancel-button').click();
    await page.locator('[data-testid="chat-message"][data-role="assistant"][data-cancelled="true"]').last().waitFor({ timeout: 5_000 });
    assert.ok(Date.now() - t0 < 5_000);
    assert.match((await reply.textContent()) ?? '', /stopped/i);
    assert.equal(await page.getByTestId('chat-send').isDisabled(), false);
    assert.equal(await page.getByTestId('toast').count(), 0, 'a cancel is not an error');
    const health = await page.evaluate(() => window.api.healthCheck());
    assert.ok(health.ok && health.data.queue.running === 0, 'nothing keeps running');
    await screenshot(page, 'cancelled');
  });

  test('a request with another Host (a DNS-rebinding page) reads nothing', async () => {
    const get = (host: string, pathname: string, method = 'GET') =>
      new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(method === 'POST' ? 'null' : undefined);
      });
    assert.equal(await get(`127.0.0.1:${port}`, '/'), 200, 'the page itself');
    assert.equal(await get(`attacker.example:${port}`, '/'), 421);
    assert.equal(await get(`attacker.example:${port}`, '/api/listWords', 'POST'), 421);
  });

  test('the CSP blocks inline scripts and remote origins', async () => {
    await page.addScriptTag({ content: 'window.inlineRan = true;' }).catch(() => undefined);
    assert.equal(await page.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan), undefined);
    const remote = await page.evaluate(() =>
      fetch('http://example.com/').then(
        () => 'fetched',
        () => 'blocked',
      ),
    );
    assert.equal(remote, 'blocked');
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  });

  test('the harness log has lifecycle lines and no essay or chat text', async () => {
    await harness.stop();
    const out = harness.output();
    assert.match(out, /"event":"request.end","requestId":"[0-9a-f-]{36}","action":"assessEssay","durationMs":\d+,"outcome":"ok"/);
    assert.match(out, /"action":"chat","durationMs":\d+,"outcome":"cancelled","code":"CANCELLED"/);
    for (const secret of [MARKER, QUESTION, 'Write a very long story', 'teenagers']) {
      assert.ok(!out.includes(secret), `the log contains "${secret}"`);
    }
  });

  test('reopened after a restart: the essay, its saved assessment with highlights, and the chat come back', { timeout: 120_000 }, async () => {
    const before = {
      comments: await page.locator(ASSESSED).allTextContents(),
      // The completed exchange is saved; the cancelled one is not (its question shows only until then).
      chat: await page.locator(MESSAGE_TEXT).allTextContents(),
    };
    harness = await startHarness(env, port); // a new process on the same history file
    await page.reload();
    await page.locator(ASSESSED).first().waitFor({ timeout: 30_000 });
    assert.deepEqual(await page.locator(ASSESSED).allTextContents(), before.comments);
    assert.ok((await page.getByTestId('highlight').count()) >= 1, 'the text is unchanged, so the highlights are back');
    assert.equal(await page.getByTestId('past-assessment').count(), 1);
    assert.equal(await page.getByTestId('feedback-note').isHidden(), true);
    const chat = page.locator('[data-testid="chat-message"]');
    await chat.nth(1).waitFor();
    const restored = await page.locator(MESSAGE_TEXT).allTextContents();
    assert.equal(restored[0], QUESTION);
    assert.deepEqual(restored, before.chat.slice(0, 2));
    await screenshot(page, 'reopened');

    // A new essay starts empty; picking the first one again brings everything back.
    const first = await page.getByTestId('essay-picker').inputValue();
    await page.getByTestId('new-essay').click();
    assert.equal(await page.getByTestId('essay-input').inputValue(), '');
    assert.equal(await page.getByTestId('comment').count(), 0);
    assert.equal(await chat.count(), 0);
    assert.equal(await page.locator('[data-testid="essay-picker"] option').count(), 2);
    await page.getByTestId('essay-picker').selectOption(first);
    await page.locator(ASSESSED).first().waitFor();
    await chat.nth(1).waitFor();
    assert.equal(await page.getByTestId('essay-view').textContent(), ESSAY);

    // An edited text keeps its saved feedback, marked as about an earlier version (no highlights).
    await page.getByRole('button', { name: 'Edit text' }).click();
    await page.getByTestId('essay-input').fill(`${ESSAY}\nOne more line.`);
    await page.reload();
    await page.locator(ASSESSED).first().waitFor();
    await page.getByTestId('feedback-note').filter({ hasText: /earlier version/ }).waitFor();
    assert.equal(await page.getByTestId('highlight').count(), 0);

    // Clear chat removes the saved conversation.
    await chat.nth(1).waitFor();
    await page.getByTestId('chat-clear').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="chat-message"]').length === 0);
    await page.reload();
    await page.locator(ASSESSED).first().waitFor();
    assert.equal(await chat.count(), 0);
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  });
});

describe('with a corrupt history file', () => {
  test('the app works, the status stays usable and one toast says history is not being saved', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-e2e-corrupt-'));
    const file = path.join(dir, 'samsara.db');
    fs.writeFileSync(file, Buffer.alloc(16 * 1024, 0x42));
    const harness = await startHarness({ SAMSARA_STORE: file });
    try {
      const { page } = await openApp(harness);
      const toast = page.locator('[data-testid="toast"][data-code="STORE_DEGRADED"]');
      await toast.waitFor({ timeout: 20_000 });
      const text = (await toast.textContent()) ?? '';
      assert.ok(text.includes(file), text);
      await page.getByTestId('health-status').filter({ hasText: /Model (ready|not loaded|loading)/ }).waitFor();
      await page.waitForTimeout(5_000); // the status polls again: still one toast
      assert.equal(await toast.count(), 1);
      assert.equal(await page.getByTestId('assess-button').isDisabled(), false);
      await screenshot(page, 'store-degraded');
    } finally {
      await harness.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('with a broken model path', () => {
  test('Assess shows a toast with the ENGINE_DOWN message, and the status says failed', { timeout: 120_000 }, async () => {
    const missing = '/nonexistent/samsara/broken-model.gguf';
    const harness = await startHarness({ SAMSARA_MODEL: missing });
    try {
      const { page } = await openApp(harness);
      await page.getByTestId('essay-input').fill(ESSAY);
      await page.getByTestId('assess-button').click();
      const toast = page.getByTestId('toast');
      await toast.waitFor({ timeout: 30_000 });
      assert.equal(await toast.getAttribute('data-code'), 'ENGINE_DOWN');
      const text = (await toast.textContent()) ?? '';
      assert.match(text, /not available/);
      assert.ok(text.includes(missing), text);
      await page.getByTestId('health-status').filter({ hasText: /Model failed/ }).waitFor({ timeout: 10_000 });
      assert.equal(await page.getByTestId('assess-button').isDisabled(), false, 'Assess can be tried again');
      assert.equal(await page.getByTestId('essay-input').inputValue(), ESSAY, 'the essay is kept');
      await screenshot(page, 'engine-down');
    } finally {
      await harness.stop();
    }
  });
});
