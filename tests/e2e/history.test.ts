// Deleting history, in Debian Chromium against the real engine through the test harness and a real
// SQLite file: one saved assessment (Delete in the list, confirmed in its row), the whole essay (Delete
// essay, confirmed in an inline panel: its text, saved assessments and chat go), the notice when an
// assessment or chat answer was not saved, and axe-core on those screens. Screenshots go to artifacts/e2e/.
//
// This page runs in a context that bypasses the CSP so axe-core can be injected at any point (the CSP
// itself is tested in app.test.ts). The "not saved" case can't be made to happen on demand with a real
// file, so there the harness's answers are rewritten to `saved: false` on their way to the page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Locator, Page, Route } from 'playwright-core';
import { ROOT, axe, closeApp, openApp, sharedBrowser, shootAt, type Harness } from './browser';

const ESSAY = fs.readFileSync(path.join(ROOT, 'examples', 'essay.txt'), 'utf8');
const OTHER = 'Homework helps students practise what they learn. But to much homework leaves no time for rest.';
const ASSESSED = '[data-testid="comment"][data-list="assessment"]';

const browserOf = sharedBrowser();

const shoot = shootAt;

async function shootBoth(page: Page, name: string, focus?: Locator): Promise<void> {
  await shoot(page, name, 1440, 900, focus);
  await shoot(page, name, 800, 600, focus);
  await page.setViewportSize({ width: 1280, height: 860 });
}

/** The harness answers a request with NDJSON lines; this sets `saved: false` in its result line. */
async function unsaved(route: Route): Promise<void> {
  const response = await route.fetch();
  const body = (await response.text())
    .split('\n')
    .map((line) => {
      if (!line) return line;
      const parsed = JSON.parse(line) as { result?: { ok: boolean; data?: Record<string, unknown> } };
      if (parsed.result?.ok && parsed.result.data) parsed.result.data.saved = false;
      return JSON.stringify(parsed);
    })
    .join('\n');
  await route.fulfill({ response, body });
}

describe('deleting history (real engine, real history file)', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-e2e-history-'));
  const env = { SAMSARA_STORE: path.join(storeDir, 'samsara.db') };
  /** The essay that gets deleted, and another one that must survive it. */
  let fileId = '';
  let otherId = '';

  before(async () => {
    ({ harness, context, page } = await openApp(browserOf(), env, { bypassCSP: true }, errors));
  });
  after(() => closeApp({ harness, context }, storeDir));

  const count = () => page.evaluate((id) => window.api.listAssessments(id).then((r) => (r.ok ? r.data.length : -1)), fileId);
  const chatCount = (id: string) => page.evaluate((f) => window.api.listChat(f).then((r) => (r.ok ? r.data.length : -1)), id);

  test('an essay with two saved assessments and a chat; another essay with a chat', { timeout: 240_000 }, async () => {
    // The other essay first (it stays after the first one is deleted).
    await page.getByTestId('essay-input').fill(OTHER);
    otherId = await page.getByTestId('essay-picker').inputValue();
    await page.getByTestId('chat-input').fill('Is my first sentence clear?');
    await page.getByTestId('chat-send').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-role="assistant"]:not(.streaming)').length === 1, null, { timeout: 100_000 });

    await page.getByTestId('new-essay').click();
    await page.getByTestId('essay-input').fill(ESSAY);
    fileId = await page.getByTestId('essay-picker').inputValue();
    assert.notEqual(fileId, otherId);
    for (const n of [1, 2]) {
      if (n === 2) {
        // An unchanged text given the same feedback is not saved twice: edit it first.
        await page.getByRole('button', { name: 'Edit text' }).click();
        await page.getByTestId('essay-input').press('Control+End');
        await page.getByTestId('essay-input').pressSequentially(' Schools should listen.');
      }
      await page.getByTestId('assess-button').click();
      await page.waitForFunction((k) => document.getElementById('history-count')?.textContent === String(k), n, { timeout: 100_000 });
      await page.locator('[data-testid="assess-button"]:not([disabled])').waitFor();
    }
    await page.locator(ASSESSED).first().waitFor();
    assert.equal(await page.getByTestId('save-note').count(), 0, 'saved assessments have no "not saved" notice');
    await page.getByTestId('chat-input').fill('How could I make my conclusion stronger?');
    await page.getByTestId('chat-send').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-role="assistant"]:not(.streaming)').length === 1, null, { timeout: 100_000 });
    assert.equal(await page.getByTestId('chat-not-saved').count(), 0);
    assert.equal(await count(), 2);
    assert.equal(await chatCount(fileId), 2);
    assert.equal(await chatCount(otherId), 2);
  });

  test('Delete on a saved assessment asks in its row; Keep keeps it; Yes removes only that one', { timeout: 60_000 }, async () => {
    await page.getByTestId('history').locator('summary').click();
    const rows = page.getByTestId('past-assessment');
    assert.equal(await rows.count(), 2);
    const older = rows.nth(1);
    const olderId = await older.getAttribute('data-id');
    const newerId = await rows.nth(0).getAttribute('data-id');
    // Its accessible name says which one it deletes.
    assert.match((await older.getByTestId('assessment-delete').getAttribute('aria-label')) ?? '', /^Delete the assessment of .+/);
    await shootBoth(page, 'history-list', page.getByTestId('history'));

    // Keyboard: focus Delete, Enter opens the question with the focus on Keep; Escape backs out.
    await older.getByTestId('assessment-delete').focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'assessment-delete-cancel');
    assert.match((await older.textContent()) ?? '', /Delete the assessment of .+\?/);
    await shootBoth(page, 'assessment-delete-confirm', older);
    assert.deepEqual(await axe(page, 'assessment-delete-confirm'), [], 'axe: the row asking to confirm');
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'assessment-delete');
    assert.equal(await count(), 2, 'Escape deleted nothing');

    await older.getByTestId('assessment-delete').click();
    await older.getByTestId('assessment-delete-confirm').click();
    await page.waitForFunction(() => document.getElementById('history-count')?.textContent === '1');
    assert.deepEqual(await rows.evaluateAll((r) => r.map((n) => (n as HTMLElement).dataset.id)), [newerId]);
    assert.notEqual(olderId, newerId);
    assert.equal(await count(), 1, 'gone from the history file');
    assert.equal(await chatCount(fileId), 2, 'the chat is kept');
    assert.match((await page.getByTestId('edit-status').textContent()) ?? '', /Deleted the assessment of /);
    assert.ok((await page.locator(ASSESSED).count()) > 0, 'the assessment shown (the newer one) stays');
  });

  test('when an assessment or a chat answer is not saved, the page says so plainly (a notice, not an error)', { timeout: 200_000 }, async () => {
    // Only the answer says `saved: false`: the engine did save it (the list below then has it, unmarked).
    await page.route('**/api/assessEssay', unsaved);
    await page.route('**/api/chat', unsaved);
    try {
      await page.getByTestId('assess-button').click();
      const notice = page.getByTestId('save-note');
      await notice.waitFor({ timeout: 100_000 });
      assert.match((await notice.textContent()) ?? '', /^Not saved to your history\. This feedback is shown now, but it won't be in your saved assessments/);
      assert.ok((await page.locator(ASSESSED).count()) > 0, 'the feedback itself is shown');
      assert.equal(await page.getByTestId('toast').count(), 0, 'not an error toast');
      assert.equal(await page.locator('#history-list li.shown').count(), 0, 'no saved entry is marked as the one shown');
      assert.equal(await page.getByTestId('assess-button').isDisabled(), false);

      await page.getByTestId('chat-input').fill('Which paragraph is the weakest?');
      await page.getByTestId('chat-send').click();
      const note = page.getByTestId('chat-not-saved');
      await note.waitFor({ timeout: 100_000 });
      assert.match((await note.textContent()) ?? '', /Not saved to your history/);
      await shootBoth(page, 'not-saved', notice);
      await shoot(page, 'not-saved-chat', 1440, 900, note);
      await page.setViewportSize({ width: 1280, height: 860 });
      assert.deepEqual(await axe(page, 'not-saved'), [], 'axe: the notices');
    } finally {
      await page.unrouteAll();
    }
  });

  test('Delete essay asks inline; Keep and Escape keep it; Yes removes its text, assessments and chat, and says so', { timeout: 60_000 }, async () => {
    const button = page.getByTestId('essay-delete');
    const panel = page.getByTestId('essay-delete-panel');
    const saved = await count();
    assert.ok(saved >= 1);
    assert.equal(await panel.isHidden(), true);
    assert.equal(await button.getAttribute('aria-expanded'), 'false');

    // A click only asks (the focus on the safe choice), and says what goes.
    await button.click();
    await panel.waitFor();
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'essay-delete-cancel');
    assert.match(
      (await panel.textContent()) ?? '',
      new RegExp(`Delete “.+”\\? Its text, its ${saved} saved assessments? and its chat will be removed from this computer\\. This can't be undone\\.`),
    );
    await shootBoth(page, 'essay-delete-confirm', panel);
    assert.deepEqual(await axe(page, 'essay-delete-confirm'), [], 'axe: the confirmation panel');
    // Enter on the focused button keeps the essay; so does Escape.
    await page.keyboard.press('Enter');
    assert.equal(await panel.isHidden(), true);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'essay-delete');
    await page.keyboard.press('Enter');
    await panel.waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await panel.isHidden(), true);
    assert.equal(await count(), saved, 'nothing was deleted');

    await button.click();
    await page.getByTestId('essay-delete-confirm').click();
    await page.waitForFunction((id) => ![...document.querySelectorAll('#essay-picker option')].some((o) => (o as HTMLOptionElement).value === id), fileId);
    // Gone from the history file and from the page.
    assert.equal(await count(), 0);
    assert.equal(await chatCount(fileId), 0);
    assert.equal(await page.evaluate((id) => localStorage.getItem('samsara.essays')?.includes(id), fileId), false, 'the text is gone');
    // The other essay is open now, with its own chat; none of the deleted essay's feedback shows.
    assert.equal(await page.getByTestId('essay-picker').inputValue(), otherId);
    assert.equal(await page.getByTestId('essay-input').inputValue(), OTHER);
    assert.equal(await page.getByTestId('history').isHidden(), true);
    assert.equal(await page.locator(ASSESSED).count(), 0);
    assert.equal(await page.getByTestId('save-note').count(), 0);
    await page.locator('[data-testid="chat-message"]').nth(1).waitFor();
    assert.equal(await page.locator('[data-testid="chat-message"]').count(), 2, "the other essay's chat");
    assert.equal(await chatCount(otherId), 2);
    assert.match((await page.getByTestId('edit-status').textContent()) ?? '', /Deleted “.+” with its saved feedback and chat\./);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'essay-picker', 'the focus goes to the essay picker');
    await shootBoth(page, 'essay-deleted', page.getByTestId('edit-status'));
    assert.deepEqual(await axe(page, 'essay-deleted'), [], 'axe: after the deletion');

    // After a reload too.
    await page.reload();
    await page.getByTestId('essay-input').waitFor();
    assert.equal(await page.locator('#essay-picker option').count(), 1);
    assert.equal(await page.getByTestId('essay-picker').inputValue(), otherId);
  });

  test('deleting the last essay leaves a new, empty one', { timeout: 30_000 }, async () => {
    await page.getByTestId('essay-delete').click();
    assert.match((await page.getByTestId('essay-delete-panel').textContent()) ?? '', /Its text and its chat will be removed/);
    await page.getByTestId('essay-delete-confirm').click();
    await page.waitForFunction((id) => !localStorage.getItem('samsara.essays')?.includes(id), otherId);
    assert.equal(await page.getByTestId('essay-input').inputValue(), '');
    assert.equal(await page.locator('#essay-picker option').count(), 1);
    assert.notEqual(await page.getByTestId('essay-picker').inputValue(), otherId);
    assert.equal(await chatCount(otherId), 0);
    assert.equal(await page.locator('[data-testid="chat-message"]').count(), 0);
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  });

  test('the harness log has the delete calls, and no essay text', () => {
    const out = harness.output();
    for (const action of ['deleteEssay', 'deleteAssessment']) {
      assert.match(out, new RegExp(`"event":"request.end","requestId":"[0-9a-f-]{36}","action":"${action}","durationMs":\\d+,"outcome":"ok"`));
    }
    assert.ok(!out.includes('Homework helps'), 'no essay text in the log');
  });
});
