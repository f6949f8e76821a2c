// The model manager without a model (fast tier): the catalogue in models/manifest.json, the fit
// estimate, the GGUF header check of addModelFile, removeModel/selectModel, and the download failures
// that need no big file (bad specs, 404, 503s, refused connections, a stall, a full disk, a file that is
// not GGUF) against a real HTTP server on 127.0.0.1 serving tiny GGUF files made here.
// The downloads of the real SmolLM2 file (progress, resume, restart, hash, cancel, joins) are in
// download.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseCatalogue, readCatalogue, type CatalogueEntry } from '../../electron/models/catalogue';
import { fit, ramNeeded, type Machine } from '../../electron/models/fit';
import { readGgufHeader, SUPPORTED_ARCHITECTURES, SUPPORTED_TENSOR_TYPES } from '../../electron/models/gguf-header';
import { defaultModelFile } from '../../electron/paths';
import * as models from '../../scripts/lib/models';
import { gguf, hugeStringGguf } from './gguf';
import { entry, rejects, setup } from './helpers';
import { closedPort, startFileServer, type FileServer } from './server';

const ROOT = path.resolve(__dirname, '..', '..');
const MANIFEST = path.join(ROOT, 'models', 'manifest.json');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const GB = 1e9;

// ---- The catalogue ----

/** The shapes behind each entry's ramBytes (from the models' config.json: layers, KV heads, head size). */
const SHAPES: Record<string, { layers: number; kvHeads: number; headDim: number }> = {
  'smollm2-135m-instruct-q4_1': { layers: 30, kvHeads: 3, headDim: 64 },
  'qwen2.5-1.5b-instruct-q4_k_m': { layers: 28, kvHeads: 2, headDim: 128 },
  'llama-3.2-1b-instruct-q4_k_m': { layers: 16, kvHeads: 8, headDim: 64 },
  'llama-3.2-3b-instruct-q4_k_m': { layers: 28, kvHeads: 8, headDim: 128 },
  'gemma-3-1b-it-q4_k_m': { layers: 26, kvHeads: 1, headDim: 256 },
  'qwen3-1.7b-q4_k_m': { layers: 28, kvHeads: 8, headDim: 128 },
  'phi-3.5-mini-instruct-q4_k_m': { layers: 32, kvHeads: 32, headDim: 96 },
};

test('manifest.json: the catalogue parses, every field checked; the bundled entry is the default model', () => {
  const cat = readCatalogue(MANIFEST);
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  const bundled = cat.filter((e) => e.bundled);
  assert.equal(bundled.length, 1);
  const def = manifest.models.find((m: { id: string }) => m.id === manifest.default);
  assert.equal(bundled[0]!.id, def.id);
  assert.equal(bundled[0]!.file, def.file);
  assert.equal(bundled[0]!.sha256, def.sha256);
  assert.equal(bundled[0]!.sizeBytes, def.sizeBytes);
  assert.equal(bundled[0]!.verified, true);
  // The families the issue names, all Q4_K_M, none verified (nobody here could download them).
  for (const arch of ['qwen2', 'llama', 'gemma3', 'qwen3', 'phi3']) {
    assert.ok(cat.some((e) => !e.bundled && e.architecture === arch && e.quantization === 'Q4_K_M'), arch);
  }
  for (const e of cat.filter((x) => !x.bundled)) {
    assert.equal(e.verified, false, e.id);
    assert.match(e.url, /^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/[^/]+\//, e.id);
    assert.ok(e.url.endsWith(`/${e.file}`), `${e.id}: the URL ends with the file name`);
    assert.ok(e.licence.length > 2 && e.contextLength >= 8192, e.id);
  }
  // ramBytes is the documented estimate, not a guess typed in.
  for (const e of cat) {
    const shape = SHAPES[e.id];
    assert.ok(shape, `a shape for ${e.id} in this test`);
    assert.equal(e.ramBytes, ramNeeded({ fileBytes: e.sizeBytes, ...shape }), e.id);
  }
});

test('manifest.json: the older readers still find the default and the models (the catalogue is a new key)', () => {
  assert.equal(models.defaultModel().id, JSON.parse(readFileSync(MANIFEST, 'utf8')).default);
  assert.equal(models.model('qwen2').architecture, 'qwen2');
  assert.equal(defaultModelFile(MANIFEST), models.defaultModel().file);
  // native/src/manifest.rs: serde ignores unknown keys unless told otherwise.
  const rs = readFileSync(path.join(ROOT, 'native/src/manifest.rs'), 'utf8');
  assert.doesNotMatch(rs, /deny_unknown_fields/);
});

test('the catalogue parser refuses bad entries, naming the entry and field', () => {
  const good = JSON.parse(readFileSync(MANIFEST, 'utf8')).catalogue[1];
  const bad = (change: Record<string, unknown>, field: RegExp) =>
    assert.throws(() => parseCatalogue([{ ...good, ...change }]), (e: Error) => field.test(e.message));
  bad({ file: '../evil.gguf' }, /catalogue\[0\]\.file/);
  bad({ file: 'model.bin' }, /catalogue\[0\]\.file/);
  bad({ url: 'http://example.com/a.gguf' }, /https/);
  bad({ url: 'file:///etc/passwd' }, /https/);
  bad({ sha256: 'abc' }, /catalogue\[0\]\.sha256/);
  bad({ sha256: null, verified: true }, /catalogue\[0\]\.verified/);
  bad({ sizeBytes: -1 }, /catalogue\[0\]\.sizeBytes/);
  bad({ id: 'Has Spaces' }, /catalogue\[0\]\.id/);
  assert.throws(() => parseCatalogue([good, good]), /repeats/);
});

test('SUPPORTED_ARCHITECTURES is the list native/src/model/hparams.rs loads', () => {
  const rs = readFileSync(path.join(ROOT, 'native/src/model/hparams.rs'), 'utf8');
  const fromRust = [...rs.matchAll(/^\s*"([a-z0-9_]+)" => Arch::/gm)].map((m) => m[1]).sort();
  assert.ok(fromRust.length >= 3, `read ${fromRust.join()} from hparams.rs`);
  assert.deepEqual([...SUPPORTED_ARCHITECTURES].sort(), fromRust);
});

test('SUPPORTED_TENSOR_TYPES is the list native/src/model/gguf_header.rs reads', () => {
  const rs = readFileSync(path.join(ROOT, 'native/src/model/gguf_header.rs'), 'utf8');
  const list = /pub const SUPPORTED_TYPES: \[&str; \d+\] = \[([^\]]*)\]/.exec(rs)?.[1] ?? '';
  const fromRust = [...list.matchAll(/"([A-Z0-9_]+)"/g)].map((m) => m[1]);
  assert.ok(fromRust.length >= 10, `read ${fromRust.join()} from gguf_header.rs`);
  assert.deepEqual([...SUPPORTED_TENSOR_TYPES], fromRust);
});

// ---- Fit ----

test('fit: fits, tight and too-big from RAM, free RAM and cores, with the reason in words', () => {
  const laptop: Machine = { totalRamBytes: 8 * GB, freeRamBytes: 4 * GB, cores: 8 };
  assert.equal(fit(0.5 * GB, laptop).level, 'fits');
  assert.match(fit(0.5 * GB, laptop).reason, /Needs about 500 MB of this computer's 8\.0 GB/);
  assert.equal(fit(5 * GB, laptop).level, 'tight');
  assert.equal(fit(3.2 * GB, { ...laptop, freeRamBytes: 2 * GB }).level, 'tight');
  assert.match(fit(3.2 * GB, { ...laptop, freeRamBytes: 2 * GB }).reason, /2\.0 GB is free now/);
  assert.equal(fit(3 * GB, { ...laptop, cores: 2 }).level, 'tight');
  assert.match(fit(3 * GB, { ...laptop, cores: 2 }).reason, /2 processor cores/);
  const small: Machine = { totalRamBytes: 4 * GB, freeRamBytes: 3 * GB, cores: 4 };
  const phi = readCatalogue(MANIFEST).find((e) => e.architecture === 'phi3')!;
  assert.deepEqual(fit(phi.ramBytes, small), { level: 'too-big', reason: 'Needs about 5.9 GB of memory; this computer has 4.0 GB.' });
});

// ---- GGUF headers ----

describe('GGUF header check', () => {
  let s: ReturnType<typeof setup>;
  before(() => {
    s = setup([]);
  });
  after(() => s.cleanup());
  const write = (name: string, b: Buffer) => {
    const f = path.join(s.root, name);
    writeFileSync(f, b);
    return f;
  };

  test('reads the architecture, shape, quantization and tensor types of a GGUF v3 file', async () => {
    const h = await readGgufHeader(write('tiny.gguf', gguf()));
    assert.equal(h.version, 3);
    assert.equal(h.architecture, 'llama');
    assert.equal(h.name, 'Tiny llama');
    assert.deepEqual([h.contextLength, h.layers, h.kvHeads, h.headDim], [2048, 2, 2, 16]);
    assert.equal(h.quantization, 'Q8_0');
    assert.deepEqual(h.tensorTypes, { Q8_0: 1, F32: 1 });
    assert.equal(h.unsupportedTensor, undefined);
    const v2 = await readGgufHeader(write('v2.gguf', gguf({ version: 2, architecture: 'qwen2' })));
    assert.equal(v2.version, 2);
    assert.equal(v2.architecture, 'qwen2');
  });

  test('addModelFile refuses what is not a usable GGUF, with a coded message, and copies nothing', async () => {
    const m = s.manager();
    let e = await rejects(m.addModelFile(write('essay.txt', Buffer.from('Dear diary, this is not a model at all.\n'.repeat(4)))), 'not-gguf', 'INVALID_REQUEST');
    assert.match(e.message, /essay\.txt is not a usable model file: it is not a GGUF model file/);
    e = await rejects(m.addModelFile(write('old.gguf', gguf({ version: 1 }))), 'not-gguf', 'INVALID_REQUEST');
    assert.match(e.message, /GGUF version 1; versions 2 and 3 are supported/);
    e = await rejects(m.addModelFile(write('mamba.gguf', gguf({ architecture: 'mamba' }))), 'unsupported-architecture', 'INVALID_REQUEST');
    assert.match(e.message, /mamba\.gguf is a "mamba" model; Samsara runs llama, qwen2, qwen3, phi3, gemma2, gemma3 models\./);
    e = await rejects(m.addModelFile(write('noarch.gguf', gguf({ architecture: null }))), 'not-gguf', 'INVALID_REQUEST');
    assert.match(e.message, /general\.architecture is missing/);
    const q2k = gguf({ tensors: [{ name: 'blk.0.ffn_up.weight', type: 10, dims: [256, 4] }] });
    e = await rejects(m.addModelFile(write('q2k.gguf', q2k)), 'unsupported-quantization', 'INVALID_REQUEST');
    assert.match(e.message, /tensor blk\.0\.ffn_up\.weight in Q2_K; Samsara reads F32, F16, BF16, Q8_0/);
    const whole = gguf();
    e = await rejects(m.addModelFile(write('cut.gguf', whole.subarray(0, 60))), 'not-gguf', 'INVALID_REQUEST');
    assert.match(e.message, /truncated/);
    const started = performance.now();
    e = await rejects(m.addModelFile(write('huge.gguf', hugeStringGguf())), 'not-gguf', 'INVALID_REQUEST');
    assert.match(e.message, /claims 1099511627776 bytes/);
    assert.ok(performance.now() - started < 500, 'refused without reading or allocating 1 TB');
    e = await rejects(m.addModelFile(path.join(s.root, 'missing.gguf')), 'bad-spec', 'INVALID_REQUEST');
    assert.match(e.message, /missing\.gguf was not found/);
    assert.deepEqual(s.files(), [], 'nothing was copied');
  });
});

// ---- addModelFile, listModels, selectModel, removeModel ----

describe('installed models', () => {
  const BUNDLED = entry({ id: 'bundled-tiny', file: 'Bundled.gguf', url: 'https://example.invalid/Bundled.gguf', sizeBytes: 1, bundled: true, verified: true, sha256: '0'.repeat(64) });
  const CAT = entry({ id: 'cat-llama', file: 'cat-llama.gguf', url: 'https://example.invalid/cat-llama.gguf', sizeBytes: 1000, ramBytes: 900_000_000 });
  let s: ReturnType<typeof setup>;
  before(() => {
    s = setup([BUNDLED, CAT], { bundledFile: gguf() });
  });
  after(() => s.cleanup());
  const machine = () => ({ totalRamBytes: 8 * GB, freeRamBytes: 6 * GB, cores: 8 });

  test('listModels: the bundled model installed and selected, catalogue entries not installed, each with a fit', async () => {
    const list = await s.manager({ machine }).listModels();
    assert.deepEqual(list.map((m) => [m.id, m.installed, m.bundled, m.selected, m.source]), [
      ['bundled-tiny', true, true, true, 'bundled'],
      ['cat-llama', false, false, false, 'catalogue'],
    ]);
    assert.equal(list[0]!.path, path.join(s.bundledDir, 'Bundled.gguf'));
    assert.deepEqual(list[1]!.fit, { level: 'fits', reason: "Needs about 900 MB of this computer's 8.0 GB." });
    assert.equal(list[1]!.partialBytes, 0);
  });

  test('addModelFile copies a checked file in; it is listed with its header facts; the same name twice gets -2', async () => {
    const src = path.join(s.root, 'My Model.gguf');
    const bytes = gguf({ architecture: 'gemma3' });
    writeFileSync(src, bytes);
    const m = s.manager({ machine });
    const added = await m.addModelFile(src);
    assert.equal(added.file, 'My Model.gguf');
    assert.equal(added.id, 'my-model');
    assert.equal(added.architecture, 'gemma3');
    assert.equal(added.sha256, sha(bytes));
    assert.deepEqual(readFileSync(path.join(s.modelsDir, added.file)), bytes);
    const again = await m.addModelFile(src);
    assert.equal(again.file, 'My Model-2.gguf');
    assert.equal(again.id, 'my-model-2');
    const list = await m.listModels();
    const row = list.find((r) => r.id === 'my-model')!;
    assert.equal(row.source, 'file');
    assert.equal(row.installed, true);
    assert.equal(row.verified, true);
    assert.equal(row.supported, true);
    assert.equal(row.contextLength, 2048);
    assert.equal(row.ramBytes, ramNeeded({ fileBytes: bytes.length, layers: 2, kvHeads: 2, headDim: 16 }));
    assert.equal(row.fit.level, 'fits');
    assert.deepEqual(s.files(), ['My Model-2.gguf', 'My Model.gguf', 'models.json']);
  });

  test('selectModel persists the choice; removeModel refuses the bundled and the selected model, removes others', async () => {
    const m = s.manager({ machine });
    await rejects(m.removeModel('bundled-tiny'), 'bundled', 'INVALID_REQUEST');
    await rejects(m.removeModel('nope'), 'unknown-model', 'INVALID_REQUEST');
    await rejects(m.removeModel('cat-llama'), 'unknown-model', 'INVALID_REQUEST');
    await rejects(m.selectModel('cat-llama'), 'unknown-model', 'INVALID_REQUEST');
    assert.deepEqual(await m.selectModel('my-model'), { id: 'my-model', path: path.join(s.modelsDir, 'My Model.gguf') });
    // A new manager (an app restart) sees the choice.
    const after = s.manager({ machine });
    assert.deepEqual((await after.selected())?.id, 'my-model');
    assert.deepEqual((await after.listModels()).filter((r) => r.selected).map((r) => r.id), ['my-model']);
    const e = await rejects(after.removeModel('my-model'), 'in-use', 'INVALID_REQUEST');
    assert.match(e.message, /is the model in use: select another model first/);
    // What the engine has loaded wins over the saved choice when main says so.
    await rejects(s.manager({ inUse: () => 'my-model-2' }).removeModel('my-model-2'), 'in-use', 'INVALID_REQUEST');
    await after.selectModel('bundled-tiny');
    await after.removeModel('my-model');
    assert.equal(existsSync(path.join(s.modelsDir, 'My Model.gguf')), false);
    assert.deepEqual((await after.listModels()).map((r) => r.id), ['bundled-tiny', 'cat-llama', 'my-model-2']);
  });
});

// ---- Download failures with tiny files ----

describe('downloads that fail (tiny files on a local server)', () => {
  const tiny = gguf();
  const notGguf = Buffer.from('<html>Sign in to continue</html>\n'.repeat(8));
  let s: ReturnType<typeof setup>;
  let server: FileServer;
  const cat = (mode: string, over: Partial<CatalogueEntry> = {}): CatalogueEntry =>
    entry({ id: `tiny-${mode}`.replace(/[^a-z0-9.-]+/g, '-'), file: `tiny-${mode.replace(/[^a-z0-9.-]+/g, '-')}.gguf`, url: server.url(mode, 'tiny.gguf'), sizeBytes: tiny.length, sha256: sha(tiny), ...over });
  before(async () => {
    s = setup([]);
    writeFileSync(path.join(s.root, 'tiny.gguf'), tiny);
    writeFileSync(path.join(s.root, 'page.html'), notGguf);
    server = await startFileServer({ 'tiny.gguf': path.join(s.root, 'tiny.gguf'), 'page.gguf': path.join(s.root, 'page.html') });
  });
  after(async () => {
    await server.close();
    s.cleanup();
  });

  test('bad ids and specs are INVALID_REQUEST before any request', async () => {
    const m = s.manager({ catalogue: [cat('ok', { id: 'future', architecture: 'mamba' })] });
    await rejects(m.downloadModel('no-such-model'), 'unknown-model', 'INVALID_REQUEST');
    await rejects(m.downloadModel({ url: 'ftp://127.0.0.1/x.gguf', sha256: sha(tiny) }), 'bad-spec', 'INVALID_REQUEST');
    await rejects(m.downloadModel({ url: 'not a url', sha256: sha(tiny) }), 'bad-spec', 'INVALID_REQUEST');
    await rejects(m.downloadModel({ url: server.url('ok', 'tiny.gguf') }), 'bad-spec', 'INVALID_REQUEST');
    await rejects(m.downloadModel({ url: server.url('ok', 'tiny.gguf'), sha256: 'xyz' }), 'bad-spec', 'INVALID_REQUEST');
    const e = await rejects(m.downloadModel('future'), 'unsupported-architecture', 'INVALID_REQUEST');
    assert.match(e.message, /is a mamba model; this version of Samsara runs llama, qwen2, qwen3, phi3, gemma2, gemma3 models/);
    assert.equal(server.requests.length, 0);
    // https only unless the manager allows http (it does here, for 127.0.0.1; the app does not).
    const strict = s.manager({ allowHttp: false });
    await rejects(strict.downloadModel({ url: server.url('ok', 'tiny.gguf'), sha256: sha(tiny) }), 'bad-spec', 'INVALID_REQUEST');
  });

  test('a download by address ({url, sha256}) is installed under its file name', async () => {
    const m = s.manager();
    const got = await m.downloadModel({ url: server.url('ok', 'tiny.gguf'), sha256: sha(tiny), name: 'Tiny' });
    assert.equal(got.id, 'tiny');
    assert.equal(got.source, 'download');
    assert.deepEqual(readFileSync(path.join(s.modelsDir, 'tiny.gguf')), tiny);
    const row = (await m.listModels()).find((r) => r.id === 'tiny')!;
    assert.deepEqual([row.name, row.installed, row.verified, row.architecture], ['Tiny', true, true, 'llama']);
    await m.removeModel('tiny');
  });

  test('404: a coded error naming the status, not retried, nothing left', async () => {
    const m = s.manager({ catalogue: [cat('status-404')] });
    const e = await rejects(m.downloadModel('tiny-status-404'), 'http-status', 'ENGINE_ACTION_FAILED');
    assert.match(e.message, /answered HTTP 404 \(not found\)/);
    assert.equal(server.requests.filter((r) => r.mode === 'status-404').length, 1);
    assert.deepEqual(s.files().filter((f) => f.startsWith('tiny-status-404')), []);
  });

  test('503 twice, then the file: retried with backoff and installed', async () => {
    const m = s.manager({ catalogue: [cat('flaky-2')] });
    await m.downloadModel('tiny-flaky-2');
    assert.deepEqual(server.requests.filter((r) => r.mode === 'flaky-2').map((r) => r.status), [503, 503, 200]);
  });

  test('500 every time: gives up after the retries with a coded error', async () => {
    const m = s.manager({ catalogue: [cat('status-500')] });
    const e = await rejects(m.downloadModel('tiny-status-500'), 'network', 'ENGINE_ACTION_FAILED');
    assert.match(e.message, /failed after 4 attempts: .*HTTP 500/);
  });

  test('connection refused: retried, then a coded error saying so', async () => {
    const port = await closedPort();
    const m = s.manager({ catalogue: [entry({ id: 'refused', file: 'refused.gguf', url: `http://127.0.0.1:${port}/ok/tiny.gguf`, sizeBytes: tiny.length, sha256: sha(tiny) })] });
    const e = await rejects(m.downloadModel('refused'), 'network', 'ENGINE_ACTION_FAILED');
    assert.match(e.message, /from 127\.0\.0\.1:\d+ failed after 4 attempts: the connection was refused/);
    assert.ok(!s.files().includes('refused.gguf'));
  });

  test('a stalled connection counts as dropped: the next request resumes with Range', async () => {
    const m = s.manager({ catalogue: [cat('hangfirst-100')], download: { stallMs: 300, retries: 3, backoffMs: () => 10 } });
    const got = await m.downloadModel('tiny-hangfirst-100');
    assert.equal(got.sha256, sha(tiny));
    const reqs = server.requests.filter((r) => r.mode === 'hangfirst-100');
    assert.deepEqual(reqs.map((r) => [r.range, r.status]), [[null, 200], ['bytes=100-', 206]]);
  });

  test('a whole .part left before its rename is checked and installed (416 from the server); a too-long one is discarded', async () => {
    const m = s.manager({ catalogue: [cat('ok', { id: 'whole', file: 'whole.gguf' }), cat('ok', { id: 'long', file: 'long.gguf' })] });
    mkdirSync(s.modelsDir, { recursive: true });
    writeFileSync(path.join(s.modelsDir, 'whole.gguf.part'), tiny);
    writeFileSync(path.join(s.modelsDir, 'long.gguf.part'), Buffer.concat([tiny, Buffer.from('extra')]));
    assert.equal((await m.listModels()).find((r) => r.id === 'whole')!.partialBytes, tiny.length);
    const mark = server.requests.length;
    assert.equal((await m.downloadModel('whole')).sha256, sha(tiny));
    assert.equal((await m.downloadModel('long')).sha256, sha(tiny));
    assert.deepEqual(server.requests.slice(mark).map((r) => [r.range, r.status]), [
      [`bytes=${tiny.length}-`, 416],
      [null, 200],
    ]);
    assert.ok(!s.files().some((f) => f.endsWith('.part')));
  });

  test('not enough disk space: refused before any request, with the sizes', async () => {
    const statfs = async () => ({ bavail: 100, bsize: 4096 });
    const big = entry({ id: 'big', file: 'big.gguf', url: server.url('ok', 'tiny.gguf'), sizeBytes: 3_000_000_000, sha256: '1'.repeat(64) });
    const m = s.manager({ catalogue: [big], download: { io: { statfs } } });
    const before = server.requests.length;
    const e = await rejects(m.downloadModel('big'), 'disk-full', 'ENGINE_ACTION_FAILED');
    assert.match(e.message, /Not enough disk space for big: it needs 3\.0 GB more and 410 KB is free in /);
    assert.equal(server.requests.length, before);
    // addModelFile checks too.
    writeFileSync(path.join(s.root, 'add.gguf'), gguf());
    await rejects(m.addModelFile(path.join(s.root, 'add.gguf')), 'disk-full', 'ENGINE_ACTION_FAILED');
  });

  test('a file with the right hash that is not GGUF (a login page) is refused and not listed', async () => {
    const m = s.manager({ catalogue: [entry({ id: 'page', file: 'page.gguf', url: server.url('ok', 'page.gguf'), sizeBytes: notGguf.length, sha256: sha(notGguf) })] });
    await rejects(m.downloadModel('page'), 'not-gguf', 'INVALID_REQUEST');
    assert.ok(!s.files().some((f) => f.startsWith('page.gguf')));
    assert.equal((await m.listModels()).find((r) => r.id === 'page')?.installed, false);
  });
});
