// Electron's main process: one hardened window serving the built renderer over app://, the IPC
// handlers, the model warm-up after the window shows, and a clean engine shutdown on quit.
import { app, BrowserWindow, protocol, session } from 'electron';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type * as Native from '../native/index';
import { contentSecurityPolicy, serveStatic } from './content-policy';
import { hardenWebContents } from './hardening';
import { registerIpc } from './ipc';
import { jsonLogger, stdoutSink } from './log';
import { distPaths, nativeEntry, resolveModelPath, type AppLocation } from './paths';
import { SamsaraService } from './service';
import { mainWindowOptions } from './window-options';

const APP_ORIGIN = 'app://samsara';

// A standard, secure scheme: the page gets a real origin (needed for the CSP 'self' and the sender
// check) without file:// and its access to the whole disk.
protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true } }]);

if (!app.requestSingleInstanceLock()) app.quit();

const logDir = app.getPath('logs');
mkdirSync(logDir, { recursive: true });
const logFile = path.join(logDir, 'main.log');
const log = jsonLogger(stdoutSink(), (line) => appendFileSync(logFile, `${line}\n`));

const where: AppLocation = {
  env: process.env,
  isPackaged: app.isPackaged,
  resourcesPath: process.resourcesPath,
  appPath: app.getAppPath(),
};

// The addon is loaded from its path, not bundled: its .node sits next to index.js (unpacked from the
// asar in a packaged app).
const engine = require(nativeEntry(where)) as typeof Native;
const modelPath = resolveModelPath(where);
// History (essays' assessments and chats) in the user's profile folder, or $SAMSARA_STORE.
const storePath = process.env.SAMSARA_STORE || path.join(app.getPath('userData'), 'samsara.db');
engine.configure({ modelPath, storePath });
const service = new SamsaraService({ engine, log, trustedOrigins: [APP_ORIGIN] });
log({ event: 'app.start', version: app.getVersion(), packaged: app.isPackaged, modelPath, storePath });

app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

app.on('second-instance', () => {
  const [window] = BrowserWindow.getAllWindows();
  if (window) {
    if (window.isMinimized()) window.restore();
    window.focus();
  }
});

const dist = distPaths(where.appPath);

function createWindow(): void {
  const window = new BrowserWindow(mainWindowOptions(dist.preload));
  registerIpc(service, window);
  window.once('ready-to-show', () => {
    window.show();
    // After the first paint, so loading the weights never delays the window.
    setTimeout(() => void service.warmUp(), 0);
  });
  void window.loadURL(`${APP_ORIGIN}/index.html`);
}

void app.whenReady().then(() => {
  const csp = contentSecurityPolicy({ connectSelf: false });
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    const r = url.host === 'samsara' ? await serveStatic(dist.renderer, url.pathname, csp) : null;
    if (!r) return new Response('not found', { status: 404 });
    return new Response(typeof r.body === 'string' ? r.body : new Uint8Array(r.body), {
      status: r.status,
      headers: r.headers,
    });
  });
  // No camera, microphone, notifications or anything else a page could ask for.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  createWindow();
});

app.on('window-all-closed', () => app.quit());

// Quit waits for the engine: running work is cancelled and the model freed before the process ends.
let engineStopped = false;
app.on('before-quit', (event) => {
  if (engineStopped) return;
  event.preventDefault();
  service
    .shutdown()
    .catch(() => log({ event: 'app.error', where: 'shutdown' }))
    .finally(() => {
      engineStopped = true;
      app.quit();
    });
});
