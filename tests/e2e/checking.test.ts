// Checking as you type, in Debian Chromium against the real engine through the test harness: live
// underlines in the editor, Apply (and Undo), Ignore, Add to dictionary, the dialect setting, an
// assessment shown together with the live checks, a chat reply cut off by the token limit, and an
// axe-core accessibility check of that screen. Screenshots go to artifacts/e2e/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { ARTIFACTS, ROOT, closeApp, openApp, sharedBrowser, shootAt, type Harness } from './browser';

/** Three misspellings and a confused word, far enough apart that each is flagged on its own. */
const FIRST = 'Their going to the libary after school. We will come back tomorow with our freinds.';
/** An invented word, one edit from "snaffle": the checker flags it as a spelling mistake. */
const WORD = 'grobe';

const browserOf = sharedBrowser();

/** The editor's text. */
const essayOf = (page: Page) => page.getByTestId('essay-input').inputValue();

/** Waits until the live check has answered for the text now in the editor. */
async function checked(page: Page): Promise<void> {
  await page.locator('#editor[data-check="done"]').waitFor({ state: 'attached', timeout: 30_000 });
}

/** The underlines drawn in the editor, with their text and the span they claim. */
async function underlines(page: Page): Promise<Array<{ text: string; start: number; end: number; category: string }>> {
  return page.locator('#essay-backdrop mark[data-testid="live-underline"]').evaluateAll((marks) =>
    marks.map((m) => {
      const e = m as HTMLElement;
      return { text: e.textContent ?? '', start: Number(e.dataset.start), end: Number(e.dataset.end), category: e.dataset.category ?? '' };
    }),
  );
}

async function underlined(page: Page): Promise<string[]> {
  return (await underlines(page)).map((u) => u.text);
}

/** Every underline's text is the editor's text at its anchor, and the backdrop wraps like the textarea. */
async function assertAligned(page: Page): Promise<void> {
  const text = await essayOf(page);
  for (const u of await underlines(page)) {
    assert.equal(text.slice(u.start, u.end), u.text, `underline ${JSON.stringify(u)} sits on its words`);
  }
  const boxes = await page.evaluate(() => {
    const t = document.getElementById('essay-input') as HTMLTextAreaElement;
    const b = document.getElementById('essay-backdrop') as HTMLElement;
    return { t: [t.scrollHeight, t.clientWidth, t.scrollTop], b: [b.scrollHeight, b.clientWidth, b.scrollTop] };
  });
  assert.deepEqual(boxes.b, boxes.t, 'the backdrop has the textarea\'s height, width and scroll position');
}

/** The live comment quoting `quote`. */
function liveComment(page: Page, quote: string): Locator {
  return page
    .locator('[data-testid="comment"][data-list="live"]')
    .filter({ has: page.locator('blockquote', { hasText: new RegExp(`^${quote}$`) }) });
}

const shoot = shootAt;

describe('checking as you type (real engine)', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  // The personal dictionary and history in a real SQLite file.
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-e2e-check-'));
  const env = { SAMSARA_STORE: path.join(storeDir, 'samsara.db') };

  before(async () => {
    ({ harness, context, page } = await openApp(browserOf(), env, {}, errors));
  });
  after(() => closeApp({ harness, context }, storeDir));

  test('(a) typing underlines the mistakes, and the panel lists them with their category and actions', { timeout: 60_000 }, async () => {
    await page.getByTestId('essay-input').click();
    await page.keyboard.type(FIRST, { delay: 15 });
    await page.waitForFunction(
      () => ['libary', 'tomorow', 'freinds', 'Their'].every((w) => [...document.querySelectorAll('#essay-backdrop mark')].some((m) => m.textContent === w)),
      null,
      { timeout: 30_000 },
    );
    await checked(page);
    assert.deepEqual(await underlined(page), ['Their', 'libary', 'tomorow', 'freinds']);
    const byText = new Map((await underlines(page)).map((u) => [u.text, u.category]));
    assert.equal(byText.get('libary'), 'spelling');
    assert.equal(byText.get('Their'), 'grammar');
    await assertAligned(page);

    const libary = liveComment(page, 'libary');
    assert.equal(await libary.count(), 1, 'listed once, under "Checks as you type"');
    assert.equal(await libary.locator('.badge').textContent(), 'Spelling');
    assert.equal(await libary.getByTestId('comment-apply').textContent(), 'Apply “library”');
    assert.equal(await libary.getByTestId('comment-add-word').count(), 1, 'spelling comments can go to the dictionary');
    assert.equal(await libary.getByTestId('comment-ignore').count(), 1);
    const their = liveComment(page, 'Their');
    assert.equal(await their.locator('.badge').textContent(), 'Grammar');
    assert.equal(await their.getByTestId('comment-add-word').count(), 0, 'only spelling comments offer the dictionary');
    assert.doesNotMatch((await their.locator('p').textContent()) ?? '', /`/, 'no Markdown backticks shown');
    assert.equal(await page.getByTestId('live-section').isVisible(), true);
    await shoot(page, 'typing', 1440, 900, libary);
    await shoot(page, 'typing', 800, 600, libary);
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  test('(b) Apply replaces the word, later underlines stay on their words, Undo and Ctrl+Z put it back', { timeout: 60_000 }, async () => {
    const before = await essayOf(page);
    const freindsBefore = (await underlines(page)).find((u) => u.text === 'freinds');
    assert.ok(freindsBefore);
    await liveComment(page, 'libary').getByTestId('comment-apply').click();
    const applied = await essayOf(page);
    assert.equal(applied, before.replace('libary', 'library'));
    // At once (before any re-check): the later underline moved by the length difference.
    const freinds = (await underlines(page)).find((u) => u.text === 'freinds');
    assert.deepEqual(freinds && [freinds.start, freinds.end], [freindsBefore.start + 1, freindsBefore.end + 1]);
    await assertAligned(page);
    await checked(page);
    assert.deepEqual(await underlined(page), ['Their', 'tomorow', 'freinds']);
    await assertAligned(page);
    assert.equal(await liveComment(page, 'libary').count(), 0);
    assert.match((await page.getByTestId('edit-status').textContent()) ?? '', /Replaced “libary” with “library”/);
    // The essay is saved with the change.
    const saved = await page.evaluate(() => localStorage.getItem('samsara.essays') ?? '');
    assert.ok(saved.includes('the library after school'), 'the applied text is saved');

    await page.getByTestId('undo').click();
    assert.equal(await essayOf(page), before);
    await checked(page);
    assert.deepEqual(await underlined(page), ['Their', 'libary', 'tomorow', 'freinds']);
    await assertAligned(page);
    assert.match((await page.getByTestId('edit-status').textContent()) ?? '', /Undone/);
    assert.equal(await page.getByTestId('undo').isHidden(), true);

    // Ctrl+Z right after an apply does the same; the apply of the first word shifts everything after it.
    await liveComment(page, 'Their').getByTestId('comment-apply').click();
    assert.equal(await essayOf(page), before.replace('Their', "They're"));
    await checked(page);
    await assertAligned(page);
    assert.deepEqual(await underlined(page), ['libary', 'tomorow', 'freinds']);
    await page.keyboard.press('Control+z');
    assert.equal(await essayOf(page), before);
    await checked(page);
    assert.deepEqual(await underlined(page), ['Their', 'libary', 'tomorow', 'freinds']);
  });

  test('(c) Ignore hides the comment and its underline, also after a re-check and a reload', { timeout: 60_000 }, async () => {
    await liveComment(page, 'tomorow').getByTestId('comment-ignore').click();
    assert.equal(await liveComment(page, 'tomorow').count(), 0);
    assert.ok(!(await underlined(page)).includes('tomorow'));
    // A re-check (the text changes) does not bring it back.
    await page.getByTestId('essay-input').press('End');
    await page.keyboard.type(' I beleive it.', { delay: 15 });
    await checked(page);
    await page.locator('#essay-backdrop mark', { hasText: 'beleive' }).waitFor();
    assert.deepEqual(await underlined(page), ['Their', 'libary', 'freinds', 'beleive']);
    assert.equal(await liveComment(page, 'tomorow').count(), 0);
    await page.reload();
    await checked(page);
    await page.locator('#essay-backdrop mark', { hasText: 'beleive' }).waitFor();
    assert.deepEqual(await underlined(page), ['Their', 'libary', 'freinds', 'beleive']);
    assert.equal(await liveComment(page, 'tomorow').count(), 0);
    assert.match((await page.locator('#ignored-note').textContent()) ?? '', /1 ignored comment hidden/);
  });

  test('(d) Add to dictionary: the word is no longer flagged, also after a reload (the store keeps it)', { timeout: 60_000 }, async () => {
    await page.getByTestId('essay-input').press('End');
    await page.keyboard.type(` The ${WORD} was loud.`, { delay: 15 });
    await page.locator('#essay-backdrop mark', { hasText: WORD }).waitFor({ timeout: 30_000 });
    await checked(page);
    const comment = liveComment(page, WORD);
    assert.equal(await comment.locator('.badge').textContent(), 'Spelling');
    await comment.getByTestId('comment-add-word').click();
    await page.getByTestId('edit-status').filter({ hasText: `Added “${WORD}” to your dictionary.` }).waitFor();
    await checked(page);
    assert.ok(!(await underlined(page)).includes(WORD));
    assert.equal(await liveComment(page, WORD).count(), 0);
    await page.reload();
    await checked(page);
    await page.locator('#essay-backdrop mark', { hasText: 'beleive' }).waitFor();
    assert.ok(!(await underlined(page)).includes(WORD), `${WORD} stays unflagged after a reload`);
    const words = await page.evaluate(() => window.api.listWords());
    assert.ok(words.ok && words.data.includes(WORD), JSON.stringify(words));
  });

  test('the dialect select: remembered, passed to the checker, Auto names what it found', { timeout: 60_000 }, async () => {
    // It lives in the settings panel (a modal dialog: Escape closes it).
    const settings = async (open: boolean) => {
      if (open) await page.getByTestId('settings-button').click();
      else await page.keyboard.press('Escape');
      await page.getByTestId('settings-panel').waitFor({ state: open ? 'visible' : 'hidden' });
    };
    await settings(true);
    const select = page.getByTestId('dialect-select');
    assert.deepEqual(await select.locator('option').allTextContents(), [
      'Auto (American)',
      'American English',
      'British English',
      'Canadian English',
      'Australian English',
      'Indian English',
    ]);
    await select.selectOption('british');
    await checked(page);
    await page.reload();
    await checked(page);
    assert.equal(await page.getByTestId('dialect-select').inputValue(), 'british');
    // An essay written in British English: Auto says so.
    await settings(true);
    await page.getByTestId('dialect-select').selectOption('auto');
    await settings(false);
    await page.getByTestId('new-essay').click();
    await page.getByTestId('essay-input').click();
    await page.keyboard.type('I realised the colour of the theatre was grey, so I apologised to my neighbour.', { delay: 5 });
    await checked(page);
    await page.getByTestId('dialect-select').locator('option[value="auto"]', { hasText: 'Auto (British)' }).waitFor({ state: 'attached' });
    assert.deepEqual(await underlined(page), [], 'British spellings are not mistakes');
    await page.getByTestId('essay-picker').selectOption({ index: 1 }); // back to the first essay
    await checked(page);
    assert.ok((await underlined(page)).includes('libary'));
  });

  test('with an assessment: its comments listed as before, live checks not listed twice, Apply works in both', { timeout: 240_000 }, async () => {
    await page.getByTestId('assess-button').click();
    await page.locator('[data-testid="comment"][data-list="assessment"]').first().waitFor({ timeout: 200_000 });
    // The checker's findings are in the assessment, so "Checks as you type" has none of them again.
    const assessed = await page.locator('[data-testid="comment"][data-list="assessment"] blockquote').allTextContents();
    const listedLive = await page.locator('[data-testid="comment"][data-list="live"] blockquote').allTextContents();
    for (const q of ['libary', 'freinds']) {
      assert.ok(assessed.includes(q), `the assessment has ${q}: ${assessed.join(' | ')}`);
      assert.ok(!listedLive.includes(q), `${q} is not listed twice`);
    }
    // The ignored comment stays hidden in the assessment too.
    assert.ok(!assessed.includes('tomorow'));
    const libary = page
      .locator('[data-testid="comment"][data-list="assessment"]')
      .filter({ has: page.locator('blockquote', { hasText: /^libary$/ }) });
    assert.equal(await libary.locator('.badge').textContent(), 'Spelling');
    assert.ok((await page.getByTestId('highlight').count()) >= 1);
    await shoot(page, 'assessment-view', 1440, 900, libary.getByTestId('comment-apply'));
    await shoot(page, 'assessment-view', 800, 600, libary.getByTestId('comment-apply'));
    await page.setViewportSize({ width: 1280, height: 860 });

    // Apply from the assessment, in the annotated view: the highlights follow the text.
    const before = await essayOf(page);
    await libary.getByTestId('comment-apply').click();
    assert.equal(await essayOf(page), before.replace('libary', 'library'));
    const text = await essayOf(page);
    const view = (await page.getByTestId('essay-view').textContent()) ?? '';
    assert.equal(view, text, 'the annotated view shows the new text');
    for (const mark of await page.getByTestId('highlight').all()) {
      const i = Number(await mark.getAttribute('data-index'));
      const quote = await page.locator(`[data-testid="comment"][data-list="assessment"][data-index="${i}"] blockquote`).textContent();
      assert.ok(quote !== null && quote.includes((await mark.textContent()) ?? '\u0000'), 'each highlight is (part of) its comment\'s quote');
    }
    await page.keyboard.press('Control+z');
    assert.equal(await essayOf(page), before);
    await checked(page);

    // Back in the editor: the underlines and the assessment's comments together (screenshots).
    await page.getByRole('button', { name: 'Edit text' }).click();
    await checked(page);
    await assertAligned(page);
    assert.ok((await underlined(page)).includes('libary'));
    const apply = page.locator('[data-testid="comment"][data-list="assessment"] [data-testid="comment-apply"]').first();
    await shoot(page, 'live-checks', 1440, 900, apply);
    await shoot(page, 'live-checks', 800, 600, apply);
    await page.setViewportSize({ width: 1280, height: 860 });
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  });

  test('a chat reply cut off by the token limit is marked', { timeout: 180_000 }, async (t) => {
    // A list of 100 runs past the 256-token limit (SmolLM2 ends a "very long story" by itself).
    await page.getByTestId('chat-input').fill('Write a numbered list of 100 different animals, one per line.');
    await page.getByTestId('chat-send').click();
    await page.waitForFunction(() => !document.querySelector('[data-role="assistant"].streaming'), null, { timeout: 170_000 });
    const reply = page.locator('[data-testid="chat-message"][data-role="assistant"]').last();
    // data-finish is the reply's finishReason ('stop' or 'length'), absent only if the engine gave none.
    const finish = await reply.getAttribute('data-finish');
    if (finish === null) {
      t.skip('the native chat does not report finishReason yet');
      return;
    }
    assert.equal(finish, 'length', 'a list of 100 is cut off at 256 tokens');
    assert.equal(await reply.getByTestId('chat-cutoff').textContent(), ' — cut off (length limit)');
    assert.equal(await reply.getByTestId('chat-cutoff').isVisible(), true);
    await shoot(page, 'chat-cut-off', 1440, 900, reply.getByTestId('chat-cutoff'));
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  test('the harness log has the checker calls, and neither the essay\'s words nor the dictionary word', () => {
    const out = harness.output();
    for (const action of ['checkText', 'addWord', 'listWords']) {
      assert.match(out, new RegExp(`"event":"request.end","requestId":"[0-9a-f-]{36}","action":"${action}","durationMs":\\d+,"outcome":"ok"`));
    }
    for (const secret of [WORD, 'libary', 'freinds', 'beleive', 'colour', 'dragon']) {
      assert.ok(!out.includes(secret), `the log contains "${secret}"`);
    }
  });

  test('axe-core: no serious or critical violations with an assessment and live underlines shown', { timeout: 120_000 }, async () => {
    // The app's CSP allows only its own scripts, so axe is injected in a context that bypasses it
    // (this test only), with the same essays (localStorage) and the same history file.
    const storage = await page.evaluate(() => JSON.stringify(Object.fromEntries(Object.entries(localStorage))));
    const axeContext = await browserOf().newContext({ bypassCSP: true, viewport: { width: 1280, height: 860 } });
    try {
      await axeContext.addInitScript((saved: string) => {
        if (sessionStorage.getItem('seeded')) return;
        sessionStorage.setItem('seeded', '1');
        for (const [k, v] of Object.entries(JSON.parse(saved) as Record<string, string>)) localStorage.setItem(k, v);
      }, storage);
      const axePage = await axeContext.newPage();
      await axePage.goto(harness.url);
      await axePage.locator('[data-testid="comment"][data-list="assessment"]').first().waitFor({ timeout: 30_000 });
      await axePage.getByRole('button', { name: 'Edit text' }).click();
      await checked(axePage);
      assert.ok((await underlined(axePage)).length > 0, 'live underlines are shown');
      // Also a status message with Undo, and a focused comment.
      await axePage.locator('[data-testid="comment"] [data-testid="comment-apply"]').first().click();
      await axePage.getByTestId('undo').waitFor();
      const source = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
      await axePage.addScriptTag({ content: source });
      const result = await axePage.evaluate(async () => {
        const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
      });
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      fs.writeFileSync(path.join(ARTIFACTS, 'axe-violations.json'), `${JSON.stringify(result, null, 2)}\n`);
      const severe = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(severe, [], `axe: ${JSON.stringify(severe, null, 2)}`);
    } finally {
      await axeContext.close();
    }
  });
});
