//! Our decoder-only transformer for llama (SmolLM2, Llama 3), qwen2, qwen3, phi3, gemma2 and gemma3, on
//! plain f32 rows and our own
//! matrix kernels (`linear`, `kernels`); candle reads the GGUF file and multiplies the formats we have
//! no kernel for. Written here rather than taken from candle-transformers because we need: the
//! context length from the file, a KV cache that is reused across requests (prefix reuse) and grows
//! with use without being copied on every token, gemma3 prefill continuing a cached prefix, quantized
//! embeddings (candle expands them to f32: 671 MB for Gemma-3), rope computed per position instead of
//! tables for the whole context, logits for the last position only, and a cancellation check between
//! steps.

use std::sync::Arc;

use candle_core::Device;

use crate::error::{EngineError, Result};
use crate::model::gguf::GgufFile;
use crate::model::hparams::{Arch, HParams, RopeFactors};
use crate::model::kernels::{self, attend_group, key_buffer_len, store_key, to_f16, HeadGroup};
use crate::model::linear::{Linear, QuantizedRows};
use crate::model::ops;
use crate::model::threads::{DisjointMut, Pool};

/// Multiply-adds one prefill step may do per layer (between two cancellation checks): about 10 ms
/// at our prefill speed, so a cancel or deadline stops the work well within 50 ms.
const STEP_MACS: usize = 300_000_000;

struct Layer {
    attn_norm: Vec<f32>,
    wq: Linear,
    wk: Linear,
    wv: Linear,
    wo: Linear,
    q_norm: Option<Vec<f32>>,
    k_norm: Option<Vec<f32>>,
    post_attn_norm: Option<Vec<f32>>,
    ffn_norm: Vec<f32>,
    gate: Linear,
    up: Linear,
    down: Linear,
    post_ffn_norm: Option<Vec<f32>>,
    sliding: bool,
}

/// Keys and values of one layer in f16 (llama.cpp's default: half the memory traffic of f32, which
/// is what decoding after a long prompt waits on), one buffer per KV head so each head reads one
/// contiguous stream: values by position ([position][head dim]), keys in blocks of 16 positions
/// (`kernels::key_index`, what the attention kernel multiplies without horizontal sums). The buffers
/// grow with the positions written (`grow_kv`): memory follows the tokens in use, not the context.
#[derive(Default)]
struct LayerKv {
    k: Vec<Vec<u16>>,
    v: Vec<Vec<u16>>,
}

/// Positions a KV buffer starts with (then it doubles).
const KV_MIN_POSITIONS: usize = 256;

/// Keeps the first `keep` values of one head's buffer and makes it `need` long (zeros past `keep`,
/// which the caller overwrites). Capacity at least doubles when it runs out (from `min`), up to
/// `max` (the whole context), so growing costs O(1) per token; large buffers are moved by `realloc`
/// remapping their pages, not copying them. Failure to allocate is an error, not an abort. Returns
/// whether the buffer was reallocated.
fn grow_kv(buf: &mut Vec<u16>, keep: usize, need: usize, min: usize, max: usize) -> Result<bool> {
    if buf.len() < keep {
        return Err(EngineError::ActionFailed(
            "the KV cache is shorter than its tokens".into(),
        ));
    }
    buf.truncate(keep);
    let grows = buf.capacity() < need;
    if grows {
        let target = need.max(2 * buf.capacity()).max(min).min(max.max(need));
        buf.try_reserve_exact(target - buf.len()).map_err(|_| {
            EngineError::ActionFailed(format!(
                "Out of memory for the KV cache ({} MB for one head).",
                (target * 2) >> 20
            ))
        })?;
    }
    buf.resize(need, 0);
    Ok(grows)
}

/// Buffers of one forward step, kept between steps so decoding allocates nothing.
#[derive(Default)]
struct Scratch {
    x: Vec<f32>,
    h: Vec<f32>,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    att: Vec<f32>,
    o: Vec<f32>,
    gate: Vec<f32>,
    up: Vec<f32>,
    cos: Vec<f32>,
    sin: Vec<f32>,
    cos_local: Vec<f32>,
    sin_local: Vec<f32>,
    rows: QuantizedRows,
    /// A KV buffer was reallocated in this forward pass.
    kv_grew: bool,
}

/// The cached state of one conversation: which tokens are in the cache, and their keys/values.
#[derive(Default)]
pub struct KvState {
    layers: Vec<LayerKv>,
    pub tokens: Vec<u32>,
    scratch: Scratch,
}

impl KvState {
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Keeps the first `n` cached tokens; later positions are overwritten by the next forward.
    pub fn truncate(&mut self, n: usize) {
        self.tokens.truncate(n);
    }

    pub fn clear(&mut self) {
        self.layers.clear();
        self.tokens.clear();
    }

    /// Bytes of the KV cache: (in use, allocated).
    pub fn kv_bytes(&self) -> (usize, usize) {
        let heads = self.layers.iter().flat_map(|l| l.k.iter().chain(&l.v));
        heads.fold((0, 0), |(used, cap), b| {
            (used + 2 * b.len(), cap + 2 * b.capacity())
        })
    }
}

pub struct Transformer {
    pub hp: HParams,
    /// Context size in use (≤ the file's).
    pub context: usize,
    embed: Arc<Linear>,
    output: Arc<Linear>,
    norm: Vec<f32>,
    layers: Vec<Layer>,
    ffn: usize,
    rope: ops::Rope,
    /// Gemma-3's sliding-window layers: their own rope base.
    rope_local: Option<ops::Rope>,
    /// Prefill tokens per step.
    chunk: usize,
    pool: Pool,
}

fn vector(f: &mut GgufFile, name: &str, len: usize) -> Result<Vec<f32>> {
    let v = f
        .tensor(name)?
        .dequantize(&Device::Cpu)?
        .flatten_all()?
        .to_vec1::<f32>()?;
    if v.len() != len {
        return Err(EngineError::Down(format!(
            "Model file {}: tensor {name} has {} values, expected {len}.",
            f.path.display(),
            v.len()
        )));
    }
    Ok(v)
}

fn opt_vector(f: &mut GgufFile, name: &str, len: usize) -> Result<Option<Vec<f32>>> {
    if f.has_tensor(name) {
        Ok(Some(vector(f, name, len)?))
    } else {
        Ok(None)
    }
}

/// A weight matrix of `rows` × `cols` (0: any), with its bias if the file has one.
fn linear(
    f: &mut GgufFile,
    prefix: &str,
    rows: usize,
    cols: usize,
    threads: usize,
) -> Result<Linear> {
    let mut parts = fused(f, prefix, &[rows], cols, threads)?;
    parts.pop().ok_or_else(|| {
        EngineError::ActionFailed(format!("{prefix}: no matrix")) // unreachable: one part asked
    })
}

/// A matrix stored as several stacked on top of each other (phi3's `attn_qkv`: Q, K, V rows; its
/// `ffn_up`: gate rows, then up rows), as one `Linear` per part of `rows[i]` rows (one entry of 0:
/// the whole matrix, any size). A row is whole blocks, so each part is a range of the file's bytes.
fn fused(
    f: &mut GgufFile,
    prefix: &str,
    rows: &[usize],
    cols: usize,
    threads: usize,
) -> Result<Vec<Linear>> {
    let name = format!("{prefix}.weight");
    let (dtype, dims, bytes) = f.raw_tensor(&name)?;
    let bias_name = format!("{prefix}.bias");
    let bias = if f.has_tensor(&bias_name) {
        Some(
            f.tensor(&bias_name)?
                .dequantize(&Device::Cpu)?
                .flatten_all()?
                .to_vec1::<f32>()?,
        )
    } else {
        None
    };
    let down = |e: EngineError| EngineError::Down(format!("Model file {}: {e}", f.path.display()));
    let total: usize = rows.iter().sum();
    let shape_ok = match dims[..] {
        [r, c] => (total == 0 || r == total) && (cols == 0 || c == cols),
        _ => false,
    };
    if !shape_ok {
        return Err(EngineError::Down(format!(
            "Model file {}: tensor {name} is {}, expected {total}x{cols}.",
            f.path.display(),
            dims.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("x")
        )));
    }
    if rows.len() == 1 {
        return Ok(vec![
            Linear::new(dtype, &dims, bytes, bias, &name, threads).map_err(down)?
        ]);
    }
    let row_bytes = dims[1] / dtype.block_size() * dtype.type_size();
    let mut parts = Vec::with_capacity(rows.len());
    let mut row0 = 0;
    for &n in rows {
        let part_bias = bias.as_ref().map(|b| b[row0..row0 + n].to_vec());
        let part_bytes = bytes[row0 * row_bytes..(row0 + n) * row_bytes].to_vec();
        parts.push(
            Linear::new(dtype, &[n, dims[1]], part_bytes, part_bias, &name, threads)
                .map_err(down)?,
        );
        row0 += n;
    }
    Ok(parts)
}

/// Rope's frequency divisors from the file (Llama-3's `rope_freqs`, Phi-3's short or long factors
/// by the context in use) and the factor on cos and sin.
fn rope_factors(f: &mut GgufFile, hp: &HParams, context: usize) -> Result<(Option<Vec<f32>>, f32)> {
    let half = hp.rope_dims / 2;
    Ok(match hp.rope_factors {
        RopeFactors::LongRope {
            original_context,
            attn_factor,
        } => {
            let which = if context > original_context {
                "rope_factors_long.weight"
            } else {
                "rope_factors_short.weight"
            };
            (opt_vector(f, which, half)?, attn_factor)
        }
        _ => (opt_vector(f, "rope_freqs.weight", half)?, 1.0),
    })
}

impl Transformer {
    pub fn load(
        f: &mut GgufFile,
        hp: HParams,
        context: usize,
        threads: usize,
        progress: &dyn Fn(f32),
    ) -> Result<Self> {
        let (d, hd) = (hp.d_model, hp.head_dim);
        let (qd, kvd) = (hp.n_head * hd, hp.n_kv_head * hd);
        let embed = Arc::new(linear(f, "token_embd", 0, d, threads)?);
        let output = if f.has_tensor("output.weight") {
            Arc::new(linear(f, "output", embed.rows, d, threads)?)
        } else {
            embed.clone()
        };
        let norm = vector(f, "output_norm.weight", d)?;
        let mut layers = Vec::with_capacity(hp.n_layer);
        let mut ffn = 0;
        for i in 0..hp.n_layer {
            let p = format!("blk.{i}");
            let [wq, wk, wv] = if f.has_tensor(&format!("{p}.attn_qkv.weight")) {
                let qkv = fused(f, &format!("{p}.attn_qkv"), &[qd, kvd, kvd], d, threads)?;
                <[Linear; 3]>::try_from(qkv).map_err(|_| {
                    EngineError::ActionFailed("attn_qkv: three parts expected".into())
                })?
            } else {
                [
                    linear(f, &format!("{p}.attn_q"), qd, d, threads)?,
                    linear(f, &format!("{p}.attn_k"), kvd, d, threads)?,
                    linear(f, &format!("{p}.attn_v"), kvd, d, threads)?,
                ]
            };
            let (gate, up) = if f.has_tensor(&format!("{p}.ffn_gate.weight")) {
                let gate = linear(f, &format!("{p}.ffn_gate"), ffn, d, threads)?;
                let up = linear(f, &format!("{p}.ffn_up"), gate.rows, d, threads)?;
                (gate, up)
            } else {
                // Phi-3: ffn_up holds the gate rows, then the up rows.
                let half = f
                    .content
                    .tensor_infos
                    .get(&format!("{p}.ffn_up.weight"))
                    .and_then(|info| info.shape.dims().first().copied())
                    .unwrap_or(0)
                    / 2;
                let mut parts =
                    fused(f, &format!("{p}.ffn_up"), &[half, half], d, threads)?.into_iter();
                match (parts.next(), parts.next()) {
                    (Some(gate), Some(up)) => (gate, up),
                    _ => {
                        return Err(EngineError::ActionFailed(
                            "ffn_up: two parts expected".into(),
                        ))
                    }
                }
            };
            if ffn != 0 && gate.rows != ffn || gate.rows == 0 {
                return Err(EngineError::Down(format!(
                    "Model file {}: layer {i} has a feed-forward of {} rows, layer 0 of {ffn}.",
                    f.path.display(),
                    gate.rows
                )));
            }
            ffn = gate.rows;
            layers.push(Layer {
                attn_norm: vector(f, &format!("{p}.attn_norm.weight"), d)?,
                wq,
                wk,
                wv,
                wo: linear(f, &format!("{p}.attn_output"), d, qd, threads)?,
                q_norm: opt_vector(f, &format!("{p}.attn_q_norm.weight"), hd)?,
                k_norm: opt_vector(f, &format!("{p}.attn_k_norm.weight"), hd)?,
                post_attn_norm: opt_vector(f, &format!("{p}.post_attention_norm.weight"), d)?,
                ffn_norm: vector(f, &format!("{p}.ffn_norm.weight"), d)?,
                up,
                down: linear(f, &format!("{p}.ffn_down"), d, ffn, threads)?,
                gate,
                post_ffn_norm: opt_vector(f, &format!("{p}.post_ffw_norm.weight"), d)?,
                sliding: hp.is_sliding(i),
            });
            progress((i + 1) as f32 / hp.n_layer as f32);
        }
        if embed.rows == 0 {
            return Err(EngineError::Down(format!(
                "Model file {}: the token embedding is empty.",
                f.path.display()
            )));
        }
        let (factors, mscale) = rope_factors(f, &hp, context)?;
        let rope_at = |base: f32| ops::Rope {
            theta_scale: ops::rope_theta_scale(base, hp.rope_dims),
            half: hp.rope_dims / 2,
            factors: factors.clone(),
            freq_scale: hp.rope_freq_scale,
            mscale,
        };
        let rope = rope_at(hp.rope_base);
        let rope_local = (hp.arch == Arch::Gemma3 && hp.sliding_window.is_some())
            .then(|| rope_at(hp.rope_base_local));
        let macs_per_token = d * (2 * qd + 2 * kvd) + 3 * d * ffn;
        let chunk = (STEP_MACS / macs_per_token.max(1)).clamp(16, 64) / 4 * 4;
        Ok(Self {
            hp,
            context,
            embed,
            output,
            norm,
            layers,
            ffn,
            rope,
            rope_local,
            chunk,
            pool: Pool::new(threads),
        })
    }

    pub fn vocab_size(&self) -> usize {
        self.embed.rows
    }

    /// Inference threads (counting the calling one).
    pub fn threads(&self) -> usize {
        self.pool.threads()
    }

    /// An empty cache: its buffers are allocated as positions are written.
    pub fn new_state(&self) -> KvState {
        let nkv = self.hp.n_kv_head;
        KvState {
            layers: (0..self.layers.len())
                .map(|_| LayerKv {
                    k: vec![Vec::new(); nkv],
                    v: vec![Vec::new(); nkv],
                })
                .collect(),
            tokens: Vec::new(),
            scratch: Scratch::default(),
        }
    }

    /// Runs `tokens` after the cached ones and returns the logits of the last position.
    /// `check` is called between steps; an error from it stops the work at once.
    pub fn forward(
        &self,
        state: &mut KvState,
        tokens: &[u32],
        check: &mut dyn FnMut() -> Result<()>,
    ) -> Result<Vec<f32>> {
        if tokens.is_empty() {
            return Err(EngineError::ActionFailed(
                "forward called with no tokens".into(),
            ));
        }
        if state.layers.len() != self.layers.len() {
            *state = self.new_state();
        }
        if state.len() + tokens.len() > self.context {
            return Err(EngineError::invalid(format!(
                "The prompt needs {} tokens but the context holds {}.",
                state.len() + tokens.len(),
                self.context
            )));
        }
        let vocab = self.vocab_size() as u32;
        if let Some(bad) = tokens.iter().find(|&&t| t >= vocab) {
            return Err(EngineError::invalid(format!(
                "Token id {bad} is outside the vocabulary."
            )));
        }
        let d = self.hp.d_model;
        for chunk in tokens.chunks(self.chunk) {
            check()?;
            let pos = state.len();
            let t = chunk.len();
            let s = &mut state.scratch;
            s.x.resize(t * d, 0.0);
            for (row, &id) in s.x.chunks_exact_mut(d).zip(chunk) {
                self.embed.row(id as usize, row)?;
            }
            if let Some(scale) = self.hp.embed_scale {
                let scale = scale as f32;
                s.x.iter_mut().for_each(|v| *v *= scale);
            }
            s.cos.clear();
            s.sin.clear();
            s.cos_local.clear();
            s.sin_local.clear();
            for p in pos..pos + t {
                self.rope.angles(p, &mut s.cos, &mut s.sin);
                if let Some(local) = &self.rope_local {
                    local.angles(p, &mut s.cos_local, &mut s.sin_local);
                }
            }
            for (layer, kv) in self.layers.iter().zip(state.layers.iter_mut()) {
                check()?;
                self.layer_forward(layer, kv, &mut state.scratch, t, pos, check)?;
            }
            state.tokens.extend_from_slice(chunk);
        }
        if std::mem::take(&mut state.scratch.kv_grew) {
            // The buffers that `realloc` copied (those below glibc's mmap threshold) were freed in
            // the heap; give their pages back rather than keep ~the cache's size twice.
            crate::model::release_freed_memory();
        }
        // Logits of the last position only.
        let s = &mut state.scratch;
        let t = s.x.len() / d;
        s.h.clear();
        s.h.extend_from_slice(&s.x[(t - 1) * d..]);
        ops::rms_norm(&mut s.h, &self.norm, self.hp.rms_eps as f32);
        s.rows.quantize(&s.h, 1, d, &[&*self.output]);
        let mut logits = vec![0f32; self.output.rows];
        self.output
            .forward(&s.h, &s.rows, &mut logits, &self.pool)?;
        if let Some(cap) = self.hp.final_softcap {
            ops::softcap(&mut logits, cap);
        }
        Ok(logits)
    }

    fn layer_forward(
        &self,
        l: &Layer,
        kv: &mut LayerKv,
        s: &mut Scratch,
        t: usize,
        pos: usize,
        check: &mut dyn FnMut() -> Result<()>,
    ) -> Result<()> {
        let hp = &self.hp;
        let eps = hp.rms_eps as f32;
        let (d, hd) = (hp.d_model, hp.head_dim);
        let (qd, kvd) = (hp.n_head * hd, hp.n_kv_head * hd);
        let pool = &self.pool;

        // Attention.
        s.h.clear();
        s.h.extend_from_slice(&s.x);
        ops::rms_norm(&mut s.h, &l.attn_norm, eps);
        s.rows.quantize(&s.h, t, d, &[&l.wq, &l.wk, &l.wv]);
        s.q.resize(t * qd, 0.0);
        s.k.resize(t * kvd, 0.0);
        s.v.resize(t * kvd, 0.0);
        l.wq.forward(&s.h, &s.rows, &mut s.q, pool)?;
        l.wk.forward(&s.h, &s.rows, &mut s.k, pool)?;
        l.wv.forward(&s.h, &s.rows, &mut s.v, pool)?;
        if let Some(w) = &l.q_norm {
            ops::rms_norm(&mut s.q, w, eps);
        }
        if let Some(w) = &l.k_norm {
            ops::rms_norm(&mut s.k, w, eps);
        }
        let (cos, sin) = match (&self.rope_local, l.sliding) {
            (Some(_), true) => (&s.cos_local, &s.sin_local),
            _ => (&s.cos, &s.sin),
        };
        // Rope turns the first rope_dims of each head (all of it but on phi3).
        let (half, rd) = (hp.rope_dims / 2, hp.rope_dims);
        for i in 0..t {
            let (c, sn) = (
                &cos[i * half..(i + 1) * half],
                &sin[i * half..(i + 1) * half],
            );
            for head in s.q[i * qd..(i + 1) * qd].chunks_exact_mut(hd) {
                ops::rope(&mut head[..rd], c, sn, hp.rope_interleaved);
            }
            for head in s.k[i * kvd..(i + 1) * kvd].chunks_exact_mut(hd) {
                ops::rope(&mut head[..rd], c, sn, hp.rope_interleaved);
            }
        }
        let nkv = hp.n_kv_head;
        let (min, max) = (KV_MIN_POSITIONS * hd, key_buffer_len(self.context, hd));
        for (g, (kb, vb)) in kv.k.iter_mut().zip(kv.v.iter_mut()).enumerate() {
            // Keys: whole blocks (the one holding position pos − 1 is kept and completed).
            let (keep, need) = (key_buffer_len(pos, hd), key_buffer_len(pos + t, hd));
            let grew = grow_kv(kb, keep, need, min, max)?;
            s.kv_grew |= grow_kv(vb, pos * hd, (pos + t) * hd, min, max)? || grew;
            for i in 0..t {
                let from = (i * nkv + g) * hd;
                store_key(kb, pos + i, &s.k[from..from + hd]);
                let to = (pos + i) * hd;
                to_f16(&s.v[from..from + hd], &mut vb[to..to + hd]);
            }
        }
        let window = if l.sliding { hp.sliding_window } else { None };
        s.att.clear();
        s.att.resize(t * qd, 0.0);
        self.attention(&s.q, kv, &mut s.att, t, pos, window);
        s.rows.quantize(&s.att, t, qd, &[&l.wo]);
        s.o.resize(t * d, 0.0);
        l.wo.forward(&s.att, &s.rows, &mut s.o, pool)?;
        if let Some(w) = &l.post_attn_norm {
            ops::rms_norm(&mut s.o, w, eps);
        }
        ops::add(&mut s.x, &s.o);
        check()?;

        // Feed-forward.
        s.h.clear();
        s.h.extend_from_slice(&s.x);
        ops::rms_norm(&mut s.h, &l.ffn_norm, eps);
        s.rows.quantize(&s.h, t, d, &[&l.gate, &l.up]);
        s.gate.resize(t * self.ffn, 0.0);
        s.up.resize(t * self.ffn, 0.0);
        l.gate.forward(&s.h, &s.rows, &mut s.gate, pool)?;
        l.up.forward(&s.h, &s.rows, &mut s.up, pool)?;
        let (ffn, gemma) = (self.ffn, hp.arch.is_gemma());
        let gates = DisjointMut::new(&mut s.gate);
        let up = &s.up;
        pool.run(t, &|i| {
            // SAFETY: task i writes only token i's row of the gate, inside the t·ffn buffer.
            let g = unsafe { gates.part(i * ffn, ffn) };
            let u = &up[i * ffn..(i + 1) * ffn];
            if gemma {
                ops::gelu_mul(g, u);
            } else {
                ops::silu_mul(g, u);
            }
        });
        s.rows.quantize(&s.gate, t, self.ffn, &[&l.down]);
        l.down.forward(&s.gate, &s.rows, &mut s.o, pool)?;
        if let Some(w) = &l.post_ffn_norm {
            ops::rms_norm(&mut s.o, w, eps);
        }
        ops::add(&mut s.x, &s.o);
        Ok(())
    }

    /// Causal attention of the `t` new positions (starting at `pos`) over the layer's cache `kv`,
    /// grouped-query (query head h reads KV head h / (n_head / n_kv_head)), limited to the last
    /// `window` positions on sliding-window layers. One task per (position, KV head) on the pool.
    fn attention(
        &self,
        q: &[f32],
        kv: &LayerKv,
        out: &mut [f32],
        t: usize,
        pos: usize,
        window: Option<usize>,
    ) {
        thread_local! {
            static SCORES: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let hp = &self.hp;
        let (nh, nkv, hd) = (hp.n_head, hp.n_kv_head, hp.head_dim);
        let rep = nh / nkv;
        let isa = kernels::isa();
        assert!(out.len() >= t * nh * hd);
        let parts = DisjointMut::new(out);
        self.pool.run(t * nkv, &|task| {
            let (i, g) = (task / nkv, task % nkv);
            let qpos = pos + i;
            let lo = window.map_or(0, |w| (qpos + 1).saturating_sub(w));
            // Query heads g·rep .. (g+1)·rep are contiguous in the row.
            let at = (i * nh + g * rep) * hd;
            // SAFETY: each task writes its own rep·hd values at `at` (distinct (i, g)), inside `out`.
            let out = unsafe { parts.part(at, rep * hd) };
            let group = HeadGroup {
                q: &q[at..at + rep * hd],
                heads: rep,
                hd,
                k: &kv.k[g],
                v: &kv.v[g],
                lo,
                hi: qpos,
                scale: hp.attn_scale as f32,
                softcap: hp.attn_softcap,
            };
            SCORES.with(|scores| attend_group(isa, &group, &mut scores.borrow_mut(), out));
        });
    }
}
