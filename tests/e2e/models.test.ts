// Settings → Models (issue 17), in Debian Chromium against the real engine through the test harness,
// which wires main's own model manager and engine switch (electron/models/). A local HTTP server on
// 127.0.0.1 (tests/models/server.ts: Range, throttling) serves the default model's file (SmolLM2); the
// harness's catalogue ($SAMSARA_MODEL_CATALOGUE) lists it as two test entries beside the real catalogue
// and one entry of an architecture the engine can't run. The student opens Settings → Models, downloads
// a model (the progress bar moves, speed and time left are shown, the row becomes installed), selects it
// (the status pill shows loading, then ready, and a chat runs on it), cancels a second download (nothing
// partial is listed or left on disk), adds a tiny GGUF with "Open GGUF file…" (the harness's stand-in for
// main's Open dialog, $SAMSARA_TEST_OPEN_DIALOG, names it), gets a plain error for a file that is not
// GGUF, removes a model, and after a restart the chosen model is still the one the engine loads.
// Screenshots of the page (small and large, light and dark) and axe-core on it, also mid-download.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { readCatalogue, type CatalogueEntry } from '../../electron/models/catalogue';
import type { HealthReport, ModelListing } from '../../preload/api';
import * as models from '../../scripts/lib/models';
import { OPEN_DIALOG_STAND_IN } from '../harness/server';
import { startFileServer, type FileServer } from '../models/server';
import { ROOT, axe, closeApp, freePort, sharedBrowser, shootAll, startHarness, type Harness } from './browser';

const browserOf = sharedBrowser();

const SMOLLM2 = models.defaultModelPath();
const BUNDLED = readCatalogue(path.join(ROOT, 'models', 'manifest.json'));
const DEFAULT = BUNDLED.find((e) => e.bundled)!;
const TINY = path.join(ROOT, 'tests', 'tiny-models', 'gguf', 'tiny-llama-q8_0.gguf');
/** The test entries' ids. */
const FAST_ID = 'test-smollm2-download';
const SLOW_ID = 'test-smollm2-slow';
const UNSUPPORTED_ID = 'test-unsupported-mamba';
/** Their files, named like the real one (the status pill reads the model's name from the file's capitals). */
const FAST_FILE = 'SmolLM2-135M-Instruct.test-download.Q4_1.gguf';
const SLOW_FILE = 'SmolLM2-135M-Instruct.slow-test-download.Q4_1.gguf';

const row = (page: Page, id: string) => page.locator(`[data-testid="model-item"][data-model-id="${id}"]`);
const listModels = (page: Page) => page.evaluate(() => window.api.listModels().then((r) => (r.ok ? r.data : []))) as Promise<ModelListing[]>;
const health = (page: Page) => page.evaluate(() => window.api.healthCheck().then((r) => (r.ok ? r.data : null))) as Promise<HealthReport | null>;

async function noViolations(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const v = await axe(page, `${name}-${colorScheme}`);
    assert.deepEqual(v, [], `axe (${name}, ${colorScheme}): ${JSON.stringify(v, null, 2)}`);
  }
  await page.emulateMedia({ colorScheme: null });
}

async function openModels(page: Page): Promise<void> {
  if (!(await page.getByTestId('settings-panel').isVisible())) {
    await page.getByTestId('settings-button').click();
    await page.getByTestId('settings-panel').waitFor({ state: 'visible' });
  }
  await page.locator('[data-testid="model-item"]').first().waitFor();
}

/** Records every state and text the status pill shows (a MutationObserver: nothing is missed between polls). */
async function recordPill(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { pill: string[] };
    const pill = document.getElementById('health');
    if (!pill) throw new Error('no status pill');
    w.pill = [`${pill.dataset.state}|${pill.textContent}`];
    new MutationObserver(() => {
      const s = `${pill.dataset.state}|${pill.textContent}`;
      if (w.pill.at(-1) !== s) w.pill.push(s);
    }).observe(pill, { attributes: true, attributeFilter: ['data-state'], childList: true, characterData: true, subtree: true });
  });
}

describe('Settings → Models (real engine, downloads from a local server)', () => {
  let server: FileServer;
  let harness: Harness;
  let context: BrowserContext;
  let page: Page;
  let port: number;
  const errors: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-e2e-models-'));
  const modelsDir = path.join(dir, 'models'); // the harness's <userData>/models: beside $SAMSARA_STORE
  const notGguf = path.join(dir, 'notes.gguf');
  let env: Record<string, string>;

  before(async () => {
    assert.ok(fs.existsSync(SMOLLM2), `${SMOLLM2} exists (npm run fetch-model)`);
    server = await startFileServer({ 'smollm2.gguf': SMOLLM2 });
    const copy = (over: Partial<CatalogueEntry> & Pick<CatalogueEntry, 'id' | 'name' | 'file' | 'url'>): CatalogueEntry => ({
      sizeBytes: DEFAULT.sizeBytes,
      sha256: DEFAULT.sha256,
      verified: true,
      architecture: 'llama',
      quantization: 'Q4_1',
      contextLength: 8192,
      ramBytes: DEFAULT.ramBytes,
      licence: 'Apache-2.0',
      ...over,
    });
    const catalogue = [
      DEFAULT,
      // About 3 s at 30 MB/s: the bar moves several times.
      copy({ id: FAST_ID, name: 'SmolLM2 135M, test download', file: FAST_FILE, url: server.url('slow-30000000', 'smollm2.gguf') }),
      // About a minute: time to look at it, run axe and cancel it.
      copy({ id: SLOW_ID, name: 'SmolLM2 135M, slow test download', file: SLOW_FILE, url: server.url('slow-1500000', 'smollm2.gguf'), verified: false }),
      copy({ id: UNSUPPORTED_ID, name: 'Mamba 130M (test: an architecture Samsara can’t run)', file: 'mamba-130m.gguf', url: server.url('ok', 'mamba.gguf'), architecture: 'mamba', quantization: 'Q8_0', sizeBytes: 140_000_000, sha256: null, verified: false }),
      ...BUNDLED.filter((e) => !e.bundled),
    ];
    fs.writeFileSync(path.join(dir, 'catalogue.json'), JSON.stringify(catalogue, null, 2));
    fs.writeFileSync(notGguf, 'These are my notes for the essay, not a model.\n');
    env = {
      SAMSARA_STORE: path.join(dir, 'samsara.db'),
      SAMSARA_MODEL_CATALOGUE: path.join(dir, 'catalogue.json'),
      // The stand-in for main's Open dialog answers these in turn, then "cancelled".
      [OPEN_DIALOG_STAND_IN]: [TINY, notGguf].join(path.delimiter),
    };
    // A fixed port: the restart below keeps the page's origin.
    port = await freePort();
    harness = await startHarness(env, port);
    context = await browserOf().newContext({ viewport: { width: 1280, height: 860 }, bypassCSP: true });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(harness.url);
    await page.getByTestId('essay-input').waitFor();
  });
  after(async () => {
    await closeApp({ harness, context }, dir);
    await server?.close();
  });

  test('the list: catalogue and bundled model with size, architecture, quantization, fit and licence', async () => {
    await openModels(page);
    const listed = await listModels(page);
    const ids = await page.locator('[data-testid="model-item"]').evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset.modelId));
    assert.deepEqual(ids, listed.map((m) => m.id), 'one row per model, in the manager\'s order');
    // The bundled model: in use, marked, with its facts; no Download, Select or Remove.
    const bundled = row(page, DEFAULT.id);
    assert.equal(await bundled.getAttribute('data-state'), 'selected');
    assert.equal(await bundled.getAttribute('aria-current'), 'true');
    assert.match((await bundled.textContent()) ?? '', /In use/);
    assert.match((await bundled.textContent()) ?? '', /Comes with Samsara/);
    assert.equal(await bundled.locator('.model-facts').textContent(), '98 MB · llama · Q4_1 · 8,192-token context · Licence: Apache-2.0');
    assert.match((await bundled.locator('.model-fit').textContent()) ?? '', /^(Runs well here|Tight fit|Too big for this computer)\. Needs about 537 MB/);
    for (const id of ['model-download', 'model-select', 'model-remove']) assert.equal(await bundled.getByTestId(id).count(), 0, id);
    // A catalogue model: a Download button named with the model and its size; unverified ones say so.
    const qwen = row(page, 'qwen2.5-1.5b-instruct-q4_k_m');
    assert.equal(await qwen.getAttribute('data-state'), 'available');
    assert.equal(await qwen.getByTestId('model-download').getAttribute('aria-label'), 'Download Qwen2.5 1.5B Instruct (Q4_K_M), 1.1 GB');
    assert.equal(await qwen.getByTestId('model-unverified').count(), 1);
    assert.match((await qwen.locator('.model-facts').textContent()) ?? '', /1\.1 GB · qwen2 · Q4_K_M · 32,768-token context · Licence: Apache-2\.0/);
    assert.equal(await row(page, FAST_ID).getByTestId('model-unverified').count(), 0, 'a verified entry is not marked');
    // An architecture the engine can't run: visibly disabled, and says why.
    const mamba = row(page, UNSUPPORTED_ID);
    assert.equal(await mamba.getAttribute('data-state'), 'unsupported');
    assert.ok(await mamba.getByTestId('model-download').isDisabled());
    assert.match((await mamba.textContent()) ?? '', /Not supported yet/);
    assert.match((await mamba.locator('.model-fit').textContent()) ?? '', /can't run mamba models yet/);
    assert.equal(await mamba.evaluate((e) => getComputedStyle(e).borderTopStyle), 'dashed');
    // Keyboard: the Open button and each Download can be reached with Tab.
    await page.getByTestId('model-open-file').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'model-download');
    await noViolations(page, 'models-page');
    await shootAll(page, 'models-page', page.getByTestId('model-list'));
  });

  test('Download: the bar moves with speed and time left, then the model is installed (nothing partial)', { timeout: 120_000 }, async () => {
    await openModels(page);
    const r = row(page, FAST_ID);
    await r.getByTestId('model-download').click();
    const bar = r.getByTestId('model-progress');
    await bar.waitFor();
    // The focus went from Download (gone) to the row's Cancel.
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'model-cancel');
    assert.equal(await bar.getAttribute('aria-label'), 'Downloading SmolLM2 135M, test download');
    const seen: number[] = [];
    const texts: string[] = [];
    const t0 = Date.now();
    while ((await r.getAttribute('data-state')) === 'downloading') {
      assert.ok(Date.now() - t0 < 90_000, 'the download finishes');
      const [value, text] = await r
        .evaluate((e) => [(e.querySelector('progress') as HTMLProgressElement | null)?.value ?? -1, e.querySelector('[data-testid="model-progress-text"]')?.textContent ?? ''] as const)
        .catch(() => [-1, ''] as const);
      if (value > 0 && value < 1 && !seen.includes(value)) seen.push(value);
      if (text) texts.push(text);
      await page.waitForTimeout(100);
    }
    assert.ok(seen.length >= 3, `the bar moved: ${seen.join(', ')}`);
    assert.deepEqual([...seen].sort((a, b) => a - b), seen, 'it only moves forward');
    assert.ok(
      texts.some((t) => /^\d+ MB of 98 MB · [\d.]+ MB\/s · (about \d+ s left|almost done)$/.test(t)),
      `bytes, speed and time left are shown: ${[...new Set(texts)].slice(0, 5).join(' | ')}`,
    );
    assert.equal(await r.getAttribute('data-state'), 'installed');
    assert.equal(await r.getByTestId('model-select').isVisible(), true);
    assert.equal(await r.getByTestId('model-error').count(), 0);
    const m = (await listModels(page)).find((x) => x.id === FAST_ID);
    assert.ok(m?.installed && m.path === path.join(modelsDir, FAST_FILE), JSON.stringify(m));
    assert.equal(fs.statSync(m.path).size, DEFAULT.sizeBytes);
    assert.deepEqual(fs.readdirSync(modelsDir).filter((f) => f.endsWith('.part')), [], 'no .part left');
    assert.ok(server.for('smollm2.gguf').length >= 1);
  });

  test('Select: the pill shows loading, then ready; a chat then runs on the selected model', { timeout: 180_000 }, async () => {
    await openModels(page);
    await recordPill(page);
    await row(page, FAST_ID).getByTestId('model-select').click();
    const chosen = path.join(modelsDir, FAST_FILE);
    await page.waitForFunction(
      (file) => window.api.healthCheck().then((r) => r.ok && r.data.model.path === file && r.data.model.state === 'ready'),
      chosen,
      { timeout: 60_000, polling: 200 },
    );
    await page.waitForFunction(() => document.getElementById('health')?.dataset.state === 'ready', null, { timeout: 10_000 });
    const states = await page.evaluate(() => (window as unknown as { pill: string[] }).pill);
    const firstLoading = states.findIndex((s) => s.startsWith('loading|'));
    assert.ok(firstLoading > 0, `the pill showed loading: ${states.join(' → ')}`);
    assert.ok(states.slice(firstLoading).some((s) => s.startsWith('ready|Model ready: SmolLM2 135M')), `then ready: ${states.join(' → ')}`);
    assert.ok(states.at(-1)?.startsWith('ready|'), `and stays ready: ${states.join(' → ')}`);
    // The list marks the new choice; the bundled model can be selected again (and not removed).
    const r = row(page, FAST_ID);
    await page.waitForFunction((id) => document.querySelector(`[data-model-id="${id}"]`)?.getAttribute('data-state') === 'selected', FAST_ID);
    assert.match((await r.getByTestId('model-in-use').textContent()) ?? '', /^In use/);
    assert.equal(await r.getByTestId('model-remove').count(), 0, 'the model in use cannot be removed');
    assert.equal(await row(page, DEFAULT.id).getByTestId('model-select').isVisible(), true);
    assert.equal(await row(page, DEFAULT.id).getByTestId('model-remove').count(), 0, 'the bundled model cannot be removed');
    assert.equal(JSON.parse(fs.readFileSync(path.join(modelsDir, 'models.json'), 'utf8')).selected, FAST_ID, 'the choice is kept');
    await page.keyboard.press('Escape');
    await page.getByTestId('settings-panel').waitFor({ state: 'hidden' });
    // A chat on the selected model (the engine's model is the downloaded file).
    const loadsBefore = (await health(page))?.modelLoads ?? 0;
    await page.getByTestId('chat-input').fill('Say hello in one short sentence.');
    await page.getByTestId('chat-send').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-role="assistant"]:not(.streaming)').length >= 1, null, { timeout: 120_000 });
    const reply = (await page.locator('[data-role="assistant"]').last().textContent()) ?? '';
    assert.ok(reply.trim().length > 0, 'the tutor answered');
    const h = await health(page);
    assert.equal(h?.model.path, chosen, 'on the selected model');
    assert.equal(h?.model.state, 'ready');
    assert.equal(h?.modelLoads, loadsBefore, 'no second load: the chat ran on the model the switch loaded');
    assert.deepEqual(errors, []);
  });

  test('Cancel on a second download: no partial item in the list and nothing left on disk', { timeout: 180_000 }, async () => {
    await openModels(page);
    const r = row(page, SLOW_ID);
    assert.equal(await r.getByTestId('model-unverified').count(), 1, 'marked unverified');
    await r.getByTestId('model-download').click();
    await page.waitForFunction(
      (id) => Number((document.querySelector(`[data-model-id="${id}"] progress`) as HTMLProgressElement | null)?.value ?? 0) > 0.01,
      SLOW_ID,
      { timeout: 30_000 },
    );
    // Mid-download: a progress bar with a name, values and words; axe-clean; shot at every size.
    const bar = r.getByTestId('model-progress');
    assert.equal(await bar.evaluate((e) => e.tagName), 'PROGRESS');
    assert.match((await r.getByTestId('model-progress-text').textContent()) ?? '', /MB of 98 MB/);
    await noViolations(page, 'models-downloading');
    await shootAll(page, 'models-downloading', r);
    assert.equal(await r.getAttribute('data-state'), 'downloading', 'still downloading after the screenshots');
    // A reload while it runs: the page finds the download in the list, joins it (its bar keeps moving)
    // and its Cancel stops it.
    const before = await bar.evaluate((e) => (e as HTMLProgressElement).value);
    await page.reload();
    await page.getByTestId('essay-input').waitFor();
    await openModels(page);
    await r.getByTestId('model-progress').waitFor();
    await page.waitForFunction(
      ([id, v]) => Number((document.querySelector(`[data-model-id="${id}"] progress`) as HTMLProgressElement | null)?.value ?? 0) > v,
      [SLOW_ID, before] as const,
      { timeout: 20_000 },
    );
    await r.getByTestId('model-cancel').click();
    await page.waitForFunction((id) => document.querySelector(`[data-model-id="${id}"]`)?.getAttribute('data-state') === 'available', SLOW_ID, { timeout: 20_000 });
    assert.equal(await r.getByTestId('model-progress').count(), 0);
    assert.equal(await r.getByTestId('model-error').count(), 0, 'a cancel is not an error');
    assert.equal(await r.getByTestId('model-download').textContent(), 'Download', 'not "Resume": nothing was kept');
    const m = (await listModels(page)).find((x) => x.id === SLOW_ID);
    assert.deepEqual({ installed: m?.installed, partialBytes: m?.partialBytes, downloading: m?.downloading }, { installed: false, partialBytes: 0, downloading: null });
    assert.deepEqual(fs.readdirSync(modelsDir).filter((f) => f.startsWith(SLOW_FILE)), [], 'no file and no .part');
    // The current model keeps working.
    assert.equal((await health(page))?.model.state, 'ready');
  });

  test('Open GGUF file…: a tiny GGUF is added; a file that is not GGUF gives a plain error; Remove takes it away', async () => {
    await openModels(page);
    const before = (await listModels(page)).length;
    await page.getByTestId('model-open-file').click();
    const tiny = row(page, 'tiny-llama-q8_0');
    await tiny.waitFor();
    assert.equal(await tiny.getAttribute('data-state'), 'installed');
    assert.match((await tiny.textContent()) ?? '', /Added from a file/);
    assert.equal(await tiny.locator('.model-facts').textContent(), '128 KB · llama · Q8_0 · 2,048-token context');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'model-select', 'the focus is on its Select');
    assert.ok(fs.existsSync(path.join(modelsDir, 'tiny-llama-q8_0.gguf')));
    // The stand-in answers the text file next: refused in words, nothing listed or copied.
    await page.getByTestId('model-open-file').click();
    const error = page.getByTestId('models-error');
    await error.waitFor({ state: 'visible' });
    assert.equal(await error.textContent(), 'notes.gguf is not a usable model file: it is not a GGUF model file (it does not start with "GGUF").');
    assert.equal(await error.getAttribute('role'), 'alert');
    assert.equal((await listModels(page)).length, before + 1);
    assert.deepEqual(fs.readdirSync(modelsDir).filter((f) => f.startsWith('notes')), []);
    await noViolations(page, 'models-open-error');
    await shootAll(page, 'models-open-error', error);
    // No more answers: a cancelled dialog changes nothing and clears the message.
    await page.getByTestId('model-open-file').click();
    await error.waitFor({ state: 'hidden' });
    assert.equal((await listModels(page)).length, before + 1);
    // Remove asks first; "Keep it" keeps it, "Remove" removes the file.
    await tiny.getByTestId('model-remove').click();
    await tiny.getByTestId('model-remove-keep').click();
    assert.equal(await tiny.getByTestId('model-remove').isVisible(), true);
    await tiny.getByTestId('model-remove').click();
    assert.match((await tiny.locator('.model-confirm').textContent()) ?? '', /Remove .* \(128 KB\) from this computer\?/);
    await tiny.getByTestId('model-remove-confirm').click();
    await tiny.waitFor({ state: 'detached' });
    assert.ok(!fs.existsSync(path.join(modelsDir, 'tiny-llama-q8_0.gguf')));
  });

  test('after a restart, the model chosen in Settings is the one the engine loads', { timeout: 120_000 }, async () => {
    await harness.stop();
    harness = await startHarness(env, port);
    await page.reload();
    await page.getByTestId('essay-input').waitFor();
    assert.equal((await health(page))?.model.path, path.join(modelsDir, FAST_FILE));
    assert.match(harness.output(), /"event":"model.switch","modelId":"test-smollm2-download","contextSize":8192,"reason":"saved"/);
    await openModels(page);
    assert.equal(await row(page, FAST_ID).getAttribute('data-state'), 'selected');
    // And back to the bundled model.
    await row(page, DEFAULT.id).getByTestId('model-select').click();
    await page.waitForFunction(
      (file) => window.api.healthCheck().then((r) => r.ok && r.data.model.path === file && r.data.model.state === 'ready'),
      SMOLLM2,
      { timeout: 60_000, polling: 200 },
    );
    // The log has the switch and the load (ids, durations, outcomes), and no chat text.
    const loaded = /"event":"model.load","modelId":"smollm2-135m-instruct-q4_1","durationMs":\d+,"outcome":"ok"/;
    for (let i = 0; i < 50 && !loaded.test(harness.output()); i++) await page.waitForTimeout(100);
    assert.match(harness.output(), loaded);
    assert.equal(harness.output().includes('Say hello'), false);
    assert.deepEqual(errors, []);
  });
});
