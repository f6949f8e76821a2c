// A small GGUF header reader for the model manager: magic, version, metadata and the tensor table, read
// from the start of a file with every count and length bounded (the same limits as the engine's own
// check, native/src/model/gguf_header.rs), so a hostile or broken file is refused with a message and
// never a huge allocation. It reads no weights. addModelFile uses it to refuse a file before copying it;
// the engine still checks everything again when it loads the file.
import { open, type FileHandle } from 'node:fs/promises';

/** The architectures the engine loads (native/src/model/hparams.rs; tests/models ties the two). */
export const SUPPORTED_ARCHITECTURES = ['llama', 'qwen2', 'qwen3', 'phi3', 'gemma2', 'gemma3'] as const;

/** The tensor types the engine reads (native/src/model/gguf_header.rs SUPPORTED_TYPES; tests/models ties the two). */
export const SUPPORTED_TENSOR_TYPES = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q4_K', 'Q5_K', 'Q6_K'] as const;

/** ggml's tensor type ids (ggml.h, enum ggml_type). */
const GGML_TYPES: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 6: 'Q5_0', 7: 'Q5_1', 8: 'Q8_0', 9: 'Q8_1', 10: 'Q2_K', 11: 'Q3_K',
  12: 'Q4_K', 13: 'Q5_K', 14: 'Q6_K', 15: 'Q8_K', 16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS', 19: 'IQ1_S',
  20: 'IQ4_NL', 21: 'IQ3_S', 22: 'IQ2_S', 23: 'IQ4_XS', 24: 'I8', 25: 'I16', 26: 'I32', 27: 'I64', 28: 'F64',
  29: 'IQ1_M', 30: 'BF16', 34: 'TQ1_0', 35: 'TQ2_0', 39: 'MXFP4',
};

/** llama.cpp's `general.file_type` (enum llama_ftype): the name people know a file's quantization by. */
const FILE_TYPES: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S',
  12: 'Q3_K_M', 13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 32: 'BF16',
};

const MAX_TENSORS = 1 << 16;
const MAX_KEYS = 1 << 16;
const MAX_STRING_BYTES = 1 << 24;
const MAX_ARRAY_ITEMS = 1 << 24;
const MAX_DIMS = 4;

export interface GgufHeader {
  version: number;
  architecture: string;
  name?: string;
  /** `<arch>.context_length`. */
  contextLength?: number;
  /** What the KV cache needs: `<arch>.block_count`, `head_count_kv` (else `head_count`), head size. */
  layers?: number;
  kvHeads?: number;
  headDim?: number;
  /** `general.file_type` by name (Q4_K_M…), else the most common non-F32 tensor type. */
  quantization: string;
  /** Tensor type name → count. */
  tensorTypes: Record<string, number>;
  tensorCount: number;
  /** The first tensor of a type the engine does not read, if any. */
  unsupportedTensor?: { name: string; type: string };
}

/** Why a file is not an acceptable GGUF: `kind` says which check failed, `message` says it in words. */
export class GgufError extends Error {
  constructor(
    readonly kind: 'not-gguf' | 'bad-header',
    message: string,
  ) {
    super(message);
    this.name = 'GgufError';
  }
}

/** Reads forward through a file in chunks; never holds more than the largest single value. */
class Reader {
  private buf = Buffer.alloc(0);
  private pos = 0;
  private filePos = 0;
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  private async need(n: number): Promise<void> {
    if (this.buf.length - this.pos >= n) return;
    if (this.filePos - (this.buf.length - this.pos) + n > this.size) {
      throw new GgufError('bad-header', 'the header ends past the end of the file (is it truncated?)');
    }
    const want = Math.max(n - (this.buf.length - this.pos), 1 << 20);
    const chunk = Buffer.alloc(Math.min(want, this.size - this.filePos));
    const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, this.filePos);
    this.filePos += bytesRead;
    this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk.subarray(0, bytesRead)]);
    this.pos = 0;
    if (this.buf.length < n) throw new GgufError('bad-header', 'the header ends past the end of the file (is it truncated?)');
  }
  async bytes(n: number): Promise<Buffer> {
    await this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  async u32(): Promise<number> {
    return (await this.bytes(4)).readUInt32LE(0);
  }
  async u64(): Promise<number> {
    const v = (await this.bytes(8)).readBigUInt64LE(0);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
  async string(what: string): Promise<string> {
    const len = await this.u64();
    if (len > MAX_STRING_BYTES) throw new GgufError('bad-header', `${what} claims ${len} bytes (at most ${MAX_STRING_BYTES})`);
    return (await this.bytes(len)).toString('utf8');
  }
}

/** Sizes of GGUF's fixed-size metadata value types (gguf_type). */
const SCALAR_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

async function value(r: Reader, type: number, key: string): Promise<unknown> {
  switch (type) {
    case 0: return (await r.bytes(1)).readUInt8(0);
    case 1: return (await r.bytes(1)).readInt8(0);
    case 2: return (await r.bytes(2)).readUInt16LE(0);
    case 3: return (await r.bytes(2)).readInt16LE(0);
    case 4: return r.u32();
    case 5: return (await r.bytes(4)).readInt32LE(0);
    case 6: return (await r.bytes(4)).readFloatLE(0);
    case 7: return (await r.bytes(1)).readUInt8(0) !== 0;
    case 8: return r.string(`the value of ${key}`);
    case 10: return r.u64();
    case 11: return Number((await r.bytes(8)).readBigInt64LE(0));
    case 12: return (await r.bytes(8)).readDoubleLE(0);
    case 9: {
      const itemType = await r.u32();
      const count = await r.u64();
      if (count > MAX_ARRAY_ITEMS) throw new GgufError('bad-header', `the array ${key} claims ${count} items (at most ${MAX_ARRAY_ITEMS})`);
      // Arrays (the vocabulary, merges, scores) are skipped: nothing here needs their contents.
      const fixed = SCALAR_BYTES[itemType];
      if (fixed !== undefined) {
        if (count * fixed > r.size) throw new GgufError('bad-header', `the array ${key} is larger than the file`);
        await r.bytes(count * fixed);
      } else if (itemType === 8) {
        for (let i = 0; i < count; i++) await r.string(`an item of ${key}`);
      } else {
        throw new GgufError('bad-header', `the array ${key} has items of unknown type ${itemType}`);
      }
      return undefined;
    }
    default:
      throw new GgufError('bad-header', `the key ${key} has unknown value type ${type}`);
  }
}

/** Reads and checks the header of the GGUF file at `file`. Throws GgufError when it is not one. */
export async function readGgufHeader(file: string): Promise<GgufHeader> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const r = new Reader(fh, size);
    if (size < 24 || (await r.bytes(4)).toString('latin1') !== 'GGUF') {
      throw new GgufError('not-gguf', 'it is not a GGUF model file (it does not start with "GGUF")');
    }
    const version = await r.u32();
    if (version !== 2 && version !== 3) {
      throw new GgufError('bad-header', `it is GGUF version ${version}; versions 2 and 3 are supported`);
    }
    const tensorCount = await r.u64();
    const keyCount = await r.u64();
    if (tensorCount > MAX_TENSORS) throw new GgufError('bad-header', `it claims ${tensorCount} tensors (at most ${MAX_TENSORS})`);
    if (keyCount > MAX_KEYS) throw new GgufError('bad-header', `it claims ${keyCount} metadata keys (at most ${MAX_KEYS})`);
    const meta = new Map<string, unknown>();
    for (let i = 0; i < keyCount; i++) {
      const key = await r.string('a metadata key');
      const type = await r.u32();
      const v = await value(r, type, key);
      if (v !== undefined) meta.set(key, v);
    }
    const tensorTypes: Record<string, number> = {};
    let unsupportedTensor: GgufHeader['unsupportedTensor'];
    const supported: readonly string[] = SUPPORTED_TENSOR_TYPES;
    for (let i = 0; i < tensorCount; i++) {
      const name = await r.string('a tensor name');
      const dims = await r.u32();
      if (dims > MAX_DIMS) throw new GgufError('bad-header', `the tensor ${name} claims ${dims} dimensions`);
      await r.bytes(8 * dims);
      const id = await r.u32();
      await r.u64(); // offset
      const type = GGML_TYPES[id] ?? `type ${id}`;
      tensorTypes[type] = (tensorTypes[type] ?? 0) + 1;
      if (!unsupportedTensor && !supported.includes(type)) unsupportedTensor = { name, type };
    }
    const architecture = meta.get('general.architecture');
    if (typeof architecture !== 'string' || architecture === '') {
      throw new GgufError('bad-header', 'it names no architecture (general.architecture is missing)');
    }
    const num = (key: string) => {
      const v = meta.get(`${architecture}.${key}`);
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    };
    const heads = num('attention.head_count');
    const width = num('embedding_length');
    const fileType = meta.get('general.file_type');
    const dominant = Object.entries(tensorTypes)
      .filter(([t]) => t !== 'F32')
      .sort((a, b) => b[1] - a[1])[0]?.[0];
    const name = meta.get('general.name');
    return {
      version,
      architecture,
      ...(typeof name === 'string' ? { name } : {}),
      contextLength: num('context_length'),
      layers: num('block_count'),
      kvHeads: num('attention.head_count_kv') ?? heads,
      headDim: num('attention.key_length') ?? (heads && width ? width / heads : undefined),
      quantization: (typeof fileType === 'number' ? FILE_TYPES[fileType] : undefined) ?? dominant ?? 'F32',
      tensorTypes,
      tensorCount,
      ...(unsupportedTensor ? { unsupportedTensor } : {}),
    };
  } finally {
    await fh.close();
  }
}
