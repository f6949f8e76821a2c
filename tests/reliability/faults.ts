// Faults while the app runs: the model file deleted, truncated, replaced by something else, or crafted
// with absurd header values; the history store read-only, corrupt, or out of disk space. Each must give
// its coded error or the degraded store path, never a crash, a huge allocation or a lost row, and the
// engine must answer again afterwards.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as native from 'samsara-native';
import { ROOT, SMOLLM2 } from '../addon/helpers';

export interface FaultResult {
  name: string;
  survived: boolean;
  detail: string;
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-faults-'));

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? 'NO_CODE';
  }
}

const works = async () => (await code(native.complete({ prompt: 'Hello', maxTokens: 2 }))) === 'ok';

/** A GGUF header with chosen counts and lengths (little endian, version 3). */
function craftedGguf(opts: { tensors?: bigint; keys?: bigint; stringLen?: bigint; offset?: bigint; dims?: number; alignment?: number }): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    parts.push(b);
  };
  const u64 = (v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    parts.push(b);
  };
  const str = (s: string, len?: bigint) => {
    u64(len ?? BigInt(Buffer.byteLength(s)));
    parts.push(Buffer.from(s));
  };
  parts.push(Buffer.from('GGUF'));
  u32(3);
  u64(opts.tensors ?? 1n);
  u64(opts.keys ?? 2n);
  str('general.architecture');
  u32(8);
  str('llama', opts.stringLen);
  str('general.alignment');
  u32(4);
  u32(opts.alignment ?? 32);
  str('token_embd.weight');
  const dims = opts.dims ?? 2;
  u32(dims);
  for (let i = 0; i < dims; i++) u64(64n);
  u32(0);
  u64(opts.offset ?? 0n);
  parts.push(Buffer.alloc(64 * 64 * 4 + 64));
  return Buffer.concat(parts);
}

/** SmolLM2 with its context_length set to 2^32 - 1: the KV cache it asks for would be ~24 TB. */
function absurdContext(): Buffer {
  const buf = fs.readFileSync(SMOLLM2);
  const key = Buffer.from('llama.context_length');
  const at = buf.indexOf(key);
  if (at < 0 || buf.readUInt32LE(at + key.length) !== 4) throw new Error('context_length is not a u32 in this file');
  const patched = Buffer.from(buf);
  patched.writeUInt32LE(0xffffffff, at + key.length + 4);
  return patched;
}

export async function runModelFaults(): Promise<FaultResult[]> {
  const dir = tmp();
  const results: FaultResult[] = [];
  // The checker's dictionary is built once per process (at warm-up in the app, ~160 MB): build it
  // now, so that it is not counted as growth caused by a fault.
  await native.checkText({ text: 'Warm up the checker.' });
  const record = async (name: string, check: () => Promise<string | null>) => {
    const rss0 = process.memoryUsage().rss;
    let problem: string | null;
    try {
      problem = await check();
    } catch (e) {
      problem = `threw ${(e as Error).message}`;
    }
    const grewMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
    if (!problem && grewMb > 300) problem = `memory grew by ${grewMb.toFixed(0)} MB`;
    // The engine recovers with a good file.
    native.configure({ modelPath: SMOLLM2 });
    if (!problem && !(await works())) problem = 'the engine did not recover with the good model';
    results.push({ name, survived: !problem, detail: problem ?? `ok (memory +${Math.max(0, grewMb).toFixed(0)} MB)` });
  };
  const use = (file: string) => {
    native.configure({ modelPath: file });
    return native.loadModel();
  };

  // A copy of the good model is loaded, then damaged on disk: the loaded model keeps answering and
  // health stays ready; once the engine has moved to the good file, loading the damaged one is ENGINE_DOWN.
  const damagedWhileLoaded = (name: string, what: string, damage: (file: string) => void) =>
    record(name, async () => {
      const file = path.join(dir, `${what}.gguf`);
      fs.copyFileSync(SMOLLM2, file);
      await use(file);
      damage(file);
      if (!(await works())) return 'the loaded model stopped working';
      const h = await native.healthCheck();
      if (h.model.state !== 'ready') return `health says ${h.model.state}`;
      native.configure({ modelPath: SMOLLM2 });
      await native.loadModel();
      const c = await code(use(file));
      return c === 'ENGINE_DOWN' ? null : `loading the ${what} file gave ${c}`;
    });
  await damagedWhileLoaded('model file deleted while loaded', 'deleted', (f) => fs.rmSync(f));
  await damagedWhileLoaded('model file truncated while loaded', 'truncated', (f) =>
    fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2)));
  await damagedWhileLoaded('model replaced by a non-GGUF file', 'replaced', (f) =>
    fs.writeFileSync(f, '<html>not a model</html>'.repeat(100)));
  const crafted: Array<[string, Buffer]> = [
    ['GGUF with 2^60 tensors', craftedGguf({ tensors: 1n << 60n })],
    ['GGUF with 2^60 metadata keys', craftedGguf({ keys: 1n << 60n })],
    ['GGUF with a 2^60-byte string', craftedGguf({ stringLen: 1n << 60n })],
    ['GGUF with a tensor offset past the end', craftedGguf({ offset: 1n << 40n })],
    ['GGUF with 1000 dimensions', craftedGguf({ dims: 1000 })],
    ['GGUF with alignment 0', craftedGguf({ alignment: 0 })],
    ['SmolLM2 with context_length 2^32-1', absurdContext()],
  ];
  for (const [name, bytes] of crafted) {
    await record(name, async () => {
      const file = path.join(dir, 'crafted.gguf');
      fs.writeFileSync(file, bytes);
      const c = await code(use(file));
      return c === 'ENGINE_DOWN' ? null : `gave ${c}`;
    });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return results;
}

/** Runs tests/reliability/store-child.ts in a fresh process; the child prints one JSON line. */
function child(args: string[], opts: { fsizeKb?: number; uid?: number } = {}): { status: number | null; signal: string | null; out: Record<string, unknown> | null; stderr: string } {
  const script = path.join(ROOT, 'tests', 'reliability', 'store-child.ts');
  const nodeArgs = ['--import', 'tsx', script, ...args];
  // A file-size limit makes writes past it fail with EFBIG, as on a full disk (the child ignores SIGXFSZ).
  const r = opts.fsizeKb
    ? spawnSync('bash', ['-c', `ulimit -f ${opts.fsizeKb} && exec "$0" "$@"`, process.execPath, ...nodeArgs], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 })
    : spawnSync(process.execPath, nodeArgs, { cwd: ROOT, encoding: 'utf8', timeout: 300_000, uid: opts.uid });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  return { status: r.status, signal: r.signal, out: line ? (JSON.parse(line) as Record<string, unknown>) : null, stderr: r.stderr };
}

function integrity(db: string): string {
  const r = spawnSync('python3', ['-c', 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])', db], { encoding: 'utf8' });
  return (r.stdout || r.stderr).trim();
}

export interface StoreFaultResult extends FaultResult {
  rowsCommitted?: number;
  rowsLost?: number;
}

export async function runStoreFaults(): Promise<StoreFaultResult[]> {
  const results: StoreFaultResult[] = [];
  const dir = tmp();

  // Disk full: the child saves chat exchanges until the file-size limit makes SQLite's writes fail.
  {
    const db = path.join(dir, 'full', 'samsara.db');
    const w = child(['write', db, '12'], { fsizeKb: 96 });
    const committed = (w.out?.committed as number | undefined) ?? -1;
    const failed = (w.out?.failed as number | undefined) ?? -1;
    const r = child(['read', db]);
    const present = (r.out?.present as number | undefined) ?? -1;
    const ok = w.status === 0 && r.status === 0 && failed > 0 && committed > 0 && present >= committed && integrity(db) === 'ok' && w.out?.answered === 12;
    results.push({
      name: 'disk full for the database (file-size limit)',
      survived: ok,
      detail: `writer exit ${w.status ?? w.signal}; ${w.out?.answered} of 12 answered, ${committed} exchanges saved, ${failed} not saved (store ${w.out?.storeStatus}); after reopening ${present} present, integrity ${integrity(db)}${ok ? '' : ` ${w.stderr.slice(-400)}`}`,
      rowsCommitted: committed,
      rowsLost: Math.max(0, committed - present),
    });
  }
  // A read-only folder: as root permissions don't bind, so the child runs as nobody when we are root.
  {
    const ro = path.join(dir, 'readonly');
    fs.mkdirSync(ro, { mode: 0o555 });
    fs.chmodSync(ro, 0o555);
    fs.chmodSync(dir, 0o755);
    const asNobody = process.getuid?.() === 0 ? 65534 : undefined;
    const w = child(['degraded', path.join(ro, 'samsara.db')], { uid: asNobody });
    const ok = w.status === 0 && w.out?.storeStatus === 'degraded' && w.out?.answered === 1;
    results.push({ name: 'store folder read-only', survived: ok, detail: `exit ${w.status ?? w.signal}: ${JSON.stringify(w.out)}${ok ? '' : ` ${w.stderr.slice(-400)}`}` });
  }
  // A corrupt database file.
  {
    const db = path.join(dir, 'corrupt.db');
    fs.writeFileSync(db, Buffer.alloc(8192, 0xab));
    const w = child(['degraded', db]);
    const ok = w.status === 0 && w.out?.storeStatus === 'degraded' && w.out?.answered === 1 && fs.readFileSync(db).every((b) => b === 0xab);
    results.push({ name: 'database file corrupt', survived: ok, detail: `exit ${w.status ?? w.signal}: ${JSON.stringify(w.out)}, file left as it was` });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return results;
}
