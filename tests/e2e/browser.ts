// End-to-end plumbing: the test harness (tests/harness/server.ts) in a child process, as Electron's
// main would be, and Debian's Chromium driven by playwright-core.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '..', '..');
export const ARTIFACTS = path.join(ROOT, 'artifacts', 'e2e');

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string | undefined {
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (p): p is string => !!p && fs.existsSync(p),
  );
}

export async function launch(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('Chromium is missing: apt-get install -y chromium (or set CHROMIUM_PATH)');
  return chromium.launch({ executablePath, args: CHROMIUM_FLAGS });
}

export interface Harness {
  url: string;
  /** Everything the harness process wrote to stdout and stderr (its lifecycle log). */
  output(): string;
  stop(): Promise<void>;
}

/** A port nobody listens on right now (so a restarted harness keeps the page's origin and storage). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startHarness(env: Record<string, string> = {}, port?: number): Promise<Harness> {
  const args = ['--import', 'tsx', path.join(ROOT, 'tests', 'harness', 'server.ts'), ...(port ? ['--port', String(port)] : [])];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`harness did not start:\n${out}`)), 60_000);
    const poll = setInterval(() => {
      const m = /"event":"harness.ready","url":"([^"]+)"/.exec(out);
      if (m?.[1]) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(m[1]);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`harness exited (${code}):\n${out}`));
    });
  });
  return {
    url,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        // A harness that does not exit within 10 s of SIGTERM is killed (and the test goes on).
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** One Chromium for a test file: launched before its tests, closed after them. */
export function sharedBrowser(): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium is not launched yet');
    return browser;
  };
}

/** Sets the viewport, scrolls `focus` into view, and saves what a student sees of the window. */
export async function shootAt(page: Page, name: string, width: number, height: number, focus?: Locator): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.setViewportSize({ width, height });
  await focus?.evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await page.waitForTimeout(300); // layout settles
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}x${height}.png`) });
}

export interface OpenApp {
  harness: Harness;
  context: BrowserContext;
  page: Page;
}

/** The app in a new harness on `env`, in a new browser context; the page's uncaught errors go to `errors`. */
export async function openApp(browser: Browser, env: Record<string, string>, options: BrowserContextOptions, errors: string[]): Promise<OpenApp> {
  const harness = await startHarness(env, await freePort());
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(harness.url);
  return { harness, context, page };
}

/** Closes what openApp opened (either may be missing if it failed) and removes `dir`. */
export async function closeApp(app: Partial<OpenApp>, dir: string): Promise<void> {
  await app.context?.close();
  await app.harness?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

export type Violation = { id: string; impact: string; help: string; nodes: string[] };

/** axe-core on the page as it is: the serious and critical violations (all of them go to a JSON file). */
export async function axe(page: Page, name: string): Promise<Violation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.addScriptTag({ content: fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8') });
  }
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, `axe-${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The window sizes every screen state is shot at (issue 16), in the light and the dark theme. */
export const SIZES = [
  [800, 600],
  [1280, 800],
  [1920, 1080],
] as const;

/**
 * Shoots `name` at every size in both themes (`<name>-<light|dark>-<w>x<h>.png`). The app follows the
 * system's colour scheme unless the student picked a theme, so the scheme is emulated here.
 */
export async function shootAll(page: Page, name: string, focus?: Locator): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    for (const [width, height] of SIZES) await shootAt(page, `${name}-${colorScheme}`, width, height, focus);
  }
  await page.emulateMedia({ colorScheme: null });
  await page.setViewportSize({ width: 1280, height: 860 });
}
