// Tiny GGUF files for the model manager's tests: a real GGUF v3 header (metadata and tensor table, the
// layout of ggml's gguf.c) with a few zero bytes of tensor data. Enough for the header checks of
// addModelFile; no engine could run them.
type Value = { u32: number } | { str: string } | { f32: number } | { strs: string[] };

export interface GgufSpec {
  version?: number;
  architecture?: string | null;
  /** Extra metadata; the architecture's own keys are filled in for a 2-layer model. */
  meta?: Record<string, Value>;
  /** ggml type ids: 0 F32, 1 F16, 2 Q4_0, 8 Q8_0, 10 Q2_K … Default: one F32 and one Q8_0 tensor. */
  tensors?: { name: string; type: number; dims: number[] }[];
  magic?: string;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);

function value(v: Value): Buffer {
  if ('u32' in v) return Buffer.concat([u32(4), u32(v.u32)]);
  if ('f32' in v) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v.f32);
    return Buffer.concat([u32(6), b]);
  }
  if ('str' in v) return Buffer.concat([u32(8), str(v.str)]);
  return Buffer.concat([u32(9), u32(8), u64(v.strs.length), ...v.strs.map(str)]);
}

export function gguf(spec: GgufSpec = {}): Buffer {
  const arch = spec.architecture === undefined ? 'llama' : spec.architecture;
  const meta: Record<string, Value> = {};
  if (arch !== null) {
    meta['general.architecture'] = { str: arch };
    meta['general.name'] = { str: `Tiny ${arch}` };
    meta[`${arch}.context_length`] = { u32: 2048 };
    meta[`${arch}.block_count`] = { u32: 2 };
    meta[`${arch}.embedding_length`] = { u32: 64 };
    meta[`${arch}.attention.head_count`] = { u32: 4 };
    meta[`${arch}.attention.head_count_kv`] = { u32: 2 };
    meta['general.file_type'] = { u32: 7 };
    meta['tokenizer.ggml.tokens'] = { strs: ['<s>', '</s>', 'a', 'b'] };
  }
  Object.assign(meta, spec.meta);
  const tensors = spec.tensors ?? [
    { name: 'token_embd.weight', type: 8, dims: [64, 4] },
    { name: 'output_norm.weight', type: 0, dims: [64] },
  ];
  const kvs = Object.entries(meta).map(([k, v]) => Buffer.concat([str(k), value(v)]));
  const infos = tensors.map((t, i) => Buffer.concat([str(t.name), u32(t.dims.length), ...t.dims.map((d) => u64(d)), u32(t.type), u64(i * 32)]));
  const head = Buffer.concat([
    Buffer.from(spec.magic ?? 'GGUF', 'latin1'),
    u32(spec.version ?? 3),
    u64(tensors.length),
    u64(kvs.length),
    ...kvs,
    ...infos,
  ]);
  const pad = (32 - (head.length % 32)) % 32;
  return Buffer.concat([head, Buffer.alloc(pad), Buffer.alloc(32 * tensors.length)]);
}

/** A header claiming a string of 2^40 bytes: must be refused without allocating it. */
export function hugeStringGguf(): Buffer {
  return Buffer.concat([Buffer.from('GGUF'), u32(3), u64(0), u64(1), u64(2n ** 40n), Buffer.from('general.architecture')]);
}
