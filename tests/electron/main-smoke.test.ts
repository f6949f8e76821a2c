// The built main process (dist/electron/main.js) booted under plain Node with a STAND-IN for Electron's
// API (Electron's binary can't be downloaded here) and the real addon and model: it registers the
// app:// scheme and its IPC channels (one per action, plus cancel), opens one window with the hardened options, serves the
// renderer with the CSP, warms the model up after the window shows, adds a model through the Open
// dialog and switches the engine to it (Settings → Models), saves a school server with its key sealed
// by a TEST STAND-IN for safeStorage (Settings → School server), and shuts the engine down on quit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { BrowserWindowConstructorOptions } from 'electron';
import { CHANNELS, EVENT_CHANNELS } from '../../preload/api';
import { standInSecrets } from '../harness/secrets-stand-in';

const ROOT = path.resolve(__dirname, '..', '..');
const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-main-'));
const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-userdata-'));

type Listener = (...args: unknown[]) => unknown;
const appListeners = new Map<string, Listener[]>();
const handlers = new Map<string, Listener>();
const windows: FakeWindow[] = [];
const schemes: unknown[] = [];
let protocolHandler: ((request: { url: string }) => Promise<Response>) | undefined;
let quits = 0;
let exits = 0;
let permissionHandlers = 0;
let appMenu: Array<{ submenu?: Array<{ role?: string }> }> | undefined;
const openDialogs: Array<{ window: unknown; options: unknown }> = [];
const openAnswers: string[] = [];
/** TEST STAND-IN for Electron's safeStorage (AES-GCM under a test key: tests/harness/secrets-stand-in.ts). */
const safeStorage = { ...standInSecrets(), getSelectedStorageBackend: () => 'gnome_libsecret' };
const API_KEY = 'sk-smoke-7Tq2Lm9Xw4Vb1Nc8';

class FakeWindow {
  readonly events = new Map<string, Listener>();
  readonly webContents = { id: 41, mainFrame: { url: 'app://samsara/index.html', parent: null } };
  loaded = '';
  shown = false;
  minimized = true;
  focused = false;
  constructor(readonly options: BrowserWindowConstructorOptions) {
    windows.push(this);
  }
  static getAllWindows = () => windows;
  once(event: string, fn: Listener) {
    this.events.set(event, fn);
  }
  show() {
    this.shown = true;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  focus() {
    this.focused = true;
  }
  isDestroyed() {
    return false;
  }
  async loadURL(url: string) {
    this.loaded = url;
  }
}

const fakeElectron = {
  app: {
    getPath: (name: string) => (name === 'userData' ? userData : logs),
    getAppPath: () => ROOT,
    getVersion: () => '0.0.0-test',
    name: 'Samsara',
    isPackaged: false,
    requestSingleInstanceLock: () => true,
    on: (event: string, fn: Listener) => appListeners.set(event, [...(appListeners.get(event) ?? []), fn]),
    whenReady: () => Promise.resolve(),
    quit: () => {
      quits++;
    },
    exit: () => {
      exits++;
    },
  },
  Menu: {
    buildFromTemplate: (t: typeof appMenu) => t,
    setApplicationMenu: (m: typeof appMenu) => {
      appMenu = m;
    },
  },
  dialog: {
    showErrorBox: () => assert.fail('no error box at a normal start'),
    // "Open GGUF file…": answers the next of `openAnswers` (none left: cancelled).
    showOpenDialog: async (window: unknown, options: unknown) => {
      openDialogs.push({ window, options });
      const file = openAnswers.shift();
      return file ? { canceled: false, filePaths: [file] } : { canceled: true, filePaths: [] };
    },
  },
  protocol: {
    registerSchemesAsPrivileged: (s: unknown) => schemes.push(s),
    handle: (scheme: string, fn: typeof protocolHandler) => {
      assert.equal(scheme, 'app');
      protocolHandler = fn;
    },
  },
  session: {
    defaultSession: {
      setPermissionRequestHandler: () => permissionHandlers++,
      setPermissionCheckHandler: () => permissionHandlers++,
    },
  },
  BrowserWindow: FakeWindow,
  ipcMain: { handle: (channel: string, fn: Listener) => handlers.set(channel, fn) },
  safeStorage,
};

test('main boots, serves the renderer, answers IPC, warms up, and shuts down on quit', { timeout: 60_000 }, async () => {
  const main = path.join(ROOT, 'dist', 'electron', 'main.js');
  assert.ok(fs.existsSync(main), 'dist/electron/main.js exists (npm run build)');
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = (request, ...rest) => (request === 'electron' ? fakeElectron : original(request, ...rest));
  const stdout = process.stdout.write.bind(process.stdout);
  const printed: string[] = [];
  process.stdout.write = ((chunk: string) => {
    printed.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    require(main);
  } finally {
    loader._load = original;
    process.stdout.write = stdout;
  }
  await new Promise((r) => setImmediate(r)); // whenReady().then(...)

  assert.deepEqual(schemes, [[{ scheme: 'app', privileges: { standard: true, secure: true } }]]);
  assert.equal(permissionHandlers, 2, 'permission requests and checks are answered (with no)');
  assert.equal(windows.length, 1);
  assert.equal(exits, 0, 'the instance holding the lock starts');
  const [window] = windows;
  assert.ok(window);
  // Development: an application menu (so no Electron default), with reload and devtools kept.
  const menuRoles = (appMenu ?? []).flatMap((m) => (m.submenu ?? []).map((i) => i.role));
  assert.ok(menuRoles.includes('paste') && menuRoles.includes('reload') && menuRoles.includes('toggleDevTools'));
  assert.equal(window.options.webPreferences?.devTools, true, 'devtools in development');
  // A second launch brings this window back to the front.
  for (const fn of appListeners.get('second-instance') ?? []) fn({}, ['samsara'], ROOT);
  assert.equal(window.minimized, false);
  assert.equal(window.focused, true);
  assert.equal(window.loaded, 'app://samsara/index.html');
  assert.equal(window.options.webPreferences?.sandbox, true);
  assert.equal(window.options.webPreferences?.preload, path.join(ROOT, 'dist', 'preload', 'preload.js'));
  assert.deepEqual([...handlers.keys()].sort(), Object.values(CHANNELS).filter((c) => !EVENT_CHANNELS.includes(c)).sort());

  // The renderer over app://, with its CSP; nothing from other hosts or outside dist/renderer.
  assert.ok(protocolHandler);
  const page = await protocolHandler({ url: 'app://samsara/index.html' });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match(await page.text(), /data-testid="essay-input"/);
  assert.equal((await protocolHandler({ url: 'app://other/index.html' })).status, 404);
  assert.equal((await protocolHandler({ url: 'app://samsara/../package.json' })).status, 404);

  // Warm-up starts only when the window shows.
  const health = (event: unknown) =>
    handlers.get(CHANNELS.healthCheck)?.(event) as Promise<{ ok: boolean; data: { model: { state: string }; store: unknown } }>;
  const ours = { sender: { id: 41 }, senderFrame: window.webContents.mainFrame };
  assert.equal((await health(ours)).data.model.state, 'unloaded');
  window.events.get('ready-to-show')?.();
  assert.equal(window.shown, true);
  const t0 = Date.now();
  while ((await health(ours)).data.model.state !== 'ready') {
    assert.ok(Date.now() - t0 < 30_000, 'the model loads after the window shows');
    await new Promise((r) => setTimeout(r, 50));
  }
  const stranger = { sender: { id: 99 }, senderFrame: { url: 'app://samsara/index.html', parent: null } };
  assert.equal((await health(stranger)).ok, false, 'another web contents is refused');

  // A chat over the IPC handler, streamed back to the sending frame.
  const sent: unknown[][] = [];
  const frame = { ...window.webContents.mainFrame, isDestroyed: () => false, send: (...a: unknown[]) => sent.push(a) };
  const chat = (await handlers.get(CHANNELS.chat)?.(
    { sender: { id: 41 }, senderFrame: frame },
    { ticket: 'r1', payload: { fileId: 'smoke-essay', message: 'Say hello.' }, stream: true },
  )) as { ok: boolean };
  assert.equal(chat.ok, true);
  // History goes to samsara.db in the user's profile folder, and is listed over IPC.
  const storePath = path.join(userData, 'samsara.db');
  assert.deepEqual((await health(ours)).data.store, { status: 'ok', persistent: true, path: storePath });
  assert.ok(fs.existsSync(storePath));
  const listed = (await handlers.get(CHANNELS.listChat)?.(ours, 'smoke-essay')) as { ok: boolean; data: { role: string }[] };
  assert.deepEqual(listed.data.map((m) => m.role), ['user', 'assistant']);
  assert.ok(sent.length >= 2 && sent.every((a) => a[0] === CHANNELS.token && a[1] === 'r1'));

  // The checker and the personal dictionary over IPC (the dictionary lives in the same samsara.db).
  type Checked = { ok: boolean; data: { comments: Array<{ anchor?: { quote: string }; category?: string }> } };
  const check = () => handlers.get(CHANNELS.checkText)?.(ours, { text: 'We met my freind at the grobe.' }) as Promise<Checked>;
  const flagged = (r: Checked) => r.data.comments.filter((c) => c.category === 'spelling').map((c) => c.anchor?.quote);
  assert.deepEqual(flagged(await check()), ['freind', 'grobe']);
  assert.deepEqual(await handlers.get(CHANNELS.addWord)?.(ours, 'grobe'), { ok: true, data: undefined });
  assert.deepEqual(flagged(await check()), ['freind']);
  assert.deepEqual(await handlers.get(CHANNELS.listWords)?.(ours, undefined), { ok: true, data: ['grobe'] });
  assert.equal(((await handlers.get(CHANNELS.addWord)?.(stranger, 'other')) as { ok: boolean }).ok, false, 'a stranger is refused');

  // Settings → Models over IPC: the list (the bundled model in use); "Open GGUF file…" through Electron's
  // Open dialog on our window (the stand-in answers a tiny GGUF), copied into <userData>/models; select
  // switches the engine to it at once; a cancelled dialog adds nothing.
  type Listed = { ok: boolean; data: Array<{ id: string; selected: boolean; bundled: boolean }> };
  const models = (await handlers.get(CHANNELS.listModels)?.(ours, undefined)) as Listed;
  assert.deepEqual(models.data.filter((m) => m.selected).map((m) => m.bundled), [true]);
  openAnswers.push(path.join(ROOT, 'tests', 'tiny-models', 'gguf', 'tiny-llama-q8_0.gguf'));
  const added = (await handlers.get(CHANNELS.addModelFile)?.(ours, undefined)) as { ok: boolean; data: { id: string; file: string } };
  assert.equal(added.ok, true, JSON.stringify(added));
  assert.equal(openDialogs[0]?.window, window, 'a sheet on our window');
  assert.deepEqual((openDialogs[0]?.options as { filters: unknown }).filters, [{ name: 'GGUF model', extensions: ['gguf'] }]);
  const tinyPath = path.join(userData, 'models', added.data.file);
  assert.ok(fs.existsSync(tinyPath));
  assert.deepEqual(await handlers.get(CHANNELS.addModelFile)?.(ours, undefined), { ok: true, data: null }, 'cancelled');
  const selected = (await handlers.get(CHANNELS.selectModel)?.(ours, added.data.id)) as { ok: boolean; data: { path: string } };
  assert.deepEqual(selected, { ok: true, data: { id: added.data.id, path: tinyPath } });
  const t2 = Date.now();
  for (;;) {
    const m = (await health(ours)).data.model as { state: string; path?: string; contextLength?: number };
    if (m.path === tinyPath && m.state === 'ready') {
      assert.equal(m.contextLength, 2048, "the file's own context (under 8192)");
      break;
    }
    assert.ok(Date.now() - t2 < 30_000, `the selected model loads (${JSON.stringify(m)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(((await handlers.get(CHANNELS.selectModel)?.(stranger, added.data.id)) as { ok: boolean }).ok, false, 'a stranger is refused');

  // Settings → School server over IPC: saved in <userData>/provider.json with the key sealed by (the
  // stand-in for) safeStorage, given to the engine, never answered back; then back to this computer.
  type Provider = { ok: boolean; data: { kind: string; hasKey: boolean; keyStorage: string } };
  const school = { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', model: 'm1', apiKey: API_KEY };
  const set = (await handlers.get(CHANNELS.setProvider)?.(ours, school)) as Provider;
  assert.deepEqual([set.ok, set.data.hasKey, set.data.keyStorage], [true, true, 'encrypted'], JSON.stringify(set));
  assert.ok(!JSON.stringify(set).includes(API_KEY));
  const providerFile = fs.readFileSync(path.join(userData, 'provider.json'), 'utf8');
  assert.ok(providerFile.includes('"sealed"') && !providerFile.includes(API_KEY), 'the key only sealed in the file');
  const engineProvider = (await health(ours)).data as unknown as { provider: { kind: string; baseUrl?: string } };
  assert.deepEqual([engineProvider.provider.kind, engineProvider.provider.baseUrl], ['openai-compatible', 'http://127.0.0.1:9/v1']);
  assert.equal(((await handlers.get(CHANNELS.getProvider)?.(stranger, undefined)) as { ok: boolean }).ok, false, 'a stranger is refused');
  assert.equal(((await handlers.get(CHANNELS.setProvider)?.(ours, { kind: 'local' })) as Provider).data.kind, 'local');
  assert.equal(((await health(ours)).data as unknown as { provider: { kind: string } }).provider.kind, 'local');

  // Quit waits for the engine to shut down, then quits for real.
  let prevented = false;
  for (const fn of appListeners.get('before-quit') ?? []) fn({ preventDefault: () => (prevented = true) });
  assert.ok(prevented, 'the first quit is held until the engine is down');
  const t1 = Date.now();
  while (quits === 0) {
    assert.ok(Date.now() - t1 < 5_000);
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const fn of appListeners.get('before-quit') ?? []) fn({ preventDefault: () => assert.fail('second quit is not held') });

  const log = fs.readFileSync(path.join(logs, 'main.log'), 'utf8');
  for (const event of ['app.start', 'engine.warmup', 'request.start', 'request.end', 'request.refused', 'model.switch', 'model.load', 'provider.applied', 'engine.shutdown']) {
    assert.ok(log.includes(`"event":"${event}"`), `main.log has ${event}`);
  }
  assert.ok(!log.includes('Say hello'), 'no chat text in the log');
  assert.ok(!log.includes('grobe') && !log.includes('freind'), 'no checked text or dictionary word in the log');
  assert.ok(!log.includes(API_KEY), 'no API key in the log');
  assert.ok(printed.join('').includes('"event":"app.start"'), 'the log also goes to stdout');
});
