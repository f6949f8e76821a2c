// The service's model actions (listModels, downloadModel, addModelFile, removeModel, selectModel) with
// a STUB model manager and switch (no model, fast tier): the sender check, the zod checks with plain
// messages, the model manager's coded errors passed to the renderer with their own words (internals of
// any other error hidden), "Open GGUF file…" through the chooser main gives (the dialog), download
// progress by ticket, and cancel: by ticket, the window's every call for that model, never another
// window's. The real manager is tested in tests/models/, the whole path in tests/e2e/models.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonLogger } from '../../electron/log';
import { modelError } from '../../electron/models/errors';
import { SamsaraService, type Engine, type ModelBackend } from '../../electron/service';
import type { DownloadProgress, InstalledModel } from '../../preload/api';
import { APP, APP_ORIGIN, MARKER, envelope } from './helpers';

const OTHER_WINDOW = { ...APP, id: 2 };
const STRANGER = { id: 3, url: 'https://example.com/', isMainFrame: true };

const INSTALLED: InstalledModel = {
  id: 'tiny',
  name: 'Tiny',
  file: 'tiny.gguf',
  sizeBytes: 10,
  sha256: '0'.repeat(64),
  architecture: 'llama',
  quantization: 'Q8_0',
  source: 'file',
  addedAt: '2026-01-01T00:00:00.000Z',
};

interface Calls {
  added: string[];
  removed: string[];
  selected: string[];
  downloads: Array<{ target: unknown; signal: AbortSignal }>;
}

/** A manager whose downloads send one progress event and then run until aborted. */
function backend(over: Partial<ModelBackend['manager']> = {}): { models: ModelBackend; calls: Calls } {
  const calls: Calls = { added: [], removed: [], selected: [], downloads: [] };
  const models: ModelBackend = {
    manager: {
      listModels: async () => [],
      addModelFile: async (file) => {
        calls.added.push(file);
        return INSTALLED;
      },
      removeModel: async (id) => {
        calls.removed.push(id);
      },
      downloadModel: (target, o) =>
        new Promise<InstalledModel>((_resolve, reject) => {
          const signal = o?.signal;
          assert.ok(signal, 'the service passes an AbortSignal');
          calls.downloads.push({ target, signal });
          o?.onProgress?.({ bytes: 10, total: 100, bytesPerSecond: 5, etaSeconds: 18 });
          signal.addEventListener('abort', () => reject(modelError('cancelled', 'The download of Tiny was cancelled.')), { once: true });
        }),
      ...over,
    },
    switcher: {
      select: async (id) => {
        calls.selected.push(id);
        return { id, path: `/models/${id}.gguf` };
      },
    },
  };
  return { models, calls };
}

function service(models?: ModelBackend) {
  const lines: string[] = [];
  const s = new SamsaraService({
    engine: { cancel: () => false } as unknown as Engine,
    log: jsonLogger((l) => lines.push(l)),
    trustedOrigins: [APP_ORIGIN],
    ...(models ? { models } : {}),
  });
  return { s, lines };
}

const tick = () => new Promise((r) => setImmediate(r));

test('only our window may use the model actions; without a manager they say so', async () => {
  const { models, calls } = backend();
  const { s } = service(models);
  for (const r of [await s.models('listModels', STRANGER, undefined), await s.models('removeModel', STRANGER, 'tiny'), await s.downloadModel(STRANGER, envelope('t', 'tiny'))]) {
    assert.deepEqual(r, { ok: false, error: { code: 'INVALID_REQUEST', message: 'This request did not come from the Samsara window and was refused.' } });
  }
  assert.deepEqual(calls, { added: [], removed: [], selected: [], downloads: [] });
  const bare = service().s;
  assert.deepEqual(await bare.models('listModels', APP, undefined), { ok: false, error: { code: 'INVALID_REQUEST', message: 'Managing models works only in the Samsara app.' } });
});

test('arguments are checked first, with plain messages', async () => {
  const { models, calls } = backend();
  const { s } = service(models);
  const message = async (p: Promise<unknown>) => ((await p) as { error?: { message: string } }).error?.message;
  assert.equal(await message(s.models('removeModel', APP, '')), "The model's id is empty.");
  assert.equal(await message(s.models('selectModel', APP, 7)), "The model's id must be text.");
  assert.equal(await message(s.models('selectModel', APP, undefined)), "The model's id is missing.");
  assert.equal(await message(s.models('selectModel', APP, 'x'.repeat(201))), "The model's id is too long: the limit is 200 characters.");
  assert.equal(await message(s.models('listModels', APP, { all: true })), 'This takes no argument.');
  assert.equal(await message(s.models('addModelFile', APP, '/etc/passwd', async () => null)), 'This takes no argument.', 'the page never names a file');
  assert.equal(await message(s.downloadModel(APP, envelope('t', { url: 'https://x/y.gguf', sha256: 'abc' }))), 'sha256 must be 64 hex digits.');
  assert.equal(await message(s.downloadModel(APP, envelope('t', { url: 'https://x/y.gguf', extra: 1 }))), 'The request has an unknown field "extra".');
  assert.equal(await message(s.downloadModel(APP, envelope('t', 42))), 'A download needs a model id or {url, sha256, sizeBytes}.');
  assert.equal(await message(s.downloadModel(APP, { payload: 'tiny' })), "The request could not be read. The request's ticket must be text.");
  assert.deepEqual(calls, { added: [], removed: [], selected: [], downloads: [] });
  // Valid ones reach the manager and the switch.
  assert.deepEqual(await s.models('removeModel', APP, 'tiny'), { ok: true, data: undefined });
  assert.deepEqual(await s.models('selectModel', APP, 'tiny'), { ok: true, data: { id: 'tiny', path: '/models/tiny.gguf' } });
  assert.deepEqual(calls.removed, ['tiny']);
  assert.deepEqual(calls.selected, ['tiny']);
});

test("the model manager's errors reach the page in their own words; any other error's internals do not", async () => {
  const { models } = backend({
    removeModel: async () => {
      throw modelError('in-use', 'Tiny is the model in use: select another model first.');
    },
    listModels: async () => {
      throw new Error('EACCES: permission denied, open /home/someone/.config/Samsara/models/models.json');
    },
    downloadModel: async () => {
      throw modelError('hash-mismatch', 'The download of Tiny is damaged or not the expected file (its sha256 does not match); it was not kept.');
    },
  });
  const { s, lines } = service(models);
  assert.deepEqual(await s.models('removeModel', APP, 'tiny'), {
    ok: false,
    error: { code: 'INVALID_REQUEST', message: 'Tiny is the model in use: select another model first.' },
  });
  // An ENGINE_ACTION_FAILED of the manager keeps its message (the service hides the engine's).
  assert.deepEqual(await s.downloadModel(APP, envelope('d', 'tiny')), {
    ok: false,
    error: { code: 'ENGINE_ACTION_FAILED', message: 'The download of Tiny is damaged or not the expected file (its sha256 does not match); it was not kept.' },
  });
  const other = await s.models('listModels', APP, undefined);
  assert.equal(other.ok, false);
  assert.ok(!other.ok && other.error.code === 'ENGINE_ACTION_FAILED' && !other.error.message.includes('EACCES'), JSON.stringify(other));
  const ends = lines.map((l) => JSON.parse(l) as { event: string; action?: string; code?: string; outcome?: string }).filter((e) => e.event === 'request.end');
  assert.deepEqual(ends.map((e) => [e.action, e.outcome, e.code]), [
    ['removeModel', 'error', 'INVALID_REQUEST'],
    ['downloadModel', 'error', 'ENGINE_ACTION_FAILED'],
    ['listModels', 'error', 'ENGINE_ACTION_FAILED'],
  ]);
  assert.ok(!lines.join('\n').includes('sha256 does not match'), 'messages are not logged, only codes');
});

test('Open GGUF file…: the file comes from main\'s chooser (the dialog); cancelled is null; without one it says so', async () => {
  const { models, calls } = backend();
  const { s, lines } = service(models);
  assert.deepEqual(await s.models('addModelFile', APP, undefined), { ok: false, error: { code: 'INVALID_REQUEST', message: 'Opening a model file works only in the Samsara app.' } });
  assert.deepEqual(await s.models('addModelFile', APP, null, async () => null), { ok: true, data: null });
  const file = `/home/student/${MARKER}.gguf`;
  assert.deepEqual(await s.models('addModelFile', APP, undefined, async () => file), { ok: true, data: INSTALLED });
  assert.deepEqual(calls.added, [file]);
  assert.ok(!lines.join('\n').includes(MARKER), 'the chosen path is not logged');
});

test('downloadModel: progress by ticket when asked; cancel stops it (CANCELLED, logged as cancelled)', async () => {
  const { models, calls } = backend();
  const { s, lines } = service(models);
  const events: Array<[string, DownloadProgress]> = [];
  const running = s.downloadModel(APP, envelope('d1', 'tiny', true), (ticket, p) => events.push([ticket, p]));
  await tick();
  assert.deepEqual(events, [['d1', { bytes: 10, total: 100, bytesPerSecond: 5, etaSeconds: 18 }]]);
  assert.equal(calls.downloads[0]?.target, 'tiny');
  // Another window can't stop it, and an unknown ticket is nothing.
  assert.deepEqual(s.cancel(OTHER_WINDOW, 'd1'), { ok: true, data: { cancelled: false } });
  assert.deepEqual(s.cancel(APP, 'nope'), { ok: true, data: { cancelled: false } });
  assert.equal(calls.downloads[0]?.signal.aborted, false);
  assert.deepEqual(s.cancel(APP, 'd1'), { ok: true, data: { cancelled: true } });
  assert.deepEqual(await running, { ok: false, error: { code: 'CANCELLED', message: 'The download of Tiny was cancelled.' } });
  const end = lines.map((l) => JSON.parse(l) as { event: string; outcome?: string; code?: string }).find((e) => e.event === 'request.end');
  assert.deepEqual([end?.outcome, end?.code], ['cancelled', 'CANCELLED']);
  // Without a stream, no progress goes out.
  const quiet: string[] = [];
  const second = s.downloadModel(APP, envelope('d2', 'tiny', false), (t) => quiet.push(t));
  await tick();
  assert.deepEqual(quiet, []);
  s.cancel(APP, 'd2');
  await second;
  // The same ticket twice at once is refused.
  const a = s.downloadModel(APP, envelope('d3', 'tiny'));
  assert.deepEqual(await s.downloadModel(APP, envelope('d3', 'tiny')), { ok: false, error: { code: 'INVALID_REQUEST', message: 'This request is already running.' } });
  s.cancel(APP, 'd3');
  await a;
});

test("cancelling stops the window's every call for that model (a reloaded page joined it), not other models or windows", async () => {
  const { models, calls } = backend();
  const { s } = service(models);
  const first = s.downloadModel(APP, envelope('old-page', 'tiny'));
  const joined = s.downloadModel(APP, envelope('new-page', 'tiny'));
  const otherModel = s.downloadModel(APP, envelope('other', 'big'));
  const otherWindow = s.downloadModel(OTHER_WINDOW, envelope('w2', 'tiny'));
  await tick();
  s.cancel(APP, 'new-page');
  assert.equal((await first).ok, false);
  assert.equal((await joined).ok, false);
  assert.deepEqual(calls.downloads.map((d) => d.signal.aborted), [true, true, false, false]);
  s.cancel(APP, 'other');
  s.cancel(OTHER_WINDOW, 'w2');
  await Promise.all([otherModel, otherWindow]);
});
