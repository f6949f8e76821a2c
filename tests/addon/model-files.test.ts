// Bad model files made up on the spot: missing, not GGUF, empty, unsupported architecture. Each is
// ENGINE_DOWN with a message naming the file, the failure is kept, and the process stays up.
// FAST TIER: no model (a truncated real model and recovering on a good file: model-load.test.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import { rejectsWith, throwsWith } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-bad-models-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A minimal GGUF v3 header with string metadata and no tensors. */
function gguf(meta: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  const u64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
  const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);
  parts.push(Buffer.from('GGUF'), u32(3), u64(0), u64(Object.keys(meta).length));
  for (const [k, v] of Object.entries(meta)) parts.push(str(k), u32(8), str(v));
  return Buffer.concat(parts);
}

const cases: [string, () => void, string][] = [
  ['missing.gguf', () => {}, 'not found'],
  ['notes.gguf', () => fs.writeFileSync(path.join(dir, 'notes.gguf'), 'Dear diary, this is no model.'), 'not a GGUF'],
  ['empty.gguf', () => fs.writeFileSync(path.join(dir, 'empty.gguf'), ''), 'too short'],
  ['mamba.gguf', () => fs.writeFileSync(path.join(dir, 'mamba.gguf'), gguf({ 'general.architecture': 'mamba' })), 'mamba'],
];

test('bad model files give ENGINE_DOWN naming the file, and the failure is kept', async () => {
  for (const [name, make, why] of cases) {
    make();
    const file = path.join(dir, name);
    native.configure({ modelPath: file });
    const err = await rejectsWith(native.complete({ prompt: 'Hello', maxTokens: 2 }), 'ENGINE_DOWN', file);
    assert.ok(err.message.includes(why), `${name}: "${err.message}" says ${why}`);
    const h = await native.healthCheck();
    assert.equal(h.status, 'down', `${name}: health is down`);
    assert.ok(h.model.error?.includes(file), `${name}: health names the file`);
    // The failure is kept: the next request fails fast with the same message, without a new load.
    const loads = h.modelLoads;
    await rejectsWith(native.chat({ message: 'hi' }), 'ENGINE_DOWN', file);
    assert.equal((await native.healthCheck()).modelLoads, loads);
    // tokenize() needs the tokenizer from the file, and fails the same way.
    throwsWith(() => native.tokenize('hi'), 'ENGINE_DOWN');
  }
});
