// TEST/DEV HARNESS ONLY (never in the packaged app): serves the built renderer (dist/renderer) on
// 127.0.0.1 and answers its window.api over loopback with the same SamsaraService that Electron's main
// uses over IPC, against the real addon. Run: `npm run harness` (prints the URL), or spawn it from tests.
//   --port N   listen on N (default: a free port)
// The model comes from $SAMSARA_MODEL, else the one chosen in Settings → Models (kept in the models
// folder), else the manifest's default; $SAMSARA_TIMEOUT_MS sets the deadline.
// The model manager and the engine switch are main's own modules (electron/models/), set up the same way:
// the models folder is <folder of $SAMSARA_STORE>/models (main: <userData>/models, beside samsara.db),
// or a temporary folder removed on close when history is in memory. $SAMSARA_MODEL_CATALOGUE names a
// catalogue file instead of the manifest's (electron/models/setup.ts).
//   $SAMSARA_TEST_OPEN_DIALOG   TEST STAND-IN for main's "Open GGUF file…" dialog (a browser page has
//                               no native dialog): the files it answers, separated by path.delimiter,
//                               one per call, then "cancelled". Without it, addModelFile answers that
//                               only the app can open a file.
//   Settings → School server: the settings are main's own module (electron/provider-settings.ts) in
//   provider.json beside $SAMSARA_STORE (a temporary folder when history is in memory), with a TEST
//   STAND-IN for Electron's safeStorage (tests/harness/secrets-stand-in.ts: AES-GCM under a fixed test
//   key; a browser harness has no keychain).
//   $SAMSARA_TEST_SAFE_STORAGE=unavailable   the stand-in says encryption is unavailable (a Linux
//                               session without a secret store): a key is kept for the session only.
//   Settings → Updates: main's own module (electron/updates.ts) without an updater, as in a development
//   run (state 'unavailable'); the setting is kept in updates.json beside provider.json.
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type * as Native from '../../native/index';
import { contentSecurityPolicy, serveStatic } from '../../electron/content-policy';
import { jsonLogger, stdoutSink } from '../../electron/log';
import { EngineSwitch } from '../../electron/models/engine-switch';
import { appModelManager } from '../../electron/models/setup';
import { modelFromEnv, modelsDir, resolveModelPath, userModelsDir, type AppLocation } from '../../electron/paths';
import { PROVIDER_FILE, ProviderStore, providerEngineOf } from '../../electron/provider-settings';
import { SamsaraService, type ChooseModelFile, type Sender } from '../../electron/service';
import { UPDATES_FILE, Updates } from '../../electron/updates';
import { isCheckerAction, isHistoryAction, isModelAction, isProviderAction, isSettingsAction, isUpdateAction } from '../../preload/api';
import { standInSecrets } from './secrets-stand-in';

/** The environment variable of the stand-in for main's Open dialog (tests only). */
export const OPEN_DIALOG_STAND_IN = 'SAMSARA_TEST_OPEN_DIALOG';

/**
 * TEST STAND-IN for the "Open GGUF file…" dialog main shows (electron/ipc.ts chooseModelFile): answers
 * the files of $SAMSARA_TEST_OPEN_DIALOG in turn, then null (a cancelled dialog). Everything after the
 * choice (the header check, the copy, the list) is the app's own code.
 */
function openDialogStandIn(env: NodeJS.ProcessEnv): ChooseModelFile | undefined {
  const list = env[OPEN_DIALOG_STAND_IN];
  if (list === undefined) return undefined;
  const answers = list.split(path.delimiter).filter((f) => f !== '');
  return async () => answers.shift() ?? null;
}

const root = path.resolve(__dirname, '..', '..');

async function browserApi(): Promise<string> {
  const out = await esbuild.build({
    entryPoints: [path.join(__dirname, 'browser-api.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  });
  return out.outputFiles[0]?.text ?? '';
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 4 * 1024 * 1024) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

export async function startHarness(port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const engine = require(path.join(root, 'native')) as typeof Native;
  const where: AppLocation = { env: process.env, isPackaged: false, resourcesPath: '', appPath: root };
  const modelPath = resolveModelPath(where);
  const store = process.env.SAMSARA_STORE;
  engine.configure({
    modelPath,
    // History in $SAMSARA_STORE if set, else in memory for this process.
    ...(store ? { storePath: store } : {}),
  });
  const log = jsonLogger(stdoutSink());
  // As main: the model manager over the models folder and the app's models/, and the engine switch.
  const scratch = store ? undefined : mkdtempSync(path.join(os.tmpdir(), 'samsara-harness-models-'));
  const models = appModelManager({
    userModelsDir: scratch ?? userModelsDir(path.dirname(path.resolve(store!))),
    bundledDir: modelsDir(where),
    env: process.env,
    isPackaged: false,
  });
  const switcher = new EngineSwitch({ engine, manager: models, log });
  // As main: the school server's settings, in provider.json beside the history file (or a temporary
  // folder), the key sealed by the TEST STAND-IN for safeStorage.
  const providerDir = store ? path.dirname(path.resolve(store)) : mkdtempSync(path.join(os.tmpdir(), 'samsara-harness-provider-'));
  const provider = new ProviderStore({
    file: path.join(providerDir, PROVIDER_FILE),
    secrets: standInSecrets({ available: process.env.SAMSARA_TEST_SAFE_STORAGE !== 'unavailable' }),
    engine: providerEngineOf(engine),
    log,
  });
  // As main in development: no updater (only the installed app updates itself), the setting kept.
  const updates = new Updates({ updater: null, file: path.join(providerDir, UPDATES_FILE), currentVersion: (require(path.join(root, 'package.json')) as { version: string }).version, log });
  const chooseModelFile = openDialogStandIn(process.env);
  const timeoutMs = Number(process.env.SAMSARA_TIMEOUT_MS) || undefined;
  // Both are set once the server listens (the origin needs the port), before any request can arrive.
  let origin = '';
  let service: SamsaraService | undefined;
  const apiScript = await browserApi();
  const renderer = path.join(root, 'dist', 'renderer');
  const csp = contentSecurityPolicy({ connectSelf: true });

  const server = http.createServer((req, res) => {
    void (async () => {
      if (!service) throw new Error('not listening yet');
      // A page on another name that resolves here (DNS rebinding) sends its own Host: refuse it, so it
      // can't read the app or its API even though it reaches 127.0.0.1.
      if (req.headers.host !== new URL(origin).host) {
        res.writeHead(421).end();
        return;
      }
      const url = new URL(req.url ?? '/', origin);
      if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
        // The page is the only sender the harness has; its Origin header stands in for the frame URL.
        const sender: Sender = { id: 1, url: String(req.headers.origin ?? ''), isMainFrame: true };
        const action = url.pathname.slice('/api/'.length);
        const body = await readBody(req).catch(() => undefined);
        if (
          action === 'healthCheck' ||
          action === 'cancel' ||
          isHistoryAction(action) ||
          isCheckerAction(action) ||
          isSettingsAction(action) ||
          isModelAction(action) ||
          isProviderAction(action) ||
          isUpdateAction(action)
        ) {
          // openHistoryFolder: no showItemInFolder here, so the service answers that only the app can.
          const result =
            action === 'cancel'
              ? service.cancel(sender, body)
              : action === 'healthCheck'
                ? await service.healthCheck(sender)
                : isCheckerAction(action)
                  ? await service.checker(action, sender, body)
                  : isSettingsAction(action)
                    ? await service.settings(action, sender, body)
                    : isModelAction(action)
                      ? await service.models(action, sender, body, chooseModelFile)
                      : isProviderAction(action)
                        ? await service.provider(action, sender, body)
                        : isUpdateAction(action)
                          ? await service.updates(action, sender, body)
                          : await service.history(action, sender, body);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
        const result =
          action === 'downloadModel'
            ? await service.downloadModel(sender, body, (_ticket, progress) => {
                res.write(`${JSON.stringify({ progress })}\n`);
              })
            : await service.request(action, sender, body, (_ticket, token) => {
                res.write(`${JSON.stringify({ token })}\n`);
              });
        res.end(`${JSON.stringify({ result })}\n`);
        return;
      }
      if (req.method !== 'GET') {
        res.writeHead(405).end();
        return;
      }
      if (url.pathname === '/harness/api.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'content-security-policy': csp });
        res.end(apiScript);
        return;
      }
      const r = await serveStatic(renderer, url.pathname, csp);
      let body = r.body;
      if (r.status === 200 && (url.pathname === '/' || url.pathname === '/index.html')) {
        // The harness's window.api must exist before the app script (deferred) runs.
        body = body.toString().replace('<script src="app.js" defer></script>', '<script src="/harness/api.js"></script>\n    $&');
      }
      res.writeHead(r.status, r.headers).end(body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
  const ready = new SamsaraService({
    engine,
    log,
    trustedOrigins: [origin],
    models: { manager: models, switcher },
    provider,
    updates,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  // As main does: the saved dialect and threads, the model chosen in Settings (unless $SAMSARA_MODEL
  // names one) and the school server, before any request can load the model.
  await Promise.all([ready.applySavedSettings(), switcher.applySaved(modelPath, modelFromEnv(where) !== undefined), provider.load()]);
  service = ready;
  return {
    url: `${origin}/`,
    close: async () => {
      await ready.shutdown();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
      if (!store) rmSync(providerDir, { recursive: true, force: true });
      // An open page keeps polling healthCheck over keep-alive connections: close them, or close()
      // waits for the page.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

if (require.main === module) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 0;
  startHarness(port).then(
    (h) => {
      process.stdout.write(`${JSON.stringify({ event: 'harness.ready', url: h.url })}\n`);
      const stop = () => void h.close().finally(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
