"""Simple K-quant encoders (Q4_K, Q5_K, Q6_K) for the tiny models.

gguf-py 0.19.0 can dequantize the K-quants but not quantize them. These encoders write ggml's exact
block layouts (ggml-quants.c: block_q4_K, block_q5_K, block_q6_K) with a plain min/max (or absmax)
choice of scales, not llama-quantize's search for the best scales: the values differ a little from
what llama-quantize would produce, but any valid block is as good for a parity test, since llama.cpp
and our engine decode the same bytes. `check()` round-trips every tensor through gguf-py's
dequantizers (an independent implementation of the layouts).
"""

from __future__ import annotations

import numpy as np

import gguf
from gguf import GGMLQuantizationType as Q

QK_K = 256


def _f16(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float16)


def _pack_scales_k4(sc: np.ndarray, mn: np.ndarray) -> np.ndarray:
    """8 six-bit scales and mins per block -> 12 bytes (inverse of ggml's get_scale_min_k4)."""
    n = sc.shape[0]
    out = np.zeros((n, 12), dtype=np.uint8)
    sc = sc.astype(np.uint8)
    mn = mn.astype(np.uint8)
    for j in range(4):
        out[:, j] = (sc[:, j] & 63) | ((sc[:, j + 4] >> 4) << 6)
        out[:, j + 4] = (mn[:, j] & 63) | ((mn[:, j + 4] >> 4) << 6)
        out[:, j + 8] = (sc[:, j + 4] & 0xF) | ((mn[:, j + 4] & 0xF) << 4)
    return out


def _scale_min(blocks: np.ndarray, levels: int):
    """Per 32-value sub-block: scale and (non-negative) min so that x ≈ scale * q - min, q in [0, levels]."""
    sub = blocks.reshape(-1, 8, 32)
    lo = np.minimum(sub.min(axis=-1), 0.0)
    hi = sub.max(axis=-1)
    scale = (hi - lo) / levels
    mins = -lo
    d = _f16(scale.max(axis=-1) / 63.0).astype(np.float32)
    dmin = _f16(mins.max(axis=-1) / 63.0).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.where(d[:, None] > 0, np.round(scale / d[:, None]), 0).clip(0, 63)
        mn = np.where(dmin[:, None] > 0, np.round(mins / dmin[:, None]), 0).clip(0, 63)
        eff_scale = d[:, None] * sc
        eff_min = dmin[:, None] * mn
        q = np.where(eff_scale[..., None] > 0, np.round((sub + eff_min[..., None]) / eff_scale[..., None]), 0)
    return d, dmin, sc, mn, q.clip(0, levels).astype(np.uint8)


def q4_k(blocks: np.ndarray) -> np.ndarray:
    d, dmin, sc, mn, q = _scale_min(blocks, 15)  # q: (n, 8, 32)
    n = blocks.shape[0]
    qs = np.zeros((n, 4, 32), dtype=np.uint8)
    for c in range(4):
        qs[:, c] = q[:, 2 * c] | (q[:, 2 * c + 1] << 4)
    return np.concatenate([
        _f16(d).view(np.uint8).reshape(n, 2),
        _f16(dmin).view(np.uint8).reshape(n, 2),
        _pack_scales_k4(sc, mn),
        qs.reshape(n, 128),
    ], axis=1)


def q5_k(blocks: np.ndarray) -> np.ndarray:
    d, dmin, sc, mn, q = _scale_min(blocks, 31)
    n = blocks.shape[0]
    qs = np.zeros((n, 4, 32), dtype=np.uint8)
    qh = np.zeros((n, 32), dtype=np.uint8)
    for c in range(4):
        a, b = q[:, 2 * c], q[:, 2 * c + 1]
        qs[:, c] = (a & 0xF) | ((b & 0xF) << 4)
        qh |= ((a >> 4) & 1) << (2 * c)
        qh |= ((b >> 4) & 1) << (2 * c + 1)
    return np.concatenate([
        _f16(d).view(np.uint8).reshape(n, 2),
        _f16(dmin).view(np.uint8).reshape(n, 2),
        _pack_scales_k4(sc, mn),
        qh,
        qs.reshape(n, 128),
    ], axis=1)


def q6_k(blocks: np.ndarray) -> np.ndarray:
    n = blocks.shape[0]
    sub = blocks.reshape(n, 16, 16)
    scale = np.abs(sub).max(axis=-1) / 31.0
    d = _f16(scale.max(axis=-1) / 127.0).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.where(d[:, None] > 0, np.round(scale / d[:, None]), 0).clip(-128, 127)
        eff = d[:, None] * sc
        q = np.where(eff[..., None] > 0, np.round(sub / eff[..., None]), 0)
    q = (q.clip(-32, 31) + 32).astype(np.uint8).reshape(n, 2, 4, 32)  # [half][quarter][l]
    ql = np.zeros((n, 2, 64), dtype=np.uint8)
    qh = np.zeros((n, 2, 32), dtype=np.uint8)
    for h in range(2):
        q1, q2, q3, q4 = q[:, h, 0], q[:, h, 1], q[:, h, 2], q[:, h, 3]
        ql[:, h, :32] = (q1 & 0xF) | ((q3 & 0xF) << 4)
        ql[:, h, 32:] = (q2 & 0xF) | ((q4 & 0xF) << 4)
        qh[:, h] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)
    return np.concatenate([
        ql.reshape(n, 128),
        qh.reshape(n, 64),
        sc.astype(np.int8).view(np.uint8),
        _f16(d).view(np.uint8).reshape(n, 2),
    ], axis=1)


ENCODERS = {Q.Q4_K: q4_k, Q.Q5_K: q5_k, Q.Q6_K: q6_k}


def quantize(arr: np.ndarray, qtype: Q) -> np.ndarray:
    """(rows, cols) f32 -> (rows, cols / 256 * type_size) uint8, checked against gguf-py's dequantizer."""
    rows, cols = arr.shape
    assert cols % QK_K == 0, f"{cols} columns are not a multiple of {QK_K}"
    block_bytes = gguf.GGML_QUANT_SIZES[qtype][1]
    out = ENCODERS[qtype](arr.astype(np.float32).reshape(-1, QK_K))
    assert out.shape[1] == block_bytes, (qtype.name, out.shape)
    out = out.reshape(rows, cols // QK_K * block_bytes)
    back = gguf.quants.dequantize(out, qtype).reshape(rows, cols)
    err = np.abs(back - arr).max() / max(np.abs(arr).max(), 1e-12)
    limit = {Q.Q4_K: 0.08, Q.Q5_K: 0.04, Q.Q6_K: 0.03}[qtype]
    assert err < limit, f"{qtype.name}: round-trip error {err:.4f} of the largest value"
    return out
