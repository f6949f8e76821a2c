// The app's security settings, read from the code that Electron runs: window options, the preload's
// window.api (the built bundle, run with a stand-in for Electron's ipcRenderer/contextBridge), the IPC
// whitelist, navigation/window-open blocking, the Content-Security-Policy and the static file server.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import vm from 'node:vm';
import { contentSecurityPolicy, serveStatic } from '../../electron/content-policy';
import { hardenWebContents, type PreventableEvent } from '../../electron/hardening';
import type { SamsaraService } from '../../electron/service';
import { mainWindowOptions } from '../../electron/window-options';
import { API_FUNCTIONS, CHANNELS, CHECKER_ACTIONS, EVENT_CHANNELS, HISTORY_ACTIONS, MODEL_ACTIONS, PROVIDER_ACTIONS, REQUEST_ACTIONS, SETTINGS_ACTIONS, UPDATE_ACTIONS } from '../../preload/api';

const ROOT = path.resolve(__dirname, '..', '..');

test('the main window is isolated, sandboxed and without Node', () => {
  const o = mainWindowOptions('/app/dist/preload/preload.js', { isPackaged: true });
  const w = o.webPreferences ?? {};
  assert.equal(w.devTools, false, 'no developer tools in the installed app');
  assert.equal(w.contextIsolation, true);
  assert.equal(w.sandbox, true);
  assert.equal(w.nodeIntegration, false);
  assert.equal(w.nodeIntegrationInWorker, false);
  assert.equal(w.nodeIntegrationInSubFrames, false);
  assert.equal(w.webSecurity, true);
  assert.equal(w.allowRunningInsecureContent, false);
  assert.equal(w.webviewTag, false);
  assert.equal(w.experimentalFeatures, false);
  assert.equal(w.preload, '/app/dist/preload/preload.js');
  assert.equal(o.show, false, 'shown on ready-to-show');
});

interface FakeIpcRenderer {
  invoked: Array<[string, unknown]>;
  listeners: Map<string, (...args: unknown[]) => void>;
}

/** Runs the built preload bundle with a stand-in Electron; returns what it exposed and its IPC. */
function runPreload(answer: (channel: string, arg: unknown) => unknown) {
  const file = path.join(ROOT, 'dist', 'preload', 'preload.js');
  assert.ok(fs.existsSync(file), 'dist/preload/preload.js exists (npm run build)');
  const exposed: Record<string, unknown> = {};
  const ipc: FakeIpcRenderer = { invoked: [], listeners: new Map() };
  const required: string[] = [];
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, value: unknown) => {
        exposed[key] = value;
      },
    },
    ipcRenderer: {
      invoke: (channel: string, arg: unknown) => {
        ipc.invoked.push([channel, arg]);
        return Promise.resolve().then(() => answer(channel, arg)); // rejects (never throws) like the real one
      },
      on: (channel: string, listener: (...args: unknown[]) => void) => ipc.listeners.set(channel, listener),
    },
  };
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
    return electron;
  };
  // A sandboxed preload has the page's Web Crypto (for its request tickets) and nothing of Node.
  vm.runInNewContext(fs.readFileSync(file, 'utf8'), {
    require: sandboxRequire,
    module: { exports: {} },
    exports: {},
    crypto: { randomUUID: () => globalThis.crypto.randomUUID() },
  });
  return { exposed, ipc, required };
}

test('the preload exposes exactly window.api with the listed functions, never ipcRenderer', async () => {
  const { exposed, ipc, required } = runPreload((channel) =>
    channel === CHANNELS.cancel ? { ok: true, data: { cancelled: true } } : { ok: true, data: { reply: 'fine' } },
  );
  assert.deepEqual(Object.keys(exposed), ['api']);
  assert.deepEqual(required, ['electron'], 'one bundled file whose only import is electron');
  const api = exposed.api as Record<string, unknown>;
  assert.deepEqual(Object.keys(api).sort(), [...API_FUNCTIONS].sort());
  for (const v of Object.values(api)) assert.equal(typeof v, 'function');

  // A request goes on its own channel with a ticket; tokens for that ticket reach its onToken; cancel
  // names the same ticket.
  const tokens: string[] = [];
  const chat = (api.chat as (i: unknown, o: unknown) => PromiseLike<unknown> & { cancel(): void })(
    { message: 'hi' },
    { onToken: (t: string) => tokens.push(t) },
  );
  const [channel, env] = ipc.invoked[0] ?? [];
  assert.equal(channel, CHANNELS.chat);
  const { ticket, stream } = env as { ticket: string; stream: boolean };
  assert.equal(stream, true);
  const onToken = ipc.listeners.get(CHANNELS.token);
  assert.ok(onToken, 'listens for streamed tokens');
  onToken({}, ticket, 'Hel');
  onToken({}, 'another-ticket', 'XX');
  onToken({}, ticket, 'lo');
  chat.cancel();
  assert.deepEqual(ipc.invoked[1], [CHANNELS.cancel, ticket]);
  assert.deepEqual(Object.keys(chat).sort(), ['cancel', 'then'], 'only functions: safe across contextBridge');
  assert.deepEqual(await chat, { ok: true, data: { reply: 'fine' } });
  assert.deepEqual(tokens, ['Hel', 'lo']);

  // History calls go on their own channel with the fileId as the only argument.
  await (api.listChat as (fileId: string) => Promise<unknown>)('essay-1');
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.listChat, 'essay-1']);

  // Checker calls too: their argument as given (no ticket, nothing streamed).
  await (api.checkText as (i: unknown) => Promise<unknown>)({ text: 'Teh essay.', dialect: 'british' });
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.checkText, { text: 'Teh essay.', dialect: 'british' }]);
  await (api.addWord as (w: string) => Promise<unknown>)('snarfle');
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.addWord, 'snarfle']);
  await (api.removeWord as (w: string) => Promise<unknown>)('snarfle');
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.removeWord, 'snarfle']);
  await (api.listWords as () => Promise<unknown>)();
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.listWords, undefined]);
  // Save as PDF: the title only (main prints the page and asks the student where).
  await (api.exportPdf as (i?: unknown) => Promise<unknown>)({ title: 'My essay' });
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.exportPdf, { title: 'My essay' }]);
  // The model manager: ids as given; "Open GGUF file…" sends nothing (main's dialog picks the file).
  await (api.listModels as () => Promise<unknown>)();
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.listModels, undefined]);
  await (api.addModelFile as (...a: unknown[]) => Promise<unknown>)('/etc/passwd');
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.addModelFile, undefined], 'the page cannot name a file');
  await (api.selectModel as (id: string) => Promise<unknown>)('qwen');
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.selectModel, 'qwen']);
  await (api.removeModel as (id: string) => Promise<unknown>)('qwen');
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.removeModel, 'qwen']);
  // A download: a ticketed request on its own channel; progress for that ticket reaches onProgress (the
  // four numbers only), cancel names the same ticket.
  const progress: unknown[] = [];
  const download = (api.downloadModel as (i: unknown, o: unknown) => PromiseLike<unknown> & { cancel(): void })('qwen', {
    onProgress: (p: unknown) => progress.push(p),
  });
  const [dChannel, dEnv] = ipc.invoked.at(-1) ?? [];
  assert.equal(dChannel, CHANNELS.downloadModel);
  const d = dEnv as { ticket: string; payload: unknown; stream: boolean };
  assert.deepEqual([d.payload, d.stream], ['qwen', true]);
  const onProgress = ipc.listeners.get(CHANNELS.progress);
  assert.ok(onProgress, 'listens for download progress');
  onProgress({}, d.ticket, { bytes: 5, total: 10, bytesPerSecond: 1, etaSeconds: 5, extra: 'x' });
  onProgress({}, 'another-ticket', { bytes: 6, total: 10, bytesPerSecond: 1, etaSeconds: 4 });
  onProgress({}, d.ticket, { bytes: 'lots' });
  download.cancel();
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.cancel, d.ticket]);
  await download;
  // The school server: its settings and test input as given; nothing of main's comes back but the answer.
  await (api.getProvider as () => Promise<unknown>)();
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.getProvider, undefined]);
  await (api.setProvider as (p: unknown) => Promise<unknown>)({ kind: 'local' });
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.setProvider, { kind: 'local' }]);
  await (api.testProvider as (i: unknown) => Promise<unknown>)({ baseUrl: 'https://llm.school.example/v1' });
  assert.deepEqual(ipc.invoked.at(-1), [CHANNELS.testProvider, { baseUrl: 'https://llm.school.example/v1' }]);
  // (Made in the preload's context: compared as JSON, the other realm's prototypes aside.)
  assert.deepEqual(JSON.parse(JSON.stringify(progress)), [{ bytes: 5, total: 10, bytesPerSecond: 1, etaSeconds: 5 }]);

  const used = new Set(ipc.invoked.map(([c]) => c));
  for (const c of used) assert.ok((Object.values(CHANNELS) as string[]).includes(c));
});

test('a failing IPC call still resolves to a normalized error', async () => {
  const { exposed } = runPreload(() => {
    throw new Error('no handler registered');
  });
  const api = exposed.api as { healthCheck(): Promise<unknown>; assessEssay(i: unknown): PromiseLike<unknown> };
  const h = (await api.healthCheck()) as { ok: boolean; error: { code: string } };
  assert.equal(h.ok, false);
  assert.equal(h.error.code, 'ENGINE_ACTION_FAILED');
  const a = (await api.assessEssay({ fileId: 'f', text: 't' })) as { ok: boolean };
  assert.equal(a.ok, false);
});

test('main handles exactly one channel per action and nothing else', () => {
  const handled = new Map<string, (...args: unknown[]) => unknown>();
  const fakeElectron = {
    ipcMain: {
      handle: (channel: string, fn: (...args: unknown[]) => unknown) => handled.set(channel, fn),
      on: () => assert.fail('ipcMain.on is never used: every channel is a handled invoke'),
    },
  };
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = (request, ...rest) => (request === 'electron' ? fakeElectron : original(request, ...rest));
  try {
    const { registerIpc } = require('../../electron/ipc') as typeof import('../../electron/ipc');
    const calls: Array<{ action: string; sender: unknown }> = [];
    const service = {
      request: (action: string, sender: unknown) => calls.push({ action, sender }),
      healthCheck: (sender: unknown) => calls.push({ action: 'healthCheck', sender }),
      cancel: (sender: unknown) => calls.push({ action: 'cancel', sender }),
      history: (action: string, sender: unknown) => calls.push({ action, sender }),
      checker: (action: string, sender: unknown) => calls.push({ action, sender }),
      exportPdf: (sender: unknown) => calls.push({ action: 'exportPdf', sender }),
      settings: (action: string, sender: unknown) => calls.push({ action, sender }),
      models: (action: string, sender: unknown) => calls.push({ action, sender }),
      downloadModel: (sender: unknown) => calls.push({ action: 'downloadModel', sender }),
      provider: (action: string, sender: unknown) => calls.push({ action, sender }),
      updates: (action: string, sender: unknown) => calls.push({ action, sender }),
    } as unknown as SamsaraService;
    const mainFrame = { url: 'app://samsara/index.html', parent: null };
    const window = { isDestroyed: () => false, webContents: { id: 7 } } as unknown as Parameters<typeof registerIpc>[1];
    registerIpc(service, window);
    const expected = [
      ...REQUEST_ACTIONS.map((a) => CHANNELS[a]),
      ...HISTORY_ACTIONS.map((a) => CHANNELS[a]),
      ...CHECKER_ACTIONS.map((a) => CHANNELS[a]),
      ...SETTINGS_ACTIONS.map((a) => CHANNELS[a]),
      ...MODEL_ACTIONS.map((a) => CHANNELS[a]),
      ...PROVIDER_ACTIONS.map((a) => CHANNELS[a]),
      ...UPDATE_ACTIONS.map((a) => CHANNELS[a]),
      CHANNELS.healthCheck,
      CHANNELS.exportPdf,
      CHANNELS.downloadModel,
      CHANNELS.cancel,
    ];
    assert.deepEqual([...handled.keys()].sort(), expected.sort());
    // Every channel is handled but the ones main sends on.
    assert.deepEqual(expected.sort(), Object.values(CHANNELS).filter((c) => !EVENT_CHANNELS.includes(c)).sort());

    // The sender the service sees: our window's top frame, or not.
    const invoke = (channel: string, event: unknown) => handled.get(channel)?.(event, { ticket: 't', payload: {}, stream: false });
    invoke(CHANNELS.chat, { sender: { id: 7 }, senderFrame: mainFrame });
    invoke(CHANNELS.chat, { sender: { id: 7 }, senderFrame: { url: 'app://samsara/x.html', parent: mainFrame } });
    invoke(CHANNELS.healthCheck, { sender: { id: 8 }, senderFrame: { url: 'app://samsara/index.html', parent: null } });
    invoke(CHANNELS.cancel, { sender: { id: 7 }, senderFrame: null });
    invoke(CHANNELS.listChat, { sender: { id: 7 }, senderFrame: mainFrame });
    invoke(CHANNELS.clearChat, { sender: { id: 7 }, senderFrame: { url: 'app://samsara/x.html', parent: mainFrame } });
    invoke(CHANNELS.checkText, { sender: { id: 7 }, senderFrame: mainFrame });
    invoke(CHANNELS.addWord, { sender: { id: 8 }, senderFrame: mainFrame });
    invoke(CHANNELS.listWords, { sender: { id: 7 }, senderFrame: { url: 'app://samsara/x.html', parent: mainFrame } });
    invoke(CHANNELS.setSettings, { sender: { id: 7 }, senderFrame: mainFrame });
    invoke(CHANNELS.openHistoryFolder, { sender: { id: 7 }, senderFrame: { url: 'app://samsara/x.html', parent: mainFrame } });
    invoke(CHANNELS.selectModel, { sender: { id: 7 }, senderFrame: mainFrame });
    invoke(CHANNELS.downloadModel, { sender: { id: 8 }, senderFrame: mainFrame });
    invoke(CHANNELS.setProvider, { sender: { id: 7 }, senderFrame: mainFrame });
    invoke(CHANNELS.testProvider, { sender: { id: 7 }, senderFrame: { url: 'app://samsara/x.html', parent: mainFrame } });
    invoke(CHANNELS.setUpdates, { sender: { id: 7 }, senderFrame: mainFrame });
    invoke(CHANNELS.getUpdates, { sender: { id: 8 }, senderFrame: mainFrame });
    assert.deepEqual(
      calls.map((c) => [c.action, (c.sender as { isMainFrame: boolean }).isMainFrame]),
      [
        ['chat', true],
        ['chat', false],
        ['healthCheck', false],
        ['cancel', false],
        ['listChat', true],
        ['clearChat', false],
        ['checkText', true],
        ['addWord', false],
        ['listWords', false],
        ['setSettings', true],
        ['openHistoryFolder', false],
        ['selectModel', true],
        ['downloadModel', false],
        ['setProvider', true],
        ['testProvider', false],
        ['setUpdates', true],
        ['getUpdates', false],
      ],
    );
  } finally {
    loader._load = original;
  }
});

test('web contents cannot navigate, redirect, open windows or attach webviews', () => {
  const contents = new EventEmitter() as EventEmitter & { openHandler?: () => { action: string } };
  const harden = contents as unknown as Parameters<typeof hardenWebContents>[0];
  (contents as unknown as { setWindowOpenHandler(h: () => { action: string }): void }).setWindowOpenHandler = (h) => {
    contents.openHandler = h;
  };
  hardenWebContents(harden);
  for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
    let prevented = false;
    const e: PreventableEvent = { preventDefault: () => (prevented = true) };
    contents.emit(event, e, 'https://example.com/');
    assert.ok(prevented, `${event} is prevented`);
  }
  assert.deepEqual(contents.openHandler?.(), { action: 'deny' });
});

test('the Content-Security-Policy allows only the page\'s own scripts and no remote origin', () => {
  const app = contentSecurityPolicy({ connectSelf: false });
  const directives = new Map(app.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
  assert.equal(directives.get('default-src'), "'none'");
  assert.equal(directives.get('script-src'), "'self'");
  assert.equal(directives.get('connect-src'), "'none'");
  assert.equal(directives.get('object-src'), "'none'");
  assert.equal(directives.get('frame-ancestors'), "'none'");
  assert.doesNotMatch(app, /unsafe-inline|unsafe-eval|https?:|\*/);
  assert.equal(new Map(contentSecurityPolicy({ connectSelf: true }).split('; ').map((d) => [d.split(' ')[0], d])).get('connect-src'), "connect-src 'self'");
});

test('the static server sends the CSP and nothing outside the renderer folder', async () => {
  const root = path.join(ROOT, 'renderer');
  const csp = contentSecurityPolicy({ connectSelf: false });
  const index = await serveStatic(root, '/', csp);
  assert.equal(index.status, 200);
  assert.equal(index.headers['Content-Security-Policy'], csp);
  assert.match(index.headers['Content-Type'] ?? '', /text\/html/);
  assert.match(index.body.toString(), /<script src="app.js" defer><\/script>/);
  assert.doesNotMatch(index.body.toString(), /<script>(?!<)/, 'no inline script in the page');
  for (const bad of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/tsconfig.json', '/%E0%A4%A', '/feedback.ts']) {
    const r = await serveStatic(root, bad, csp);
    assert.notEqual(r.status, 200, bad);
    assert.equal(r.headers['Content-Security-Policy'], csp);
  }
});
