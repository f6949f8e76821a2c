// Essays and export (issue 16, items 3 and 4), in Debian Chromium against the real engine through the
// test harness and a real history file: titles from the first line and Rename; "New essay" reusing an
// empty draft instead of piling them up; the delete panel's dates; the "earlier version" note from the
// first edit; an unchanged text assessed again saves no duplicate; Copy as text (read back from the
// clipboard); Save as PDF (the harness can't print, and says so) and the print stylesheet, checked with
// Chromium's own PDF output, rendered to pictures (pdftoppm) in artifacts/e2e/ to be looked at.
//
// The context bypasses the CSP so axe-core can be injected (the CSP itself is tested in app.test.ts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, ROOT, axe, closeApp, openApp, sharedBrowser, shootAll, type Harness } from './browser';

const ESSAY = fs.readFileSync(path.join(ROOT, 'examples', 'essay.txt'), 'utf8');
const FIRST_LINE = 'Should Schools Start Later in the Morning?';
const ASSESSED = '[data-testid="comment"][data-list="assessment"]';

const browserOf = sharedBrowser();

/** Whether a command is on the PATH (pdftoppm and pdftotext come with poppler-utils). */
function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('essays and export (real engine, real history file)', () => {
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-e2e-essays-'));
  const env = { SAMSARA_STORE: path.join(storeDir, 'samsara.db') };

  before(async () => {
    ({ harness, context, page } = await openApp(browserOf(), env, { bypassCSP: true }, errors));
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(harness.url).origin });
  });
  after(() => closeApp({ harness, context }, storeDir));

  const options = () => page.locator('[data-testid="essay-picker"] option');
  const selectedTitle = async () => ((await page.locator('[data-testid="essay-picker"] option:checked').textContent()) ?? '').trim();
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.id ?? '');

  test('an essay is named after its first line; "New essay" does not pile up empty drafts', { timeout: 60_000 }, async () => {
    await page.getByTestId('essay-input').fill(ESSAY);
    assert.equal(await selectedTitle(), FIRST_LINE);
    assert.equal(await page.title(), `${FIRST_LINE} – Samsara`);
    const first = await page.getByTestId('essay-picker').inputValue();

    await page.getByTestId('new-essay').click();
    assert.equal(await page.getByTestId('essay-input').inputValue(), '');
    assert.equal(await options().count(), 2);
    assert.equal(await selectedTitle(), 'Untitled essay');
    const empty = await page.getByTestId('essay-picker').inputValue();
    // Again and again: still the one empty essay (and it says so).
    await page.getByTestId('new-essay').click();
    await page.getByTestId('new-essay').click();
    assert.equal(await options().count(), 2);
    assert.equal(await page.getByTestId('essay-picker').inputValue(), empty);
    assert.match((await page.getByTestId('edit-status').textContent()) ?? '', /still empty/);
    assert.equal(await focused(), 'essay-input');

    // Switching away from the empty essay drops it; a new one later is empty again (one entry).
    await page.getByTestId('essay-picker').selectOption(first);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="essay-picker"] option').length === 1);
    await page.getByTestId('new-essay').click();
    assert.equal(await options().count(), 2);
    await page.getByTestId('essay-picker').selectOption(first);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="essay-picker"] option').length === 1);
    assert.equal(await page.getByTestId('essay-input').inputValue(), ESSAY);
    // The list in localStorage has no empty drafts left either.
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('samsara.essays') ?? '[]') as Array<{ text: string; createdAt?: string }>);
    assert.equal(stored.length, 1);
    assert.ok(stored[0]?.createdAt, 'a new essay keeps when it was started');
  });

  test('Rename: a labelled field; Enter saves, Escape cancels, empty goes back to the first line', { timeout: 120_000 }, async () => {
    const rename = page.getByTestId('essay-rename-button');
    const field = page.getByTestId('essay-rename');
    await rename.click();
    assert.equal(await rename.getAttribute('aria-expanded'), 'true');
    assert.equal(await focused(), 'essay-rename');
    assert.equal(await field.inputValue(), FIRST_LINE);
    // A real label: the field's accessible name.
    assert.equal(await page.getByLabel('Essay name').getAttribute('data-testid'), 'essay-rename');
    await shootAll(page, 'essay-rename', page.getByTestId('essay-rename-form'));
    const axed = await axe(page, 'essay-rename');

    await field.fill('Sleep and the school day');
    await field.press('Enter');
    assert.equal(await page.getByTestId('essay-rename-form').isHidden(), true);
    assert.equal(await selectedTitle(), 'Sleep and the school day');
    assert.equal(await page.title(), 'Sleep and the school day – Samsara');
    assert.equal(await focused(), 'essay-rename-button');
    assert.match((await page.getByTestId('edit-status').textContent()) ?? '', /Renamed to “Sleep and the school day”/);

    // Escape: nothing changes, the focus goes back to Rename.
    await rename.click();
    await field.fill('Something else');
    await field.press('Escape');
    assert.equal(await selectedTitle(), 'Sleep and the school day');
    assert.equal(await focused(), 'essay-rename-button');

    // Kept across a reload; the name no longer follows the first line.
    await page.reload();
    await page.getByTestId('essay-input').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="essay-picker"] option:checked')?.textContent === 'Sleep and the school day');

    // An empty name: named after the first line again.
    await rename.click();
    await field.fill('');
    await field.press('Enter');
    assert.equal(await selectedTitle(), FIRST_LINE);
    assert.deepEqual(axed, [], 'axe: renaming');
  });

  test('assess; the "earlier version" note from the first edit on; no duplicate for unchanged text', { timeout: 240_000 }, async () => {
    await page.getByTestId('assess-button').click();
    await page.waitForFunction(() => document.getElementById('history-count')?.textContent === '1', null, { timeout: 200_000 });
    await page.locator(ASSESSED).first().waitFor();
    const note = page.getByTestId('feedback-note');
    assert.equal(await note.isHidden(), true, 'the feedback is about the text as it is');

    // One letter typed: the note shows at once (no reload); the letter removed: it goes again.
    await page.locator('#edit').click();
    await page.getByTestId('essay-input').press('Control+End');
    await page.keyboard.type('!');
    await note.waitFor({ state: 'visible', timeout: 3_000 });
    assert.match((await note.textContent()) ?? '', /earlier version of the text/);
    await shootAll(page, 'earlier-version-note', note);
    const axed = await axe(page, 'earlier-version-note');
    await page.keyboard.press('Backspace');
    await note.waitFor({ state: 'hidden', timeout: 3_000 });

    // The same text assessed again: the history keeps one assessment (the result still says saved).
    await page.getByTestId('assess-button').click();
    await page.locator('[data-testid="assess-button"]:not([disabled])').waitFor({ timeout: 200_000 });
    await page.locator(ASSESSED).first().waitFor();
    assert.equal(await page.getByTestId('save-note').count(), 0, 'no "not saved" notice');
    const listed = await page.evaluate(
      (id) => window.api.listAssessments(id).then((r) => (r.ok ? r.data.length : -1)),
      await page.getByTestId('essay-picker').inputValue(),
    );
    assert.equal(listed, 1, 'no identical duplicate saved');
    assert.equal(await page.locator('#history-count').textContent(), '1');
    assert.deepEqual(axed, [], 'axe: the note');
  });

  test('the delete panel shows when the essay was started, last edited and assessed', { timeout: 60_000 }, async () => {
    await page.getByTestId('essay-delete').click();
    const dates = page.getByTestId('essay-delete-dates');
    const lines = await dates.locator('li').allTextContents();
    // "Last edited" only when it is another minute than the start (here it may be the same).
    assert.match(lines.join('\n'), /^Started \S.*\n(Last edited \S.*\n)?Assessed \S/, lines.join(' | '));
    await shootAll(page, 'essay-delete-dates', page.getByTestId('essay-delete-panel'));
    const axed = await axe(page, 'essay-delete-dates');
    await page.getByTestId('essay-delete-cancel').click();
    assert.deepEqual(axed, [], 'axe: the delete panel with its dates');
  });

  test('Copy as text: the essay with numbers, the numbered comments with quotes and suggestions, summary, metrics', { timeout: 60_000 }, async () => {
    const actions = page.getByTestId('export-actions');
    await actions.waitFor();
    await page.getByTestId('export-copy').click();
    await page.getByTestId('export-status').filter({ hasText: 'Copied' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, 'export-copy.txt'), copied);
    const shown = await page.locator(ASSESSED).count();
    assert.ok(copied.startsWith(`${FIRST_LINE}\n`), copied.slice(0, 80));
    assert.match(copied, /\nFeedback from Samsara, .+\n/);
    assert.ok(copied.includes('\nESSAY\n\nShould Schools Start Later'));
    assert.match(copied, /\[1\]/, 'numbers in the essay');
    const numbered = copied.split('\n').filter((l) => /^\d+\. /.test(l));
    assert.equal(numbered.length, shown, 'every comment shown, numbered');
    assert.deepEqual(numbered.map((l) => Number(l.split('.')[0])), Array.from({ length: shown }, (_, i) => i + 1));
    assert.match(copied, /\n {3}Quote: “[^”]+”\n/);
    assert.match(copied, /\n {3}Suggestions?: /);
    assert.ok(copied.includes('\nSUMMARY\n\n') === (await page.getByTestId('summary').isVisible()));
    assert.ok(copied.includes(`\nMETRICS\n\n${(await page.getByTestId('metrics').textContent()) ?? ''}\n`));
    assert.ok(!copied.includes('Ask about your essay') && !copied.includes('Checks as you type'), 'no app chrome');
    await shootAll(page, 'export-actions', actions);
    assert.deepEqual(await axe(page, 'export-actions'), [], 'axe: the export buttons');
  });

  test('Save as PDF: the harness says it needs the app; the print stylesheet makes the feedback document', { timeout: 120_000 }, async () => {
    await page.getByTestId('export-pdf').click();
    const toast = page.getByTestId('toast').filter({ hasText: 'Samsara app' });
    await toast.waitFor();
    assert.equal(await page.getByTestId('export-pdf').isDisabled(), false);
    const axed = await axe(page, 'export-pdf-harness');
    await toast.click(); // dismissed

    // The print document was filled for printing: one item per comment shown, numbers in the essay.
    const shown = await page.locator(ASSESSED).count();
    assert.equal(await page.locator('#print-doc .print-comment').count(), shown);
    assert.ok((await page.locator('#print-doc .print-essay .print-ref').count()) > 0);
    assert.equal(await page.getByTestId('print-doc').isHidden(), true, 'never on screen');

    // Chromium's PDF of the page (print media, as Electron's printToPDF): A4, in the light and dark
    // system themes (paper is always light).
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme, media: 'print' });
      const file = path.join(ARTIFACTS, `export-feedback-${colorScheme}.pdf`);
      const pdf = await page.pdf({ path: file, format: 'A4', printBackground: true });
      assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
      if (has('pdftotext')) {
        const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
        assert.ok(text.includes(FIRST_LINE), 'the title');
        for (const heading of ['Essay', 'Comments', 'Metrics']) assert.match(text, new RegExp(`^\\s*${heading}\\s*$`, 'm'), heading);
        assert.match(text, /\[1\]/, 'numbers in the essay');
        for (const chrome of ['Ask about your essay', 'New essay', 'Save as PDF', 'Checks as you type', 'Assess']) {
          assert.ok(!text.includes(chrome), `no app chrome in the PDF: ${chrome}`);
        }
      }
      if (has('pdftoppm')) {
        // Each page as a picture: export-feedback-<theme>-1.png, -2.png, …
        execFileSync('pdftoppm', ['-png', '-r', '80', file, path.join(ARTIFACTS, `export-feedback-${colorScheme}`)]);
        const pictures = fs.readdirSync(ARTIFACTS).filter((f) => f.startsWith(`export-feedback-${colorScheme}-`) && f.endsWith('.png'));
        assert.ok(pictures.length >= 1, 'the PDF rendered to pictures');
      } else {
        console.warn('pdftoppm is missing (apt-get install -y poppler-utils): the PDF is not rendered to a picture');
      }
    }
    await page.emulateMedia({ colorScheme: null, media: null });
    assert.deepEqual(errors, []);
    assert.deepEqual(axed, [], 'axe: the harness answer');
  });
});
