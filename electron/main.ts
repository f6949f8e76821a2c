// Electron's main process: one hardened window serving the built renderer over app://, the IPC
// handlers, the model warm-up after the window shows, and a clean engine shutdown on quit.
import { app, BrowserWindow, dialog, Menu, protocol, safeStorage, session, shell } from 'electron';
import { autoUpdater } from 'electron-updater';
import { appendFileSync, existsSync, mkdirSync, writeSync } from 'node:fs';
import path from 'node:path';
import type * as Native from '../native/index';
import { contentSecurityPolicy, serveStatic } from './content-policy';
import { hardenWebContents } from './hardening';
import { registerIpc } from './ipc';
import { jsonLogger, stdoutSink } from './log';
import { menuTemplate } from './menu';
import { EngineSwitch } from './models/engine-switch';
import type { ModelManager } from './models/manager';
import { appModelManager } from './models/setup';
import { allowPermission } from './permissions';
import { distPaths, modelFromEnv, modelsDir, nativeEntry, resolveModelPath, resolveStorePath, userModelsDir, type AppLocation } from './paths';
import { PROVIDER_FILE, ProviderStore, providerEngineOf, systemSecrets } from './provider-settings';
import { SamsaraService } from './service';
import { decideStart, scrubEnv } from './startup';
import { UPDATES_FILE, Updates } from './updates';
import { mainWindowOptions } from './window-options';

const APP_ORIGIN = 'app://samsara';

// Before anything is created (no imported module reads SAMSARA_* at load): a packaged app drops every
// SAMSARA_* override, so neither native/index.js (SAMSARA_NATIVE_PATH) nor the addon's Rust sees one.
scrubEnv(process.env, app.isPackaged);
const decision = decideStart({
  isPackaged: app.isPackaged,
  argv: process.argv,
  platform: process.platform,
  requestLock: () => app.requestSingleInstanceLock(),
});
if (decision.start) {
  start();
} else {
  if (decision.message) {
    // Synchronously: app.exit before the app is ready ends the process at once, and a piped stderr is
    // asynchronous on macOS. A Windows GUI app may have no stderr at all.
    try {
      writeSync(2, decision.message);
    } catch {
      // nowhere to say it
    }
  }
  // exit, not quit: nothing was created, and no before-quit handler should run.
  app.exit(decision.exitCode);
}

function start(): void {
  // A standard, secure scheme: the page gets a real origin (needed for the CSP 'self' and the sender
  // check) without file:// and its access to the whole disk.
  protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true } }]);

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

  // Explicit paths: the manifest's default model in models/ (resources/models/ when packaged) and the
  // history in the user's profile folder; $SAMSARA_MODEL / $SAMSARA_STORE in development only.
  let modelPath: string;
  let models: ModelManager;
  try {
    modelPath = resolveModelPath(where);
    // Settings → Models: downloaded and added models in <userData>/models, the catalogue and the bundled
    // default from the app's models/ folder.
    models = appModelManager({
      userModelsDir: userModelsDir(app.getPath('userData')),
      bundledDir: modelsDir(where),
      env: process.env,
      isPackaged: app.isPackaged,
    });
  } catch (e) {
    // A broken install (no models/manifest.json): say so rather than start with no model.
    log({ event: 'app.error', where: 'model-manifest' });
    dialog.showErrorBox('Samsara cannot start', `${(e as Error).message} Reinstall Samsara.`);
    app.exit(1);
    return;
  }
  const storePath = resolveStorePath(where, app.getPath('userData'));
  // The addon is loaded from its path, not bundled: its .node sits next to index.js (unpacked from the
  // asar in a packaged app).
  const engine = require(nativeEntry(where)) as typeof Native;
  engine.configure({ modelPath, storePath });
  // selectModel switches the engine's model at run time (electron/models/engine-switch.ts).
  const switcher = new EngineSwitch({ engine, manager: models, log });
  // Settings → School server: <userData>/provider.json, the API key sealed with the system's safeStorage.
  const provider = new ProviderStore({
    file: path.join(app.getPath('userData'), PROVIDER_FILE),
    secrets: systemSecrets(safeStorage, process.platform),
    engine: providerEngineOf(engine),
    log,
  });
  // Settings → Updates: electron-updater in the installed app only (app-update.yml, the GitHub release;
  // an installer built without a feed has none); the setting and the last check in <userData>/updates.json.
  const updates = new Updates({
    updater: app.isPackaged && existsSync(path.join(process.resourcesPath, 'app-update.yml')) ? autoUpdater : null,
    file: path.join(app.getPath('userData'), UPDATES_FILE),
    currentVersion: app.getVersion(),
    log,
  });
  const service = new SamsaraService({
    engine,
    log,
    trustedOrigins: [APP_ORIGIN],
    // Settings' "Open folder": the history file (the engine's path, never the page's) in the file manager.
    showItemInFolder: (file) => shell.showItemInFolder(file),
    models: { manager: models, switcher },
    provider,
    updates,
  });
  // The student's saved dialect and threads, and the model chosen in Settings → Models (else the
  // bundled default; $SAMSARA_MODEL wins in development), go to the engine before the warm-up loads it;
  // so does the school server, once the app is ready (safeStorage can't decrypt before 'ready' on Linux
  // and Windows).
  const settingsApplied = Promise.all([
    service.applySavedSettings(),
    switcher.applySaved(modelPath, modelFromEnv(where) !== undefined),
    app.whenReady().then(() => provider.load()),
  ]);
  log({ event: 'app.start', version: app.getVersion(), packaged: app.isPackaged, modelPath, storePath });

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  // A second launch exits at once (above); the running one comes to the front instead.
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });

  const dist = distPaths(where.appPath);

  function createWindow(): void {
    const window = new BrowserWindow(mainWindowOptions(dist.preload, { isPackaged: app.isPackaged }));
    registerIpc(service, window);
    window.once('ready-to-show', () => {
      window.show();
      // After the first paint, so loading the weights never delays the window.
      // Not when a school server answers everything: the model would only take memory.
      setTimeout(() => void settingsApplied.then(() => (provider.needsLocalModel() ? service.warmUp() : undefined)), 0);
      // The first update check waits for the window too (then at most one a day).
      setTimeout(() => void updates.start(), 0);
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
    // No camera, microphone, notifications or anything else a page could ask for; only writing text to
    // the clipboard ("Copy as text"), from our own window's top frame (electron/permissions.ts).
    session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) =>
      callback(allowPermission(permission, details.requestingUrl, details.isMainFrame, APP_ORIGIN)),
    );
    session.defaultSession.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) =>
      allowPermission(permission, requestingOrigin, details.isMainFrame, APP_ORIGIN),
    );
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ isPackaged: app.isPackaged, platform: process.platform, appName: app.name })));
    createWindow();
  });

  app.on('window-all-closed', () => app.quit());

  // Quit waits for the engine: running work is cancelled and the model freed before the process ends.
  let engineStopped = false;
  app.on('before-quit', (event) => {
    updates.stop();
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
}
