// Model files over 2 GB (and over 4 GB): every offset is 64-bit end to end. The default model is
// rewritten with a 5 GiB tensor placed before its own tensors, so the weights the engine reads lie past
// 2^32 bytes. The padding is a hole in a sparse file: the test uses ~100 MB of disk, not 5 GB. The model
// must load from it and answer exactly as it does from the original file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import { SMOLLM2 } from './helpers';

const PAD_BYTES = 5n << 30n; // past both 2^31 (signed 32-bit) and 2^32 (unsigned 32-bit)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-large-'));
after(async () => {
  await native.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Reads a GGUF v3 header far enough to find the tensor infos and where the data starts. */
function parseHeader(buf: Buffer) {
  let at = 0;
  const u32 = () => ((at += 4), buf.readUInt32LE(at - 4));
  const u64 = () => ((at += 8), buf.readBigUInt64LE(at - 8));
  const str = () => {
    const n = Number(u64());
    at += n;
    return buf.toString('utf8', at - n, at);
  };
  const FIXED: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const skipValue = (type: number): void => {
    if (type === 8) str();
    else if (type === 9) {
      const inner = u32();
      const n = Number(u64());
      for (let i = 0; i < n; i++) skipValue(inner);
    } else if (FIXED[type]) at += FIXED[type];
    else throw new Error(`GGUF value type ${type}`);
  };
  assert.equal(buf.toString('latin1', 0, 4), 'GGUF');
  at = 4;
  assert.equal(u32(), 3, 'GGUF v3');
  const tensorCount = Number(u64());
  const kvCount = Number(u64());
  const kvStart = at;
  let alignment = 32;
  for (let i = 0; i < kvCount; i++) {
    const key = str();
    const type = u32();
    if (key === 'general.alignment' && type === 4) alignment = buf.readUInt32LE(at);
    skipValue(type);
  }
  const kvEnd = at;
  const tensors = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = str();
    const dims = Array.from({ length: u32() }, () => u64());
    const type = u32();
    const offset = u64();
    tensors.push({ name, dims, type, offset });
  }
  const dataStart = Math.ceil(at / alignment) * alignment;
  return { tensorCount, kvCount, kvStart, kvEnd, tensors, alignment, dataStart };
}

/** The same model with an F32 padding tensor of PAD_BYTES first in the data section, written sparse. */
function withPadding(source: string, dest: string): void {
  const fd = fs.openSync(source, 'r');
  const head = Buffer.alloc(Math.min(fs.fstatSync(fd).size, 16 << 20));
  fs.readSync(fd, head, 0, head.length, 0);
  const h = parseHeader(head);
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  const u64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return b; };
  const str = (s: string) => Buffer.concat([u64(BigInt(Buffer.byteLength(s))), Buffer.from(s)]);
  const tensorInfo = (t: { name: string; dims: bigint[]; type: number; offset: bigint }) =>
    Buffer.concat([str(t.name), u32(t.dims.length), ...t.dims.map(u64), u32(t.type), u64(t.offset)]);
  const parts = [Buffer.from('GGUF'), u32(3), u64(BigInt(h.tensorCount + 1)), u64(BigInt(h.kvCount)), head.subarray(h.kvStart, h.kvEnd)];
  parts.push(tensorInfo({ name: 'samsara.test.padding', dims: [PAD_BYTES / 4n], type: 0, offset: 0n }));
  for (const t of h.tensors) parts.push(tensorInfo({ ...t, offset: t.offset + PAD_BYTES }));
  const header = Buffer.concat(parts);
  const dataStart = Math.ceil(header.length / h.alignment) * h.alignment;
  const out = fs.openSync(dest, 'w');
  fs.writeSync(out, header, 0, header.length, 0);
  // The original tensor data, copied past the hole in 8 MB pieces.
  const chunk = Buffer.alloc(8 << 20);
  let from = h.dataStart;
  let to = dataStart + Number(PAD_BYTES);
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, chunk.length, from);
    if (n === 0) break;
    fs.writeSync(out, chunk, 0, n, to);
    from += n;
    to += n;
  }
  fs.closeSync(out);
  fs.closeSync(fd);
}

test('a model file of over 5 GB (sparse; weights past 2^32 bytes) loads and answers as the original does', async () => {
  const large = path.join(dir, 'SmolLM2 past 4 GiB.gguf');
  withPadding(SMOLLM2, large);
  const st = fs.statSync(large);
  assert.ok(st.size > 5 * 2 ** 30, `${st.size} bytes`);
  assert.ok(st.blocks * 512 < 1 << 30, 'the padding is a hole (sparse file), not written data');

  const input = { prompt: 'The capital of France is', maxTokens: 16, temperature: 0 };
  native.configure({ modelPath: SMOLLM2 });
  const expected = await native.complete(input);
  native.configure({ modelPath: large });
  const info = await native.loadModel();
  assert.equal(info.state, 'ready', info.error);
  assert.equal(info.path, large);
  const got = await native.complete(input);
  assert.deepEqual(got.tokens, expected.tokens, 'the same greedy tokens from the weights past 4 GiB');
  assert.ok(got.tokens.length > 0);
});
