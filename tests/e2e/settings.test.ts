// Settings, limits, the assignment and goals (issue 16, items 2, 5 and 6), in Debian Chromium against
// the real engine through the test harness and a real SQLite file: the settings panel (a modal dialog:
// focus in, Escape out), the theme (colours change, kept in the store across a reload), the text size,
// the threads setting and its "next time the model loads", the dialect (moved into the panel), where
// history is kept (no "Open folder" in the harness); the counters that show a limit as the text nears
// it and Assess/Send disabled over it (before any request); the assignment's instructions reaching the
// request, the word goal beside the counter; and which part of a long essay the tutor read. Each state
// is shot at three sizes in the light and dark schemes and checked with axe-core.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { Settings } from '../../preload/api';
import { LIMITS } from '../../preload/limits';
import { ROOT, axe, closeApp, openApp, sharedBrowser, shootAll, type Harness } from './browser';

const ESSAY = fs.readFileSync(path.join(ROOT, 'examples', 'essay.txt'), 'utf8');
/** Longer than the tutor reads (about 1,024 tokens): several essays of the fixtures, one after another. */
const LONG = fs
  .readdirSync(path.join(ROOT, 'tests', 'fixtures', 'essays'))
  .filter((f) => f.startsWith('clean-') && f.endsWith('.txt'))
  .map((f) => fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'essays', f), 'utf8').trim())
  .join('\n\n');
const INSTRUCTION = 'Argue for or against a later start to the school day, in about 400 words, with two reasons.';

const browserOf = sharedBrowser();

async function noViolations(page: Page, name: string): Promise<void> {
  const v = await axe(page, name);
  assert.deepEqual(v, [], `axe (${name}): ${JSON.stringify(v, null, 2)}`);
}

const settingsOf = (page: Page) => page.evaluate(() => window.api.getSettings().then((r) => (r.ok ? r.data : null))) as Promise<Settings | null>;
const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body.closest('html') as HTMLElement).backgroundColor);
const panelColour = (page: Page) => page.evaluate(() => getComputedStyle(document.querySelector('section.essay') as HTMLElement).backgroundColor);

async function openSettings(page: Page): Promise<void> {
  await page.getByTestId('settings-button').click();
  await page.getByTestId('settings-panel').waitFor({ state: 'visible' });
}

async function closeSettings(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.getByTestId('settings-panel').waitFor({ state: 'hidden' });
}

/** Waits for the app to be up (the essay shown, its first check done). */
async function ready(page: Page): Promise<void> {
  await page.locator('#editor[data-check="done"]').waitFor({ state: 'attached', timeout: 30_000 });
}

describe('settings, limits, assignment (real engine, real history file)', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-e2e-settings-'));
  const storePath = path.join(storeDir, 'samsara.db');
  /** The assessEssay payloads the page sent (what the harness received). */
  const assessed: Array<Record<string, unknown>> = [];

  before(async () => {
    ({ harness, context, page } = await openApp(browserOf(), { SAMSARA_STORE: storePath }, { bypassCSP: true }, errors));
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/assessEssay')) {
        assessed.push((JSON.parse(r.postData() ?? '{}') as { payload: Record<string, unknown> }).payload);
      }
    });
    await ready(page);
  });
  after(() => closeApp({ harness, context }, storeDir));

  test('the settings panel: a dialog that takes the focus, names every control, and Escape closes', async () => {
    await openSettings(page);
    const panel = page.getByTestId('settings-panel');
    assert.ok(await panel.evaluate((d) => (d as HTMLDialogElement).open && d.matches(':modal')), 'a modal dialog');
    assert.ok(await panel.evaluate((d) => d.contains(document.activeElement)), 'the focus is in the panel');
    for (const id of ['dialect-select', 'theme-select', 'font-size', 'threads-input']) {
      assert.ok(await panel.getByTestId(id).isVisible(), `${id} is in the panel`);
    }
    assert.equal(await page.getByLabel('Theme').getAttribute('data-testid'), 'theme-select');
    assert.equal(await page.getByLabel('Text size').getAttribute('data-testid'), 'font-size');
    assert.equal(await page.getByLabel('Inference threads').getAttribute('data-testid'), 'threads-input');
    assert.equal(await page.getByLabel('Check spelling as').getAttribute('data-testid'), 'dialect-select');
    // Where history is kept, and no "Open folder" in the browser harness (it says why).
    assert.equal(await page.getByTestId('history-path').textContent(), storePath);
    assert.ok(await page.getByTestId('open-history-folder').isDisabled());
    assert.match((await page.locator('#history-folder-note').textContent()) ?? '', /works in the Samsara app/);
    const open = await page.evaluate(() => window.api.openHistoryFolder());
    assert.deepEqual(open, { ok: false, error: { code: 'INVALID_REQUEST', message: 'Opening the history folder works only in the Samsara app.' } });
    await noViolations(page, 'settings-panel');
    await shootAll(page, 'settings-panel');
    await closeSettings(page);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'settings-button', 'the focus comes back');
  });

  test('theme: dark changes the colours at once and is kept across a reload; light forces light; system follows', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await panelColour(page);
    await openSettings(page);
    await page.getByTestId('theme-select').selectOption('dark');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    const dark = await panelColour(page);
    assert.notEqual(dark, light, 'the panels are dark');
    assert.equal((await settingsOf(page))?.theme, 'dark', 'saved in the store');
    await noViolations(page, 'settings-dark-panel');
    await closeSettings(page);
    await page.reload();
    await ready(page);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark', 'kept across a reload');
    assert.equal(await panelColour(page), dark);
    await noViolations(page, 'theme-dark');
    // Light, even when the system is dark.
    await page.emulateMedia({ colorScheme: 'dark' });
    await openSettings(page);
    await page.getByTestId('theme-select').selectOption('light');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
    assert.equal(await panelColour(page), light, 'light under a dark system');
    // System: follows the (emulated) scheme.
    await page.getByTestId('theme-select').selectOption('system');
    await page.waitForFunction(() => !('theme' in document.documentElement.dataset));
    assert.equal(await panelColour(page), dark, 'system: dark');
    await page.emulateMedia({ colorScheme: 'light' });
    assert.equal(await panelColour(page), light, 'system: light');
    assert.notEqual(await background(page), '');
    await closeSettings(page);
    await page.emulateMedia({ colorScheme: null });
    assert.equal((await settingsOf(page))?.theme, 'system');
  });

  test('text size: the essay and the feedback follow the slider and it is kept', async () => {
    const size = () => page.getByTestId('essay-input').evaluate((e) => getComputedStyle(e).fontSize);
    assert.equal(await size(), '16px');
    await openSettings(page);
    await page.getByTestId('font-size').fill('22');
    await page.waitForFunction(() => getComputedStyle(document.getElementById('essay-input') as HTMLElement).fontSize === '22px');
    assert.equal(await page.getByTestId('font-size-value').textContent(), '22 px');
    await page.waitForFunction(() => window.api.getSettings().then((r) => r.ok && r.data.fontSize === 22));
    await closeSettings(page);
    await page.reload();
    await ready(page);
    assert.equal(await size(), '22px', 'kept across a reload');
    assert.equal(await page.locator('#essay-backdrop').evaluate((e) => getComputedStyle(e).fontSize), '22px', 'the underlines follow');
    await page.getByTestId('essay-input').fill(ESSAY);
    await ready(page);
    await shootAll(page, 'settings-font-22');
    await openSettings(page);
    await page.getByTestId('font-size').fill('16');
    await page.waitForFunction(() => window.api.getSettings().then((r) => r.ok && r.data.fontSize === 16));
    await closeSettings(page);
  });

  test('threads: 1 to the cores, applied the next time the model loads (and it says so)', async () => {
    await openSettings(page);
    const note = (await page.getByTestId('threads-note').textContent()) ?? '';
    assert.match(note, /applies the next time the model loads/);
    const cores = Number(await page.getByTestId('threads-input').getAttribute('max'));
    assert.ok(cores >= 1);
    await page.getByTestId('threads-input').fill(String(cores));
    await page.getByTestId('threads-input').press('Tab');
    await page.waitForFunction((n) => window.api.getSettings().then((r) => r.ok && r.data.threads === n), cores);
    // Out of range: a plain message, nothing saved.
    await page.getByTestId('threads-input').fill(String(cores + 1));
    await page.getByTestId('threads-input').press('Tab');
    await page.getByTestId('settings-error').waitFor({ state: 'visible' });
    assert.match((await page.getByTestId('settings-error').textContent()) ?? '', /whole number of threads from 1 to/);
    assert.equal((await settingsOf(page))?.threads, cores);
    assert.equal(await page.getByTestId('threads-input').inputValue(), String(cores));
    await noViolations(page, 'settings-threads-error');
    await page.getByTestId('threads-input').fill('1');
    await page.getByTestId('threads-input').press('Tab');
    await page.waitForFunction(() => window.api.getSettings().then((r) => r.ok && r.data.threads === 1));
    await closeSettings(page);
  });

  test('the dialect select lives in the panel and still works (kept in the store)', async () => {
    await openSettings(page);
    await page.getByTestId('dialect-select').selectOption('british');
    await page.waitForFunction(() => window.api.getSettings().then((r) => r.ok && r.data.dialect === 'british'));
    await closeSettings(page);
    await page.reload();
    await ready(page);
    assert.equal(await page.getByTestId('dialect-select').inputValue(), 'british');
    const r = await page.evaluate(() => window.api.checkText({ text: 'The colour is grey.' }));
    assert.ok(r.ok && r.data.dialect === 'british', 'the engine checks in the saved dialect');
    await openSettings(page);
    await page.getByTestId('dialect-select').selectOption('auto');
    await page.waitForFunction(() => window.api.getSettings().then((r) => r.ok && r.data.dialect === 'auto'));
    await closeSettings(page);
  });

  test('updates: the section says the harness is not the installed app; the checkbox toggles and is kept', async () => {
    await openSettings(page);
    const auto = page.getByTestId('updates-auto');
    const status = page.getByTestId('updates-status');
    await page.locator('#updates[data-loaded="true"]').waitFor({ state: 'attached' });
    assert.ok(await page.getByTestId('updates-section').isVisible());
    assert.equal(await page.getByLabel('Download and install updates automatically').getAttribute('data-testid'), 'updates-auto');
    assert.equal(await status.textContent(), 'Updates are checked in the installed app only.');
    assert.equal(await status.getAttribute('role'), 'status');
    assert.ok(await auto.isChecked(), 'on by default');
    await auto.uncheck();
    await page.waitForFunction(() => window.api.getUpdates().then((r) => r.ok && !r.data.auto));
    const r = await page.evaluate(() => window.api.getUpdates());
    assert.ok(r.ok);
    assert.equal(r.data.state, 'unavailable');
    await closeSettings(page);
    await page.reload();
    await ready(page);
    await openSettings(page);
    await page.locator('#updates[data-loaded="true"]').waitFor({ state: 'attached' });
    assert.equal(await auto.isChecked(), false, 'kept across a reload (updates.json)');
    await noViolations(page, 'settings-updates');
    await shootAll(page, 'settings-updates', page.getByTestId('updates-section'));
    await auto.check();
    await page.waitForFunction(() => window.api.getUpdates().then((r) => r.ok && r.data.auto));
    await closeSettings(page);
  });

  test('limits: the counter names the limit near it; over it Assess is disabled with the reason, nothing sent', { timeout: 120_000 }, async () => {
    await page.getByTestId('new-essay').click();
    const counter = page.getByTestId('essay-counter');
    const near = 'Words and more words. '.repeat(Math.ceil(92_000 / 22)).slice(0, 92_000);
    await page.getByTestId('essay-input').fill(near);
    assert.match((await counter.textContent()) ?? '', /· 92,000 \/ 100,000 characters$/);
    assert.equal(await counter.getAttribute('data-level'), 'near');
    assert.ok(await page.getByTestId('assess-button').isEnabled());
    assert.ok(await page.getByTestId('assess-reason').isHidden());
    await ready(page);
    await shootAll(page, 'limits-near', page.getByTestId('essay-counter'));
    await noViolations(page, 'limits-near');

    await page.getByTestId('essay-input').fill(`${near}${'x'.repeat(LIMITS.text - 92_000 + 500)}`);
    assert.match((await counter.textContent()) ?? '', /100,500 \/ 100,000 characters, 500 over the limit$/);
    assert.equal(await counter.getAttribute('data-level'), 'over');
    assert.ok(await page.getByTestId('assess-button').isDisabled(), 'Assess is disabled');
    const reason = (await page.getByTestId('assess-reason').textContent()) ?? '';
    assert.match(reason, /Too long to assess: the limit is 100,000 characters/);
    // Ctrl+Enter does not send it either.
    const before = assessed.length;
    await page.getByTestId('essay-input').press('Control+Enter');
    await page.waitForTimeout(300);
    assert.equal(assessed.length, before, 'no request was sent');
    await shootAll(page, 'limits-over', page.getByTestId('assess-reason'));
    await noViolations(page, 'limits-over');

    // The chat box, likewise.
    const chat = page.getByTestId('chat-input');
    await chat.fill('q'.repeat(7_000));
    assert.equal(await page.getByTestId('chat-limit').textContent(), '7,000 / 8,000 characters');
    assert.ok(await page.getByTestId('chat-send').isEnabled());
    await chat.fill('q'.repeat(LIMITS.message + 1));
    assert.match((await page.getByTestId('chat-limit').textContent()) ?? '', /8,001 \/ 8,000 characters, 1 over the limit\. Your question is too long/);
    assert.ok(await page.getByTestId('chat-send').isDisabled());
    await noViolations(page, 'limits-chat-over');
    await shootAll(page, 'limits-chat-over', chat);
    await chat.fill('');
    assert.ok(await page.getByTestId('chat-limit').isHidden());
    assert.ok(await page.getByTestId('chat-send').isEnabled());
    // Back under the limit: Assess again.
    await page.getByTestId('essay-input').fill(near);
    assert.ok(await page.getByTestId('assess-button').isEnabled());
    assert.ok(await page.getByTestId('assess-reason').isHidden());
  });

  test('assignment and goal: kept per essay, the instructions reach the request, the goal beside the counter', { timeout: 180_000 }, async () => {
    await page.getByTestId('essay-input').fill(ESSAY);
    const fileId = await page.getByTestId('essay-picker').inputValue();
    await page.getByTestId('assignment-toggle').click();
    assert.equal(await page.getByTestId('assignment-toggle').getAttribute('aria-expanded'), 'true');
    const instruction = page.getByLabel('Assignment instructions');
    assert.equal(await instruction.getAttribute('data-testid'), 'instruction-input');
    assert.ok(await instruction.evaluate((e) => e === document.activeElement), 'the field has the focus');
    await instruction.fill(INSTRUCTION);
    await page.getByTestId('word-goal').fill('500');
    const counter = page.getByTestId('essay-counter');
    assert.match((await counter.textContent()) ?? '', /^\d+ \/ 500 words · /);
    await ready(page);
    await noViolations(page, 'assignment');
    await shootAll(page, 'assignment', page.getByTestId('essay-counter'));

    // Another essay has neither; coming back brings both back.
    await page.getByTestId('new-essay').click();
    assert.equal(await page.getByTestId('word-goal').inputValue(), '');
    assert.equal(await instruction.inputValue(), '');
    assert.match((await counter.textContent()) ?? '', /^0 words/);
    await page.getByTestId('essay-picker').selectOption(fileId);
    assert.equal(await instruction.inputValue(), INSTRUCTION);
    assert.equal(await page.getByTestId('word-goal').inputValue(), '500');
    await page.reload();
    await ready(page);
    assert.equal(await page.getByTestId('word-goal').inputValue(), '500', 'kept across a reload');
    assert.equal(await page.getByTestId('assignment-toggle').textContent(), 'Assignment ✓');

    // Over its limit, the instructions stop Assess too.
    await page.getByTestId('assignment-toggle').click();
    await instruction.fill('i'.repeat(LIMITS.instruction + 1));
    assert.ok(await page.getByTestId('assess-button').isDisabled());
    assert.match((await page.getByTestId('instruction-limit').textContent()) ?? '', /2,001 \/ 2,000 characters, 1 over the limit/);
    assert.match((await page.getByTestId('assess-reason').textContent()) ?? '', /assignment instructions are too long/);
    await instruction.fill(INSTRUCTION);
    assert.ok(await page.getByTestId('assess-button').isEnabled());

    await page.getByTestId('assess-button').click();
    await page.locator('[data-testid="assess-button"]:not([disabled])').waitFor({ timeout: 150_000 });
    const sent = assessed.at(-1);
    assert.equal(sent?.instruction, INSTRUCTION, 'the instructions reached the request');
    assert.equal(sent?.fileId, fileId);
    assert.ok(await page.getByTestId('summary').isVisible(), 'the assessment came back');
    assert.equal(await page.getByTestId('toast').count(), 0, 'no error');
  });

  test('a long essay: the panel says which part the tutor read, the essay marks where it ends', { timeout: 240_000 }, async () => {
    await page.getByTestId('new-essay').click();
    await page.getByTestId('essay-input').fill(LONG);
    await ready(page);
    await page.getByTestId('assess-button').click();
    await page.locator('[data-testid="assess-button"]:not([disabled])').waitFor({ timeout: 200_000 });
    assert.equal(await page.getByTestId('toast').count(), 0, 'no error');
    const note = page.getByTestId('tutor-read');
    await note.waitFor({ state: 'visible' });
    const text = (await note.textContent()) ?? '';
    const m = /^The tutor read the first ([\d,]+) words \(up to the line marked in your essay\); spelling and grammar checks cover all ([\d,]+)\.$/.exec(text);
    assert.ok(m, text);
    const [read, all] = [Number(m[1]?.replace(/,/g, '')), Number(m[2]?.replace(/,/g, ''))];
    assert.ok(read > 100 && read < all, `${read} of ${all}`);
    const marker = page.getByTestId('tutor-read-end');
    assert.equal(await marker.count(), 1);
    // The view's text is still the essay (the marker's label is drawn by CSS).
    assert.equal(await page.getByTestId('essay-view').evaluate((v) => v.textContent), LONG);
    await noViolations(page, 'tutor-read');
    await shootAll(page, 'tutor-read', marker);
    await shootAll(page, 'tutor-read-note', note);
  });

  test('no page errors', () => {
    assert.deepEqual(errors, []);
  });
});
