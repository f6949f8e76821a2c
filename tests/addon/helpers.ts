// Shared helpers for the native API suites (real model, real inference).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const MODELS = path.join(ROOT, 'models');
export const SMOLLM2 = path.join(MODELS, 'SmolLM2-135M-Instruct.Q4_1.gguf');
export const QWEN2 = path.join(MODELS, 'qwen2.5-coder-0.5b-instruct-q4_k_m.gguf');
export const GEMMA3 = path.join(MODELS, 'gemma-3-270m-q4_k_m.gguf');
export const ESSAY = fs.readFileSync(path.join(ROOT, 'examples', 'essay.txt'), 'utf8');

/** Skip reason when an optional model is absent (CI fetches them; `npm run fetch-models:extra`). */
export function missing(file: string): string | false {
  return fs.existsSync(file) ? false : `${path.basename(file)} is absent: run \`npm run fetch-models:extra\``;
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
