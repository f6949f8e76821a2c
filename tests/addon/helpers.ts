// Shared helpers for the addon's JS suites (tests/addon/; the Rust tests are native/tests/). Model
// files come from models/manifest.json through scripts/lib/models.js, never spelled here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { absent, modelPath, modelsDir } from '../../scripts/lib/models';

export const ROOT = path.resolve(__dirname, '..', '..');
export const MODELS = modelsDir();
/** The default model (SmolLM2-135M, architecture llama): `npm install` fetches it. */
export const SMOLLM2 = modelPath('llama');
/** The extra models (`npm run fetch-models:extra`): tests using them skip, with this reason, when absent. */
export const QWEN2 = modelPath('qwen2');
export const GEMMA3 = modelPath('gemma3');
export const ESSAY = fs.readFileSync(path.join(ROOT, 'examples', 'essay.txt'), 'utf8');

/** Skip reason when a model (id or architecture) is absent, else false: `test(name, { skip: missing('qwen2') }, …)`. */
export function missing(key: 'llama' | 'qwen2' | 'gemma3' | (string & {})): string | false {
  return absent(key);
}

export async function rejectsWith(p: Promise<unknown>, code: string, messagePart?: string): Promise<Error> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { code?: string };
    assert.ok(err instanceof Error, 'rejects with an Error object');
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    if (messagePart) assert.ok(err.message.includes(messagePart), `message "${err.message}" mentions "${messagePart}"`);
    return err;
  }
  assert.fail(`expected a rejection with ${code}`);
}

export function throwsWith(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: Error & { code?: string }) => e instanceof Error && e.code === code);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time (ms) this process uses over `ms` of wall time: ~0 when the inference thread is idle. */
export async function cpuMsOver(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await sleep(ms);
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1000;
}

/**
 * The end of a suite that used a history file: the store thread opens and closes files after
 * `configure()` has returned, so the file is closed there and a history call (queued behind the close)
 * awaited before the folder is removed; otherwise SQLite may still be creating its -wal file in it.
 */
export async function closeStoreAndRemove(engine: typeof import('samsara-native'), dir: string): Promise<void> {
  engine.configure({ storePath: '' });
  await engine.getSettings().catch(() => undefined);
  await engine.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });
}
