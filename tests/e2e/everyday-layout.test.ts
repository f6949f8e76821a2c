// Issue 16, items 1, 7, 8 and 9, in Debian Chromium against the real engine through the test harness:
// the layout from 800x600 to 2560x1440 (one column below 1000 px, Assess always reachable, the chat log
// at least 200 px, no wrapped buttons from 1024 px), Ctrl+Enter to assess and to send, the status pill's
// readable model name and details, toasts that cover nothing and go when the essay changes, the word
// counter that counts as the metrics do, clamped readability, and an Arabic paragraph that reads right
// to left in the editor, the marked-up essay, the comments and the chat. Every state is shot at three
// sizes in the light and dark themes (artifacts/e2e/everyday-*) and checked with axe-core.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { ROOT, axe, closeApp, openApp, sharedBrowser, shootAll, type Harness } from './browser';
import { KEEP_NAMES, LAYOUT_SIZES, axInfo, checkLayout, failNextChat } from './ui-helpers';

const ESSAY = fs.readFileSync(path.join(ROOT, 'examples', 'essay.txt'), 'utf8');
const ARABIC =
  'التعليم هو أساس تقدم المجتمعات. يجب على الطلاب أن يقرأوا كل يوم، وأن يكتبوا مقالات قصيرة عن أفكارهم. المدرسة الجيدة تساعد الطلاب على التفكير بحرية.';
const ARABIC_QUESTION = 'ما هي الفكرة الرئيسية في مقالي؟';
const ASSESSED = '[data-testid="comment"][data-list="assessment"]';

const browserOf = sharedBrowser();

/** The number of words the editor's counter shows. */
async function counted(page: Page): Promise<number> {
  const meta = (await page.locator('#essay-meta').textContent()) ?? '';
  const m = /^([\d,]+) words?\b/.exec(meta);
  assert.ok(m?.[1], `counter: ${meta}`);
  return Number(m[1].replace(/,/g, ''));
}

/** The number of words in the metrics line of the assessment. */
async function measured(page: Page): Promise<number> {
  const line = (await page.getByTestId('metrics').textContent()) ?? '';
  const m = /^([\d,]+) words?\b/.exec(line);
  assert.ok(m?.[1], `metrics: ${line}`);
  return Number(m[1].replace(/,/g, ''));
}

async function assessWithKeyboard(page: Page): Promise<void> {
  await page.getByTestId('essay-input').focus();
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction(() => (document.getElementById('assess') as HTMLButtonElement).disabled, null, { timeout: 5_000 });
  await page.waitForFunction(() => !(document.getElementById('assess') as HTMLButtonElement).disabled, null, { timeout: 240_000 });
  await page.locator(ASSESSED).first().waitFor({ timeout: 10_000 });
}

/** Whether the text of `needle` inside `selector` sits against the right edge of that box (right to left). */
async function alignedRight(page: Page, selector: string, needle: string): Promise<{ left: number; right: number }> {
  return page.locator(selector).evaluate((box, needle) => {
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    let text = '';
    const nodes: Array<{ node: Text; at: number }> = [];
    while (walker.nextNode()) {
      const node = walker.currentNode as Text;
      nodes.push({ node, at: text.length });
      text += node.data;
    }
    const start = text.indexOf(needle);
    if (start < 0) throw new Error('text not found');
    const find = (i: number) => {
      const n = [...nodes].reverse().find((x) => x.at <= i);
      if (!n) throw new Error('no node');
      return { node: n.node, offset: i - n.at };
    };
    const range = document.createRange();
    const a = find(start);
    const b = find(start + 12);
    range.setStart(a.node, a.offset);
    range.setEnd(b.node, b.offset);
    const first = range.getClientRects()[0];
    const r = box.getBoundingClientRect();
    const cs = getComputedStyle(box);
    const inner = { left: r.left + parseFloat(cs.paddingLeft) + box.clientLeft, right: r.left + box.clientLeft + box.clientWidth - parseFloat(cs.paddingRight) };
    if (!first) throw new Error('no rect');
    return { left: first.left - inner.left, right: inner.right - first.right };
  }, needle);
}

describe('everyday layout, status, numbers and right-to-left (real engine)', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-e2e-everyday-'));
  const env = { SAMSARA_STORE: path.join(storeDir, 'samsara.db') };

  before(async () => {
    ({ harness, context, page } = await openApp(browserOf(), env, { bypassCSP: true }, errors));
    await page.getByTestId('essay-input').waitFor();
    await page.evaluate(KEEP_NAMES);
  });
  after(() => closeApp({ harness, context }, storeDir));

  test('empty: the layout works from 800x600 to 2560x1440', { timeout: 120_000 }, async () => {
    for (const [w, h] of LAYOUT_SIZES) await checkLayout(page, w, h);
    await shootAll(page, 'everyday-empty');
    assert.deepEqual(await axe(page, 'everyday-empty'), []);
  });

  test('typed: the counter says "1 word", then counts the example essay', { timeout: 60_000 }, async () => {
    await page.getByTestId('essay-input').fill('Hello');
    assert.equal(await page.locator('#essay-meta').textContent(), '1 word · 5 characters');
    await page.getByTestId('essay-input').fill('A well-known idea — isn’t it?');
    assert.match((await page.locator('#essay-meta').textContent()) ?? '', /^6 words · /);
    await page.getByTestId('essay-input').fill(ESSAY);
    await page.waitForFunction(() => document.getElementById('editor')?.dataset.check === 'done', null, { timeout: 20_000 });
    for (const [w, h] of LAYOUT_SIZES) await checkLayout(page, w, h);
    await shootAll(page, 'everyday-typed');
    assert.deepEqual(await axe(page, 'everyday-typed'), []);
  });

  test('assessed (Ctrl+Enter): counter and metrics agree; readability clamped; the pill names the model', { timeout: 300_000 }, async () => {
    await assessWithKeyboard(page);
    assert.equal(await counted(page), await measured(page), 'the counter and the metrics count the same words');
    const line = (await page.getByTestId('metrics').textContent()) ?? '';
    const ease = Number(/reading ease (\d+) of 100/.exec(line)?.[1]);
    const grade = Number(/grade level (\d+)/.exec(line)?.[1]);
    assert.ok(ease >= 0 && ease <= 100 && grade >= 0 && grade <= 18, line);

    // The status pill: a readable name, the details on focus (also its accessible description).
    const pill = page.getByTestId('health-status');
    await pill.filter({ hasText: /^Model ready: / }).waitFor({ timeout: 10_000 });
    assert.equal(await pill.textContent(), 'Model ready: SmolLM2 135M, Q4_1');
    const ax = await axInfo(page, '#health');
    assert.equal(ax.name, 'Model ready: SmolLM2 135M, Q4_1');
    for (const word of ['SmolLM2-135M-Instruct.Q4_1.gguf', 'llama', 'tokens', 'Kernels', 'Threads']) {
      assert.ok(ax.description?.includes(word), `description has ${word}: ${ax.description}`);
    }
    assert.equal(await page.getByTestId('health-details').isVisible(), false);
    await pill.focus();
    assert.equal(await page.getByTestId('health-details').isVisible(), true, 'focus shows the details');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(ROOT, 'artifacts', 'e2e', 'everyday-status-details-1280x800.png') });
    await page.keyboard.press('Escape');
    assert.equal(await page.getByTestId('health-details').isVisible(), false, 'Escape hides them');
    await page.getByTestId('essay-input').focus().catch(() => undefined);

    for (const [w, h] of LAYOUT_SIZES) await checkLayout(page, w, h);
    await shootAll(page, 'everyday-assessed');
    assert.deepEqual(await axe(page, 'everyday-assessed'), []);
  });

  test('an Arabic paragraph reads right to left, and is counted as the metrics count it', { timeout: 300_000 }, async () => {
    await page.getByRole('button', { name: 'Edit text' }).click();
    // The Arabic paragraph right after the English title: the essay's first letters are English.
    const [title, ...rest] = ESSAY.split('\n\n');
    await page.getByTestId('essay-input').fill([title, ARABIC, ...rest].join('\n\n'));
    await page.waitForFunction(() => document.getElementById('editor')?.dataset.check === 'done', null, { timeout: 20_000 });
    // The editor's backdrop lays the text out as the textarea does (same box, dir="auto", per paragraph).
    await page.locator('#essay-input').evaluate((t) => (t.scrollTop = 0));
    const inEditor = await alignedRight(page, '#essay-backdrop', ARABIC.slice(0, 20));
    assert.ok(inEditor.right < 4 && inEditor.left > 40, `Arabic in the editor sits right: ${JSON.stringify(inEditor)}`);
    const english = await alignedRight(page, '#essay-backdrop', 'Every weekday morning');
    assert.ok(english.left < 4, `English in the editor sits left: ${JSON.stringify(english)}`);

    await assessWithKeyboard(page);
    assert.equal(await counted(page), await measured(page), 'the counter and the metrics count the same words');
    const inView = await alignedRight(page, '#essay-view', ARABIC.slice(0, 20));
    assert.ok(inView.right < 4 && inView.left > 40, `Arabic in the marked-up essay sits right: ${JSON.stringify(inView)}`);
    // Comments, their quotes, the summary and the chat take their direction from their own text.
    assert.equal(await page.locator(`${ASSESSED} p:not([dir="auto"])`).count(), 0);
    assert.equal(await page.locator(`${ASSESSED} blockquote:not([dir="auto"])`).count(), 0);
    assert.equal(await page.locator('#essay-input').getAttribute('dir'), 'auto');

    await page.getByTestId('essay-view').evaluate((v) => (v.scrollTop = 0));
    await shootAll(page, 'everyday-arabic');
    assert.deepEqual(await axe(page, 'everyday-arabic'), []);
  });

  test('chat (Ctrl+Enter): an Arabic question reads right to left; the log stays at least 200 px', { timeout: 200_000 }, async () => {
    const box = page.getByTestId('chat-input');
    await box.fill(ARABIC_QUESTION);
    assert.equal(await box.evaluate((t) => t.matches(':dir(rtl)')), true, 'the question box follows the text');
    await box.press('Control+Enter');
    const user = page.locator('[data-testid="chat-message"][data-role="user"]').last();
    await user.waitFor({ timeout: 5_000 });
    assert.equal(await user.evaluate((b) => b.matches(':dir(rtl)')), true, 'the question bubble reads right to left');
    await page.waitForFunction(() => document.querySelectorAll('[data-role="assistant"]:not(.streaming)').length >= 1, null, { timeout: 180_000 });
    const reply = page.locator('[data-testid="chat-message"][data-role="assistant"]').last();
    assert.ok(((await reply.locator('.msg-text').textContent()) ?? '').trim().length > 0, 'a reply');
    for (const [w, h] of LAYOUT_SIZES) await checkLayout(page, w, h);
    await shootAll(page, 'everyday-chat', page.getByTestId('chat-log'));
    assert.deepEqual(await axe(page, 'everyday-chat'), []);
  });

  test('a toast covers no button, and goes when another essay is opened', { timeout: 60_000 }, async () => {
    await failNextChat(page);
    await page.getByTestId('chat-input').fill('Is my conclusion strong enough?');
    await page.getByTestId('chat-send').click();
    const toast = page.getByTestId('toast');
    await toast.waitFor();
    assert.equal(await toast.getAttribute('data-code'), 'ENGINE_BUSY');
    for (const [w, h] of LAYOUT_SIZES) {
      await checkLayout(page, w, h);
      const overlaps = await page.evaluate(() => {
        const toasts = [...document.querySelectorAll('[data-testid="toast"]')].map((t) => t.getBoundingClientRect());
        return [...document.querySelectorAll<HTMLElement>('button, textarea, select')]
          .filter((b) => b.offsetParent !== null && !b.closest('.toasts'))
          .filter((b) => {
            const r = b.getBoundingClientRect();
            return toasts.some((t) => r.left < t.right && t.left < r.right && r.top < t.bottom && t.top < r.bottom);
          })
          .map((b) => b.textContent?.trim() || b.id);
      });
      assert.deepEqual(overlaps, [], `${w}x${h}: the toast covers nothing`);
    }
    await shootAll(page, 'everyday-toast');
    assert.deepEqual(await axe(page, 'everyday-toast'), []);
    await page.getByTestId('new-essay').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="toast"]').length === 0, null, { timeout: 5_000 });
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  });
});
