// The engine switch (electron/models/engine-switch.ts) without a model (fast tier): selectModel with a
// real model manager over tiny GGUF headers and a STUB ENGINE that records configure and loadModel.
// The context asked for is min(the file's context, 8192); the choice is kept; the load starts at once
// and its failure is logged, not thrown; at start-up the saved choice is configured (unless
// $SAMSARA_MODEL overrides it) and nothing is loaded (the warm-up does that). The real engine switching
// models is in tests/e2e/models.test.ts (the status pill shows loading, then ready, and a chat runs).
// Also the app's manager set-up (electron/models/setup.ts): the test catalogue variable is development-only.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type * as Native from '../../native/index';
import { EngineSwitch, MAX_CONTEXT, contextSizeFor, type SwitchEngine } from '../../electron/models/engine-switch';
import { CATALOGUE_ENV, appModelManager } from '../../electron/models/setup';
import { ENV_PREFIX } from '../../electron/startup';
import type { LogEntry } from '../../electron/log';
import { gguf } from './gguf';
import { entry, rejects, setup } from './helpers';

test('contextSizeFor: the file\'s context up to 8192 tokens (the fit estimate\'s), never under the engine\'s 64', () => {
  assert.equal(MAX_CONTEXT, 8192);
  assert.equal(contextSizeFor(2048), 2048);
  assert.equal(contextSizeFor(8192), 8192);
  assert.equal(contextSizeFor(131_072), 8192, 'a 128k model does not get a 128k KV cache');
  assert.equal(contextSizeFor(undefined), 8192, 'unknown: the engine clamps it to the file\'s');
  assert.equal(contextSizeFor(0), 8192);
  assert.equal(contextSizeFor(Number.NaN), 8192);
  assert.equal(contextSizeFor(32), 64);
});

interface Recorded {
  calls: Array<['configure', Native.EngineConfig] | ['loadModel']>;
  engine: SwitchEngine;
}

/** A stand-in engine: configure is recorded; loadModel answers as `load` says (after a tick). */
function stubEngine(load: () => Promise<void> = async () => undefined): Recorded {
  const calls: Recorded['calls'] = [];
  const engine: SwitchEngine = {
    configure: (opts) => {
      calls.push(['configure', opts]);
    },
    loadModel: async () => {
      calls.push(['loadModel']);
      await load();
      return { state: 'ready' };
    },
  };
  return { calls, engine };
}

describe('EngineSwitch with a real model manager (tiny GGUF headers, stub engine)', () => {
  const BUNDLED = entry({ id: 'bundled-tiny', file: 'Bundled.gguf', url: 'https://example.invalid/Bundled.gguf', sizeBytes: 1, bundled: true, verified: true, sha256: '0'.repeat(64) });
  const CAT = entry({ id: 'cat-llama', file: 'cat-llama.gguf', url: 'https://example.invalid/cat-llama.gguf', sizeBytes: 1000 });
  let s: ReturnType<typeof setup>;
  let bundledPath: string;
  let longId: string;
  let shortId: string;
  before(async () => {
    s = setup([BUNDLED, CAT], { bundledFile: gguf() });
    bundledPath = path.join(s.bundledDir, BUNDLED.file);
    const long = path.join(s.root, 'Long-128k.gguf');
    writeFileSync(long, gguf({ meta: { 'llama.context_length': { u32: 131_072 } } }));
    const short = path.join(s.root, 'Short-2k.gguf');
    writeFileSync(short, gguf());
    const m = s.manager();
    longId = (await m.addModelFile(long)).id;
    shortId = (await m.addModelFile(short)).id;
  });
  after(() => s.cleanup());

  function make(engine: SwitchEngine) {
    const log: LogEntry[] = [];
    const manager = s.manager();
    return { log, manager, sw: new EngineSwitch({ engine, manager, log: (e) => log.push(e) }) };
  }

  test('select: the choice is kept, the engine is configured for the file with at most 8192 tokens, and the load starts', async () => {
    const r = stubEngine();
    const { sw, log, manager } = make(r.engine);
    const chosen = await sw.select(longId);
    assert.deepEqual(chosen, { id: longId, path: path.join(s.modelsDir, 'Long-128k.gguf') });
    assert.deepEqual(r.calls, [['configure', { modelPath: chosen.path, contextSize: 8192 }], ['loadModel']], 'configure, then the load at once');
    assert.deepEqual(sw.current, chosen);
    assert.equal((await manager.selected())?.id, longId, 'kept for the next start');
    await sw.settled();
    assert.deepEqual(
      log.map((e) => ({ ...e, ...('durationMs' in e ? { durationMs: 0 } : {}) })),
      [
        { event: 'model.switch', modelId: longId, contextSize: 8192, reason: 'selected' },
        { event: 'model.load', modelId: longId, durationMs: 0, outcome: 'ok' },
      ],
    );
    // A model trained for 2048 tokens gets 2048.
    await sw.select(shortId);
    assert.deepEqual(r.calls.at(-2), ['configure', { modelPath: path.join(s.modelsDir, 'Short-2k.gguf'), contextSize: 2048 }]);
  });

  test('select of a model that is not installed: the manager\'s coded error, and the engine is left alone', async () => {
    const r = stubEngine();
    const { sw } = make(r.engine);
    const e = await rejects(sw.select('cat-llama'), 'unknown-model', 'INVALID_REQUEST');
    assert.match(e.message, /is not installed: download it first/);
    await rejects(sw.select('no-such-model'), 'unknown-model', 'INVALID_REQUEST');
    assert.deepEqual(r.calls, []);
  });

  test('a load that fails: the previous model is chosen, configured and loaded again, and select says why', async () => {
    let loads = 0;
    const r = stubEngine(async () => {
      loads += 1;
      if (loads === 2) throw Object.assign(new Error('Model file x: tensor blk.0 in IQ4_XS, a weight type the engine does not read.'), { code: 'ENGINE_DOWN' });
    });
    const { sw, log, manager } = make(r.engine);
    await sw.select(longId); // loads fine: the previous model
    const e = await rejects(sw.select(shortId), 'load-failed', 'ENGINE_DOWN');
    assert.match(e.message, /^Short-2k\.gguf could not be loaded: Model file x: tensor blk\.0 in IQ4_XS.* Long-128k\.gguf is still the model in use\.$/);
    await sw.settled();
    assert.equal(sw.current?.id, longId);
    assert.equal((await manager.selected())?.id, longId, 'the saved choice is the previous model again');
    const configured = r.calls.filter((c) => c[0] === 'configure').map((c) => path.basename(String(c[1]?.modelPath)));
    assert.deepEqual(configured, ['Long-128k.gguf', 'Short-2k.gguf', 'Long-128k.gguf']);
    assert.equal(loads, 3, 'the previous model is loaded again');
    const failed = log.find((x) => x.event === 'model.load' && x.outcome === 'error');
    assert.deepEqual(failed && { ...failed, durationMs: 0 }, { event: 'model.load', modelId: shortId, durationMs: 0, outcome: 'error', code: 'ENGINE_DOWN' });
    assert.ok(log.some((x) => x.event === 'model.switch' && x.reason === 'reverted'));
  });

  test('a file whose header can no longer be read is still configured (8192, clamped by the engine), and the load says what is wrong', async () => {
    const r = stubEngine();
    const log: LogEntry[] = [];
    const sw = new EngineSwitch({ engine: r.engine, manager: s.manager(), log: (e) => log.push(e), contextLengthOf: async () => undefined });
    await sw.select(shortId);
    assert.deepEqual(r.calls[0], ['configure', { modelPath: path.join(s.modelsDir, 'Short-2k.gguf'), contextSize: 8192 }]);
  });

  test('at start-up: the saved choice is configured (not loaded); no choice or $SAMSARA_MODEL leave the start file', async () => {
    // The choice left by the tests above is Short-2k.
    await s.manager().selectModel(shortId);
    let r = stubEngine();
    let { sw, log } = make(r.engine);
    assert.equal(await sw.applySaved(bundledPath), path.join(s.modelsDir, 'Short-2k.gguf'));
    assert.deepEqual(r.calls, [['configure', { modelPath: path.join(s.modelsDir, 'Short-2k.gguf'), contextSize: 2048 }]], 'no load: the warm-up does it');
    assert.deepEqual(log, [{ event: 'model.switch', modelId: shortId, contextSize: 2048, reason: 'saved' }]);
    assert.equal(sw.current?.id, shortId);

    // $SAMSARA_MODEL (development) wins: nothing is changed.
    r = stubEngine();
    ({ sw } = make(r.engine));
    assert.equal(await sw.applySaved('/dev/override.gguf', true), '/dev/override.gguf');
    assert.deepEqual(r.calls, []);

    // The bundled model chosen (or nothing saved): the engine already has it.
    await s.manager().selectModel('bundled-tiny');
    r = stubEngine();
    ({ sw } = make(r.engine));
    assert.equal(await sw.applySaved(bundledPath), bundledPath);
    assert.deepEqual(r.calls, []);
    assert.equal(sw.current?.id, 'bundled-tiny');
  });

  test('at start-up, a manager that can\'t answer leaves the start file (never throws)', async () => {
    const r = stubEngine();
    const log: LogEntry[] = [];
    const broken = { selected: async () => Promise.reject(new Error('EACCES')), selectModel: async () => Promise.reject(new Error('EACCES')) };
    const sw = new EngineSwitch({ engine: r.engine, manager: broken, log: (e) => log.push(e) });
    assert.equal(await sw.applySaved(bundledPath), bundledPath);
    assert.deepEqual(r.calls, []);
    // configure refusing the saved file (a bad path) is logged and leaves the start file too.
    const refusing: SwitchEngine = {
      configure: () => {
        throw Object.assign(new Error('modelPath must be a non-empty path.'), { code: 'INVALID_REQUEST' });
      },
      loadModel: async () => ({ state: 'ready' }),
    };
    const saved = { selected: async () => ({ id: 'x', path: '/somewhere/x.gguf' }), selectModel: async () => ({ id: 'x', path: '/somewhere/x.gguf' }) };
    const sw2 = new EngineSwitch({ engine: refusing, manager: saved, log: (e) => log.push(e), contextLengthOf: async () => 4096 });
    assert.equal(await sw2.applySaved(bundledPath), bundledPath);
    assert.deepEqual(log, [{ event: 'app.error', where: 'model-saved-choice', code: 'INVALID_REQUEST' }]);
  });
});

test('the app\'s manager (electron/models/setup.ts): $SAMSARA_MODEL_CATALOGUE in development only, http allowed there', async () => {
  const s = setup([]);
  try {
    const file = path.join(s.root, 'catalogue.json');
    const local = entry({ id: 'local-test', file: 'local.gguf', url: 'http://127.0.0.1:9/ok/local.gguf', sizeBytes: 10 });
    writeFileSync(file, JSON.stringify({ catalogue: [local] }));
    const env = { [CATALOGUE_ENV]: file };
    const bundledDir = path.join(__dirname, '..', '..', 'models');
    const dev = appModelManager({ userModelsDir: s.modelsDir, bundledDir, env, isPackaged: false });
    assert.deepEqual(dev.catalogue().map((e) => e.id), ['local-test']);
    // Packaged: the variable is ignored (startup.ts also deletes every SAMSARA_* before anything runs).
    const packaged = appModelManager({ userModelsDir: s.modelsDir, bundledDir, env, isPackaged: true });
    assert.ok(packaged.catalogue().some((e) => e.bundled), "the manifest's catalogue");
    assert.ok(!packaged.catalogue().some((e) => e.id === 'local-test'));
    assert.equal(CATALOGUE_ENV.startsWith(ENV_PREFIX), true, 'scrubbed with the other SAMSARA_* variables');
    // A file that can't be read is named in the error.
    assert.throws(
      () => appModelManager({ userModelsDir: s.modelsDir, bundledDir, env: { [CATALOGUE_ENV]: path.join(s.root, 'none.json') }, isPackaged: false }),
      /The model catalogue .*none\.json \(\$SAMSARA_MODEL_CATALOGUE\) could not be read/,
    );
  } finally {
    s.cleanup();
  }
});
