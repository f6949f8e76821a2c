// How the built main process (dist/electron/main.js) starts, under plain Node with a STAND-IN for
// Electron's API (as in main-smoke.test.ts): a second instance and a packaged app given a debugging
// switch exit before anything is created (no log folder, no addon, no window); a packaged app ignores
// every SAMSARA_* variable, in main and in the addon's Rust, and runs without devtools or reload.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { BrowserWindowConstructorOptions } from 'electron';
import { CHANNELS } from '../../preload/api';

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'electron', 'main.js');

type Listener = (...args: unknown[]) => unknown;
interface Boot {
  /** Every module main asked for by path (the addon shows up here when loaded). */
  loaded: string[];
  windows: Array<{ options: BrowserWindowConstructorOptions; events: Map<string, Listener> }>;
  appListeners: Map<string, Listener[]>;
  handlers: Map<string, Listener>;
  exitCodes: number[];
  lockRequests: number;
  menu: Array<{ submenu?: Array<{ role?: string }> }> | undefined;
  stdout: string;
  stderr: string;
  logs: string;
  userData: string;
}

/** Requires a fresh copy of the built main with a stand-in Electron; returns what it did. */
async function boot(o: { isPackaged: boolean; gotLock: boolean; argv?: string[] }): Promise<Boot> {
  assert.ok(fs.existsSync(MAIN), 'dist/electron/main.js exists (npm run build)');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-startup-'));
  const b: Boot = {
    loaded: [],
    windows: [],
    appListeners: new Map(),
    handlers: new Map(),
    exitCodes: [],
    lockRequests: 0,
    menu: undefined,
    stdout: '',
    stderr: '',
    logs: path.join(tmp, 'logs'),
    userData: path.join(tmp, 'userData'),
  };
  fs.mkdirSync(b.userData);
  class FakeWindow {
    isDestroyed = () => false;
    readonly events = new Map<string, Listener>();
    readonly webContents = { id: 7, mainFrame: { url: 'app://samsara/index.html', parent: null } };
    constructor(readonly options: BrowserWindowConstructorOptions) {
      b.windows.push(this);
    }
    static getAllWindows = () => b.windows;
    once(event: string, fn: Listener) {
      this.events.set(event, fn);
    }
    async loadURL() {}
  }
  const fakeElectron = {
    app: {
      getPath: (name: string) => (name === 'userData' ? b.userData : b.logs),
      getAppPath: () => ROOT,
      getVersion: () => '0.0.0-test',
      name: 'Samsara',
      isPackaged: o.isPackaged,
      requestSingleInstanceLock: () => (b.lockRequests++, o.gotLock),
      on: (event: string, fn: Listener) => b.appListeners.set(event, [...(b.appListeners.get(event) ?? []), fn]),
      whenReady: () => Promise.resolve(),
      quit: () => {},
      exit: (code: number) => b.exitCodes.push(code),
    },
    protocol: { registerSchemesAsPrivileged: () => {}, handle: () => {} },
    session: { defaultSession: { setPermissionRequestHandler: () => {}, setPermissionCheckHandler: () => {} } },
    Menu: { buildFromTemplate: (t: Boot['menu']) => t, setApplicationMenu: (m: Boot['menu']) => (b.menu = m) },
    dialog: { showErrorBox: (title: string, text: string) => assert.fail(`error box: ${title}: ${text}`) },
    // TEST STAND-IN for safeStorage: a computer that can't encrypt (the school server's key is then session-only).
    safeStorage: { isEncryptionAvailable: () => false, encryptString: () => assert.fail('never without encryption'), decryptString: () => assert.fail('never') },
    BrowserWindow: FakeWindow,
    ipcMain: { handle: (channel: string, fn: Listener) => b.handlers.set(channel, fn) },
  };
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = (request, ...rest) => {
    if (request === 'electron') return fakeElectron;
    b.loaded.push(request);
    return original(request, ...rest);
  };
  const { argv } = process;
  const out = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => ((b.stdout += String(chunk)), true)) as typeof process.stdout.write;
  // main writes its refusal straight to fd 2 (see main.ts); everything else goes through untouched.
  const writeSync = fs.writeSync;
  fs.writeSync = ((fd: number, data: string, ...rest: unknown[]) => {
    if (fd === 2) return (b.stderr += String(data)), String(data).length;
    return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
  }) as typeof fs.writeSync;
  if (o.argv) process.argv = ['/opt/Samsara/samsara', ...o.argv];
  // Synchronous only: the test runner reports over this process's stdout, so it is given back before
  // any await.
  try {
    delete require.cache[MAIN];
    require(MAIN);
  } finally {
    loader._load = original;
    process.stdout.write = out;
    fs.writeSync = writeSync;
    process.argv = argv;
  }
  await new Promise((r) => setImmediate(r)); // whenReady().then(...)
  return b;
}

const addonLoaded = (b: Boot) => b.loaded.some((r) => /native[\\/]index(\.js|\.node)?$/.test(r) || r.endsWith('.node'));

test('a second instance exits at once: no log folder, no addon, no window, no handlers', async () => {
  for (const isPackaged of [false, true]) {
    const b = await boot({ isPackaged, gotLock: false });
    assert.deepEqual(b.exitCodes, [0], 'app.exit(0)');
    assert.equal(b.lockRequests, 1);
    assert.equal(fs.existsSync(b.logs), false, 'no log folder made');
    assert.equal(addonLoaded(b), false, 'the addon is not loaded');
    assert.equal(b.windows.length, 0);
    assert.equal(b.appListeners.size, 0, 'no app events handled (whenReady is never used either)');
    assert.equal(b.handlers.size, 0);
    assert.equal(b.stderr, '');
  }
});

test('a packaged app given a debugging switch exits with a message, before taking the lock', async () => {
  for (const sw of ['--remote-debugging-port=9222', '--inspect-brk', '--remote-debugging-pipe']) {
    const b = await boot({ isPackaged: true, gotLock: true, argv: [sw] });
    assert.deepEqual(b.exitCodes, [1], sw);
    assert.equal(b.lockRequests, 0, 'the running instance is not disturbed');
    assert.match(b.stderr, new RegExp(`refusing to start with ${sw.replace(/=.*/, '')}`));
    assert.equal(addonLoaded(b), false);
    assert.equal(b.windows.length, 0);
    assert.equal(fs.existsSync(b.logs), false);
  }
});

test('a packaged app ignores every SAMSARA_* variable (main and the addon) and has no devtools or reload', async () => {
  // resources/ of the packaged app: the manifest that names the default model (the weights load lazily).
  const resources = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-resources-'));
  fs.mkdirSync(path.join(resources, 'models'));
  fs.copyFileSync(path.join(ROOT, 'models', 'manifest.json'), path.join(resources, 'models', 'manifest.json'));
  const proc = process as NodeJS.Process & { resourcesPath: string };
  const hadResources = proc.resourcesPath;
  proc.resourcesPath = resources;
  const planted = path.join(resources, 'planted');
  const overrides: Record<string, string> = {
    SAMSARA_NATIVE_PATH: path.join(planted, 'evil.node'), // would fail to load: the addon would be down
    SAMSARA_MODEL: path.join(planted, 'm.gguf'),
    SAMSARA_STORE: path.join(planted, 'evil.db'),
    SAMSARA_THREADS: '3',
    SAMSARA_ISA: 'scalar',
    SAMSARA_DIALECT: 'british',
    SAMSARA_LOG: 'debug',
  };
  Object.assign(process.env, overrides);
  let b: Boot;
  try {
    b = await boot({ isPackaged: true, gotLock: true, argv: [] });
  } finally {
    proc.resourcesPath = hadResources;
  }
  assert.deepEqual(b.exitCodes, []);
  assert.deepEqual(Object.keys(process.env).filter((k) => k.startsWith('SAMSARA_')), [], 'process.env scrubbed');
  assert.equal(fs.existsSync(planted), false, 'nothing written where the variables pointed');

  // Main's explicit paths: the manifest's default model in resources/models, history in userData.
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8')) as {
    default: string;
    models: Array<{ id: string; file: string }>;
  };
  const modelFile = manifest.models.find((m) => m.id === manifest.default)?.file ?? '';
  const start = JSON.parse(b.stdout.split('\n').find((l) => l.includes('"event":"app.start"')) ?? '{}') as Record<string, unknown>;
  assert.equal(start.modelPath, path.join(resources, 'models', modelFile));
  assert.equal(start.storePath, path.join(b.userData, 'samsara.db'));
  assert.equal(start.packaged, true);

  // The addon (loaded from native/, not SAMSARA_NATIVE_PATH) saw none of them either: its Rust reads
  // SAMSARA_THREADS / SAMSARA_ISA / SAMSARA_STORE itself.
  assert.ok(addonLoaded(b));
  const [window] = b.windows;
  assert.ok(window);
  const ours = { sender: { id: 7 }, senderFrame: { url: 'app://samsara/index.html', parent: null } };
  const health = (await b.handlers.get(CHANNELS.healthCheck)?.(ours)) as {
    ok: boolean;
    data: { threads: number; kernels: string; store: { path?: string }; model: { path?: string } };
  };
  assert.equal(health.ok, true);
  assert.equal(health.data.threads, 1, 'SAMSARA_THREADS ignored');
  assert.equal(health.data.store.path, path.join(b.userData, 'samsara.db'));
  if (process.arch === 'x64' && health.data.kernels === 'scalar') {
    assert.fail('SAMSARA_ISA=scalar reached the addon (or this x64 CPU has no AVX2)');
  }

  // No developer tools, and a menu without reload or devtools (so Ctrl+R and Ctrl+Shift+I do nothing).
  assert.equal(window.options.webPreferences?.devTools, false);
  const roles = (b.menu ?? []).flatMap((m) => (m.submenu ?? []).map((i) => i.role));
  assert.ok(roles.includes('paste') && roles.includes('quit'));
  assert.ok(!roles.includes('reload') && !roles.includes('forceReload') && !roles.includes('toggleDevTools'));

  // Quit shuts the engine down (so the process can end).
  for (const fn of b.appListeners.get('before-quit') ?? []) fn({ preventDefault: () => {} });
  await new Promise((r) => setTimeout(r, 200));
  fs.rmSync(resources, { recursive: true, force: true });
});
