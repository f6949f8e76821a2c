// Issue 16, item 10, in Debian Chromium against the real engine through the test harness: comments are
// buttons (Enter and Space show their words in the essay), the text boxes have real labels, a finished
// assessment and the tutor's finished reply are announced once in a polite live region, the chat log
// is focusable and busy while the reply streams, bubbles say who speaks, toasts are announced once,
// the status pill's accessible name is its state, the active highlight has 4.5:1 contrast in both
// themes, and axe-core finds nothing serious or critical in any of these states (light and dark).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { axe, closeApp, openApp, sharedBrowser, shootAll, shootAt, type Harness } from './browser';
import { KEEP_NAMES, axInfo, contrastOf, failNextChat } from './ui-helpers';

const ESSAY = [
  'Homework After School',
  '',
  'Homework helps students practise what they learn in class. But to much homework leaves no time for rest, sport or family. Teh students in my class is tired every night.',
  '',
  'Schools should set less homework, so that students can sleep and still learn. A short task every day works better than a long one at the weekend.',
].join('\n');
const QUESTION = 'What is the main idea of my essay?';
const ASSESSED = '[data-testid="comment"][data-list="assessment"]';

const browserOf = sharedBrowser();

/** axe-core in the light and the dark theme. */
async function axeBoth(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    assert.deepEqual(await axe(page, `${name}-${colorScheme}`), [], `axe, ${name}, ${colorScheme}`);
  }
  await page.emulateMedia({ colorScheme: null });
}

/** Records what the polite announcer says (each text it is given) and the chat log's aria-busy values. */
async function record(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { said: string[]; busy: string[]; recording?: boolean };
    w.said = [];
    w.busy = [];
    if (w.recording) return; // the observers are there: they write to the new lists
    w.recording = true;
    const announcer = document.getElementById('announcer');
    const log = document.getElementById('chat-log');
    if (!announcer || !log) throw new Error('no announcer or chat log');
    new MutationObserver(() => {
      if (announcer.textContent) w.said.push(announcer.textContent);
    }).observe(announcer, { childList: true, characterData: true, subtree: true });
    new MutationObserver(() => w.busy.push(log.getAttribute('aria-busy') ?? '')).observe(log, { attributes: true, attributeFilter: ['aria-busy'] });
  });
}

async function said(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { said: string[] }).said);
}

describe('accessibility (real engine)', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-e2e-a11y-'));
  const env = { SAMSARA_STORE: path.join(storeDir, 'samsara.db') };

  before(async () => {
    ({ harness, context, page } = await openApp(browserOf(), env, { bypassCSP: true }, errors));
    await page.getByTestId('essay-input').waitFor();
    await page.evaluate(KEEP_NAMES);
  });
  after(() => closeApp({ harness, context }, storeDir));

  test('the text boxes have real labels; the pill is named by its state; the chat log is focusable', async () => {
    for (const id of ['essay-input', 'chat-input']) {
      const labels = await page.locator(`#${id}`).evaluate((t) => [...((t as HTMLTextAreaElement).labels ?? [])].map((l) => l.textContent?.trim()));
      assert.equal(labels.length, 1, `#${id} has a <label>`);
      const ax = await axInfo(page, `#${id}`);
      assert.equal(ax.name, labels[0], `#${id} is named by its label`);
    }
    await page.getByTestId('health-status').filter({ hasText: /^Model / }).waitFor();
    const pill = await axInfo(page, '#health');
    assert.equal(pill.role, 'button');
    assert.match(pill.name ?? '', /^Model (ready|loading|not loaded|failed)/);
    assert.equal(pill.name, (await page.getByTestId('health-status').textContent())?.trim());
    const log = page.getByTestId('chat-log');
    assert.equal(await log.getAttribute('tabindex'), '0');
    assert.equal(await log.getAttribute('aria-live'), null, 'the log itself is not live: the finished reply is announced once');
    assert.equal((await axInfo(page, '#chat-log')).name, 'Conversation');
    await axeBoth(page, 'a11y-empty');
  });

  test('a finished assessment is announced; comments are buttons that mark their words', { timeout: 300_000 }, async () => {
    await record(page);
    await page.getByTestId('essay-input').fill(ESSAY);
    await page.getByTestId('essay-input').focus();
    await page.keyboard.press('Control+Enter');
    await page.locator(ASSESSED).first().waitFor({ timeout: 240_000 });
    await page.waitForFunction(() => (window as unknown as { said: string[] }).said.some((s) => s.startsWith('Assessment finished')), null, { timeout: 5_000 });
    const finished = (await said(page)).filter((s) => s.startsWith('Assessment finished'));
    assert.equal(finished.length, 1, 'announced once');
    assert.match(finished[0] ?? '', /^Assessment finished: \d+ comments?( and a summary)?\.$/);
    assert.equal(await page.getByTestId('announcer').getAttribute('role'), 'status');

    // Each comment is a button; those with highlighted words mark them on Enter and on Space.
    const buttons = page.locator(`${ASSESSED} [data-testid="comment-show"]`);
    assert.ok((await buttons.count()) >= 1);
    assert.equal((await axInfo(page, `${ASSESSED} [data-testid="comment-show"]`)).role, 'button');
    const marked = await page.getByTestId('highlight').evaluateAll((ms) => [...new Set(ms.map((m) => m.getAttribute('data-index')))]);
    assert.ok(marked.length >= 1, 'at least one highlight');
    for (const [n, key] of [
      [0, 'Enter'],
      [1, 'Space'],
    ] as const) {
      const index = marked[n % marked.length];
      const show = page.locator(`${ASSESSED}[data-index="${index}"] [data-testid="comment-show"]`);
      await show.focus();
      await page.keyboard.press(key);
      const mark = page.locator(`mark[data-testid="highlight"][data-index="${index}"]`).first();
      await page.waitForFunction((i) => document.querySelector(`mark[data-index="${i}"]`)?.classList.contains('active'), index, { timeout: 3_000 });
      await page.waitForTimeout(600); // the smooth scroll ends
      const inView = await mark.evaluate((m) => {
        const v = document.getElementById('essay-view')?.getBoundingClientRect();
        const r = m.getBoundingClientRect();
        return !!v && r.top >= v.top - 1 && r.bottom <= v.bottom + 1;
      });
      assert.ok(inView, `${key}: the highlight is scrolled into view`);
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'comment-show', 'the focus stays in the list');
      // The active highlight is readable in both themes.
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        const ratio = await contrastOf(page, `mark[data-testid="highlight"][data-index="${index}"].active`);
        assert.ok(ratio >= 4.5, `${colorScheme}: active highlight contrast ${ratio.toFixed(2)}:1`);
      }
      await page.emulateMedia({ colorScheme: null });
    }
    await shootAt(page, 'a11y-comment-focused', 1280, 800);
    await axeBoth(page, 'a11y-assessed');
  });

  test('chat: busy while the reply streams, the reply announced once, bubbles say who speaks', { timeout: 200_000 }, async () => {
    await record(page);
    await page.getByTestId('chat-input').fill(QUESTION);
    await page.getByTestId('chat-input').press('Control+Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-role="assistant"]:not(.streaming)').length >= 1, null, { timeout: 180_000 });
    const busy = await page.evaluate(() => (window as unknown as { busy: string[] }).busy);
    assert.deepEqual(busy, ['true', 'false'], 'aria-busy while streaming, then not');
    const reply = ((await page.locator('[data-role="assistant"] .msg-text').last().textContent()) ?? '').trim();
    await page.waitForFunction(() => (window as unknown as { said: string[] }).said.some((s) => s.startsWith('Tutor:')), null, { timeout: 3_000 });
    const tutor = (await said(page)).filter((s) => s.startsWith('Tutor:'));
    assert.equal(tutor.length, 1, 'the reply is announced once');
    assert.equal(tutor[0]?.trim(), `Tutor: ${reply}`.trim());
    const whoUser = await page.locator('[data-role="user"] .visually-hidden').last().textContent();
    const whoTutor = await page.locator('[data-role="assistant"] .visually-hidden').last().textContent();
    assert.deepEqual([whoUser, whoTutor], ['You: ', 'Tutor: ']);
    await page.getByTestId('chat-log').focus();
    await shootAll(page, 'a11y-chat', page.getByTestId('chat-log'));
    await axeBoth(page, 'a11y-chat');
  });

  test('a toast is announced once: one live region, no alert inside it; Dismiss works by keyboard', async () => {
    await failNextChat(page);
    await page.getByTestId('chat-input').fill('Is my conclusion strong enough?');
    await page.getByTestId('chat-input').press('Enter');
    const toast = page.getByTestId('toast');
    await toast.waitFor();
    const live = await toast.evaluate((t) => {
      const regions: string[] = [];
      for (let n: Element | null = t; n; n = n.parentElement) {
        if (n.getAttribute('aria-live') || ['alert', 'status', 'log'].includes(n.getAttribute('role') ?? '')) regions.push(n.id || n.tagName);
      }
      return { regions, inner: t.querySelectorAll('[role="alert"], [role="status"], [aria-live]').length };
    });
    assert.deepEqual(live, { regions: ['toasts'], inner: 0 });
    await shootAt(page, 'a11y-toast', 800, 600);
    await axeBoth(page, 'a11y-toast');
    await toast.getByRole('button', { name: 'Dismiss this message' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await toast.count(), 0);
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  });
});
