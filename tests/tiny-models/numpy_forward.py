#!/usr/bin/env python3
"""A third implementation, in plain numpy, of the forward pass of every tiny model, written from the
README's description of each architecture. Not a test of our engine: it checks that the llama.cpp
references mean what the README says (and shows, in ~150 readable lines, what the engine has to
compute for qwen3, phi3, gemma2 and Llama-3 rope scaling). Weights are dequantized with gguf-py.

    .venv/bin/python numpy_forward.py                 # every f32 model: teacher-forced, vs references/
    .venv/bin/python numpy_forward.py tiny-phi3-q8_0  # one file, activations in float
    .venv/bin/python numpy_forward.py --emulate tiny-llama-q8_0
        # activations rounded before each product as llama.cpp's CPU backend does (Q8_0 blocks, Q8_K,
        # F16, BF16): within ~0.005 of llama.cpp for llama/qwen2 in every type
    .venv/bin/python numpy_forward.py --emulate --kv-f16 tiny-llama-q8_0
        # and keys/values rounded to f16 as our engine's cache does: what our engine computes

Exits non-zero when a file's mean |Δlogit| is 0.05 or more.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

import gguf

HERE = Path(__file__).resolve().parent


EMULATE = False
KV_F16 = False  # round K (after rope) and V to f16, as our engine's cache does
Q = gguf.GGMLQuantizationType


def round_activations(x, qtype):
    x = np.asarray(x, dtype=np.float32)
    shape = x.shape
    if qtype in (Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q8_0):
        b = x.reshape(-1, 32)
        amax = np.abs(b).max(-1, keepdims=True)
        d = (amax / 127).astype(np.float16).astype(np.float32)
        with np.errstate(divide="ignore", invalid="ignore"):
            idv = np.where(amax > 0, 127 / amax, 0).astype(np.float32)
        q = np.rint(b * idv).clip(-127, 127)  # nearest even, as the AVX2 code
        return (q * d).reshape(shape).astype(np.float64)
    if qtype in (Q.Q4_K, Q.Q5_K, Q.Q6_K):
        b = x.reshape(-1, 256)
        i = np.abs(b).argmax(-1)
        mx = b[np.arange(len(b)), i][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            iscale = np.where(mx != 0, -127 / mx, 0).astype(np.float32)
            q = np.minimum(np.rint(iscale * b), 127)
            d = np.where(iscale != 0, 1 / iscale, 0).astype(np.float32)
        return (q * d).reshape(shape).astype(np.float64)
    if qtype == Q.F16:
        return x.astype(np.float16).astype(np.float64)
    if qtype == Q.BF16:
        u = x.view(np.uint32).astype(np.uint64)
        u = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
        return u.astype(np.uint32).view(np.float32).astype(np.float64)
    return x.astype(np.float64)


class Model:
    def __init__(self, path: Path, context: int):
        r = gguf.GGUFReader(str(path))
        self.meta = {}
        for k, f in r.fields.items():
            if k.startswith("tokenizer.") or not f.types:
                continue
            if f.types[0] == gguf.GGUFValueType.STRING:
                self.meta[k] = bytes(f.parts[f.data[0]]).decode()
            elif f.types[0] != gguf.GGUFValueType.ARRAY:
                self.meta[k] = f.parts[f.data[0]][0].item()
        self.t = {}
        self.types = {}
        for t in r.tensors:
            shape = [int(x) for x in reversed(t.shape)]  # numpy order: rows, cols
            data = gguf.quants.dequantize(t.data, t.tensor_type)
            self.t[t.name] = np.asarray(data, dtype=np.float64).reshape(shape)
            self.types[t.name] = t.tensor_type
        a = self.arch = self.meta["general.architecture"]
        m = lambda k, d=None: self.meta.get(f"{a}.{k}", d)  # noqa: E731
        self.n_layer, self.d = m("block_count"), m("embedding_length")
        self.n_head, self.n_kv = m("attention.head_count"), m("attention.head_count_kv")
        self.hd = m("attention.key_length", self.d // self.n_head)
        self.eps = m("attention.layer_norm_rms_epsilon")
        self.base = m("rope.freq_base", 10000.0)
        self.n_rot = m("rope.dimension_count", self.hd)
        self.window = m("attention.sliding_window")
        self.attn_cap = m("attn_logit_softcapping")
        self.final_cap = m("final_logit_softcapping")
        self.gemma = a in ("gemma2", "gemma3")
        # Rope frequency divisors: Llama-3's rope_freqs, or phi3's LongRoPE factors (long above the
        # original context) with its attention factor on cos/sin.
        self.freq_factors = self.t.get("rope_freqs.weight")
        self.mscale = 1.0
        if a == "phi3":
            long = context > m("rope.scaling.original_context_length")
            self.freq_factors = self.t["rope_factors_long.weight" if long else "rope_factors_short.weight"]
            self.mscale = m("rope.scaling.attn_factor", 1.0)

    def sliding(self, il: int) -> bool:
        if self.window is None:
            return False
        if self.arch == "gemma3":
            return il % 6 < 5
        if self.arch == "gemma2":
            return il % 2 == 0
        return True

    def mm(self, x, name):
        """x @ W.T, with x rounded as llama.cpp's CPU backend rounds the activations for W's type
        (with EMULATE set): Q8_0 blocks for Q4_0/Q4_1/Q5_0/Q8_0, Q8_K for the K-quants, F16, BF16."""
        w = self.t[name]
        if EMULATE:
            x = round_activations(x, self.types[name])
        return x @ w.T

    def norm(self, x, w):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + self.eps) * w

    def rope(self, x, pos, base):
        # x: (T, heads, hd). NORM (llama): pairs (2i, 2i+1); NEOX (the others): pairs (i, i + n_rot/2).
        half = self.n_rot // 2
        inv = base ** (-np.arange(half) * 2.0 / self.n_rot)
        if self.freq_factors is not None:
            inv = inv / self.freq_factors.reshape(-1)
        ang = pos[:, None] * inv[None, :]
        cos, sin = (np.cos(ang) * self.mscale)[:, None, :], (np.sin(ang) * self.mscale)[:, None, :]
        x = x.copy()
        if self.arch == "llama":
            a, b = x[..., 0:self.n_rot:2].copy(), x[..., 1:self.n_rot:2].copy()
            x[..., 0:self.n_rot:2], x[..., 1:self.n_rot:2] = a * cos - b * sin, a * sin + b * cos
        else:
            a, b = x[..., :half].copy(), x[..., half:self.n_rot].copy()
            x[..., :half], x[..., half:self.n_rot] = a * cos - b * sin, a * sin + b * cos
        return x

    def forward(self, ids):
        """Logits at every position of `ids` (the whole sequence at once; causal)."""
        t = self.t
        T, hd, nh, nkv = len(ids), self.hd, self.n_head, self.n_kv
        x = t["token_embd.weight"][ids]
        if self.gemma:
            x = x * math.sqrt(self.d)
        pos = np.arange(T, dtype=np.float64)
        for il in range(self.n_layer):
            p = f"blk.{il}."
            h = self.norm(x, t[p + "attn_norm.weight"])
            if p + "attn_qkv.weight" in t:
                qkv = self.mm(h, p + "attn_qkv.weight")
                q, k, v = np.split(qkv, [nh * hd, nh * hd + nkv * hd], axis=-1)
            else:
                q, k, v = (self.mm(h, p + f"attn_{n}.weight") for n in "qkv")
                if p + "attn_q.bias" in t:
                    q, k, v = q + t[p + "attn_q.bias"], k + t[p + "attn_k.bias"], v + t[p + "attn_v.bias"]
            q, k, v = q.reshape(T, nh, hd), k.reshape(T, nkv, hd), v.reshape(T, nkv, hd)
            if p + "attn_q_norm.weight" in t:
                q, k = self.norm(q, t[p + "attn_q_norm.weight"]), self.norm(k, t[p + "attn_k_norm.weight"])
            sliding = self.sliding(il)
            base = 10000.0 if (self.arch == "gemma3" and sliding) else self.base
            q, k = self.rope(q, pos, base), self.rope(k, pos, base)
            if KV_F16:
                k = k.astype(np.float32).astype(np.float16).astype(np.float64)
                v = v.astype(np.float32).astype(np.float16).astype(np.float64)
            k, v = np.repeat(k, nh // nkv, axis=1), np.repeat(v, nh // nkv, axis=1)
            s = np.einsum("qhd,khd->hqk", q, k) / math.sqrt(hd)
            if self.attn_cap:
                s = np.tanh(s / self.attn_cap) * self.attn_cap
            qi, ki = np.arange(T)[:, None], np.arange(T)[None, :]
            mask = ki > qi
            if sliding:
                mask |= qi - ki >= self.window
            s = np.where(mask[None], -np.inf, s)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            o = self.mm(np.einsum("hqk,khd->qhd", s, v).reshape(T, nh * hd), p + "attn_output.weight")
            if p + "post_attention_norm.weight" in t:
                o = self.norm(o, t[p + "post_attention_norm.weight"])
            x = x + o
            h = self.norm(x, t[p + "ffn_norm.weight"])
            if p + "ffn_gate.weight" in t:
                g, u = self.mm(h, p + "ffn_gate.weight"), self.mm(h, p + "ffn_up.weight")
            else:
                g, u = np.split(self.mm(h, p + "ffn_up.weight"), 2, axis=-1)
            if self.gemma:
                act = 0.5 * g * (1 + np.tanh(math.sqrt(2 / math.pi) * (g + 0.044715 * g ** 3)))
            else:
                act = g / (1 + np.exp(-g))
            o = self.mm(act * u, p + "ffn_down.weight")
            if p + "post_ffw_norm.weight" in t:
                o = self.norm(o, t[p + "post_ffw_norm.weight"])
            x = x + o
        x = self.norm(x, t["output_norm.weight"])
        logits = self.mm(x, "output.weight" if "output.weight" in t else "token_embd.weight")
        if self.final_cap:
            logits = np.tanh(logits / self.final_cap) * self.final_cap
        return logits


def compare(stem: str) -> float:
    ref = json.loads((HERE / "references" / f"{stem}.json").read_text())
    file = ref["model"]
    m = Model(HERE / file, ref["settings"]["contextSize"])
    diffs, flips = [], 0
    for g in ref["greedy"]:
        seq = g["promptIds"] + g["tokens"][:-1]
        logits = m.forward(np.array(seq))
        for step, top in enumerate(g["topLogits"]):
            row = logits[len(g["promptIds"]) - 1 + step]
            diffs += [abs(row[i] - v) for i, v in top]
            if int(row.argmax()) != top[0][0] and g["margins"][step] >= 0.05:
                flips += 1
    mean = float(np.mean(diffs))
    print(f"{stem}: mean |Δlogit| {mean:.4f}, max {max(diffs):.4f}, argmax differs at {flips} non-tied steps")
    return mean


def main() -> int:
    global EMULATE, KV_F16
    args = sys.argv[1:]
    if "--emulate" in args:
        args.remove("--emulate")
        EMULATE = True
    if "--kv-f16" in args:
        args.remove("--kv-f16")
        KV_F16 = True
    stems = args or sorted(p.stem for p in (HERE / "references").glob("*-f32*.json"))
    worst = max(compare(s) for s in stems)
    return 0 if worst < 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
