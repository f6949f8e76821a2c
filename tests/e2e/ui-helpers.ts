// Helpers for the everyday-layout and accessibility tests (issue 16): layout checks at a window size,
// the accessible name and description Chromium computes (over CDP), colour contrast of an element.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** The window sizes the layout is checked at (the screenshots use SIZES from browser.ts). */
export const LAYOUT_SIZES = [
  [800, 600],
  [1024, 768],
  [1280, 800],
  [1920, 1080],
  [2560, 1440],
] as const;

/**
 * tsx compiles these tests with esbuild's keepNames, so a function declared inside a callback passed to
 * page.evaluate calls __name(); the page gets a stand-in (as a string, which is not compiled).
 */
export const KEEP_NAMES = 'globalThis.__name = (f) => f';

export interface AxInfo {
  role?: string;
  name?: string;
  description?: string;
}

/** The role, accessible name and description Chromium computes for the first element matching `selector`. */
export async function axInfo(page: Page, selector: string): Promise<AxInfo> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    assert.ok(nodeId, `${selector} is on the page`);
    const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
    const n = nodes[0];
    const value = (v: unknown) => (v && typeof v === 'object' && 'value' in v ? String((v as { value: unknown }).value) : undefined);
    return { role: value(n?.role), name: value(n?.name), description: value(n?.description) };
  } finally {
    await cdp.detach();
  }
}

/**
 * Checks the layout at one window size: Assess is reachable (a click at its centre lands on it, nothing
 * covers it), the chat log is at least 200 px tall, one column below 1000 px, two up to 1800 and three
 * above, no sideways
 * scrolling, and no button's words wrap (from 1024 px: no row of buttons wraps either).
 */
export async function checkLayout(page: Page, width: number, height: number): Promise<void> {
  const at = `${width}x${height}`;
  await page.setViewportSize({ width, height });
  await page.waitForTimeout(200);
  // Assess and Send are reachable: scrolled to, a click at their centre lands on them (nothing covers them).
  for (const id of ['assess-button', 'chat-send']) {
    const button = page.getByTestId(id);
    await button.scrollIntoViewIfNeeded();
    const hit = await button.evaluate((b) => {
      const r = b.getBoundingClientRect();
      const e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return e === b || b.contains(e) ? 'itself' : `${e?.tagName}#${e?.id}.${e?.className}`;
    });
    assert.equal(hit, 'itself', `${at}: a click on ${id} lands on it`);
    if (id === 'assess-button') await button.click({ trial: true, timeout: 3_000 });
  }
  const logHeight = await page.getByTestId('chat-log').evaluate((e) => e.getBoundingClientRect().height);
  assert.ok(logHeight >= 199.5, `${at}: the chat log is ${logHeight} px tall`);

  const boxes = await page.evaluate(() =>
    ['.essay', '.feedback', '.chat'].map((s) => {
      const r = document.querySelector(s)?.getBoundingClientRect();
      return r ? { x: r.x, y: r.y, w: r.width, h: r.height } : null;
    }),
  );
  const [essay, feedback, chat] = boxes;
  assert.ok(essay && feedback && chat);
  if (width < 1000) {
    assert.ok(Math.abs(feedback.x - essay.x) < 1 && Math.abs(chat.x - essay.x) < 1, `${at}: one column`);
    assert.ok(feedback.y >= essay.y + essay.h - 1 && chat.y >= feedback.y + feedback.h - 1, `${at}: essay, feedback, chat in turn`);
  } else if (width < 1800) {
    assert.ok(feedback.x >= essay.x + essay.w - 1, `${at}: the feedback is beside the essay`);
    assert.ok(chat.y >= feedback.y + feedback.h - 1, `${at}: the chat is under the feedback`);
  } else {
    assert.ok(feedback.x >= essay.x + essay.w - 1 && chat.x >= feedback.x + feedback.w - 1, `${at}: three columns`);
  }
  const [sideways, down] = await page.evaluate(() => [
    document.documentElement.scrollWidth - window.innerWidth,
    document.documentElement.scrollHeight - window.innerHeight,
  ]);
  assert.ok(sideways <= 0, `${at}: no sideways scrolling (${sideways} px)`);
  assert.ok(down <= 0, `${at}: the window itself does not scroll, its panels do (${down} px); the header stays`);

  const wrapped = await page.evaluate((rows: boolean) => {
    const bad: string[] = [];
    const shown = (b: Element) => (b as HTMLElement).offsetParent !== null;
    for (const b of document.querySelectorAll<HTMLButtonElement>('button')) {
      if (!shown(b) || b.closest('.comment, .history, .toast') || b.classList.contains('link')) continue;
      const cs = getComputedStyle(b);
      const inner = b.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
      const line = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.5;
      if (inner > line * 1.5 || b.scrollWidth > b.clientWidth + 1) bad.push(`words of “${b.textContent?.trim()}”`);
    }
    if (rows) {
      for (const group of document.querySelectorAll<HTMLElement>('.actions')) {
        const tops = new Set([...group.children].filter(shown).map((c) => Math.round((c as HTMLElement).getBoundingClientRect().top)));
        if (tops.size > 1) bad.push(`row of ${[...group.children].map((c) => c.textContent?.trim()).join(' | ')}`);
      }
    }
    return bad;
  }, width >= 1024);
  assert.deepEqual(wrapped, [], `${at}: nothing wraps`);
}

/**
 * Makes the next chat request fail as a busy engine would answer it (the harness's NDJSON result line),
 * so an error toast shows on demand; the route is removed after that one request.
 */
export async function failNextChat(page: Page): Promise<void> {
  const result = { ok: false, error: { code: 'ENGINE_BUSY', message: 'The model is busy with other work. Try again in a moment.' } };
  await page.route(
    '**/api/chat',
    (route) => route.fulfill({ status: 200, contentType: 'application/x-ndjson', body: `${JSON.stringify({ result })}\n` }),
    { times: 1 },
  );
}

/** WCAG contrast of an element's text colour on its background colour (both must be opaque rgb()). */
export async function contrastOf(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((e) => {
    const cs = getComputedStyle(e);
    const rgb = (s: string) => (s.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const lum = (s: string) => {
      const [r = 0, g = 0, b = 0] = rgb(s).map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [a, b] = [lum(cs.color), lum(cs.backgroundColor)].sort((x, y) => y - x) as [number, number];
    return (a + 0.05) / (b + 0.05);
  });
}
