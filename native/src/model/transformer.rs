//! Our decoder-only transformer on candle-core ops, for llama (SmolLM2), qwen2 and gemma3.
//! Written here rather than taken from candle-transformers because we need: the context length from
//! the file (not a 4096 cap), a KV cache that is preallocated and reusable across requests (prefix
//! reuse), gemma3 prefill continuing a cached prefix, and a cancellation check between layers so a
//! cancelled prefill stops within milliseconds.

use std::sync::Arc;

use candle_core::quantized::{QMatMul, QTensor};
use candle_core::{DType, Device, Module, Tensor};

use crate::error::{EngineError, Result};
use crate::model::gguf::GgufFile;
use crate::model::hparams::{Arch, HParams};

/// Tokens per prefill step. Small enough that one layer of one chunk takes a few ms, large enough to
/// keep the matmuls efficient.
pub const PREFILL_CHUNK: usize = 16;

struct Linear {
    w: QMatMul,
    b: Option<Tensor>,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.w.forward(x)?;
        Ok(match &self.b {
            Some(b) => y.broadcast_add(b)?,
            None => y,
        })
    }
}

struct Layer {
    attn_norm: Tensor,
    wq: Linear,
    wk: Linear,
    wv: Linear,
    wo: Linear,
    q_norm: Option<Tensor>,
    k_norm: Option<Tensor>,
    post_attn_norm: Option<Tensor>,
    ffn_norm: Tensor,
    gate: QMatMul,
    up: QMatMul,
    down: QMatMul,
    post_ffn_norm: Option<Tensor>,
    sliding: bool,
}

struct Rope {
    cos: Tensor,
    sin: Tensor,
}

impl Rope {
    fn new(base: f32, head_dim: usize, positions: usize) -> Result<Self> {
        let inv: Vec<f32> = (0..head_dim / 2)
            .map(|i| 1.0 / base.powf(2.0 * i as f32 / head_dim as f32))
            .collect();
        let mut angles = Vec::with_capacity(positions * inv.len());
        for p in 0..positions {
            angles.extend(inv.iter().map(|f| p as f32 * f));
        }
        let t = Tensor::from_vec(angles, (positions, head_dim / 2), &Device::Cpu)?;
        Ok(Self {
            cos: t.cos()?,
            sin: t.sin()?,
        })
    }
}

/// Keys and values of one layer, in a buffer that grows in steps and is reused across requests.
#[derive(Default)]
struct LayerKv {
    k: Option<Tensor>,
    v: Option<Tensor>,
}

/// The cached state of one conversation: which tokens are in the cache, and their keys/values.
#[derive(Default)]
pub struct KvState {
    layers: Vec<LayerKv>,
    pub tokens: Vec<u32>,
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
}

pub struct Transformer {
    pub hp: HParams,
    /// Context size in use (≤ the file's).
    pub context: usize,
    embed: Tensor,
    layers: Vec<Layer>,
    norm: Tensor,
    output: QMatMul,
    rope_global: Rope,
    rope_local: Option<Rope>,
}

fn norm_weight(f: &mut GgufFile, name: &str) -> Result<Tensor> {
    Ok(f.tensor(name)?.dequantize(&Device::Cpu)?)
}

fn opt_tensor(f: &mut GgufFile, name: &str) -> Result<Option<Tensor>> {
    if f.has_tensor(name) {
        Ok(Some(norm_weight(f, name)?))
    } else {
        Ok(None)
    }
}

fn qmatmul(f: &mut GgufFile, name: &str) -> Result<QMatMul> {
    Ok(QMatMul::from_arc(Arc::new(f.tensor(name)?))?)
}

fn linear(f: &mut GgufFile, prefix: &str) -> Result<Linear> {
    Ok(Linear {
        w: qmatmul(f, &format!("{prefix}.weight"))?,
        b: opt_tensor(f, &format!("{prefix}.bias"))?,
    })
}

impl Transformer {
    pub fn load(
        f: &mut GgufFile,
        hp: HParams,
        context: usize,
        progress: &dyn Fn(f32),
    ) -> Result<Self> {
        let embed_q: QTensor = f.tensor("token_embd.weight")?;
        let embed = embed_q.dequantize(&Device::Cpu)?;
        let output = if f.has_tensor("output.weight") {
            qmatmul(f, "output.weight")?
        } else {
            QMatMul::from_arc(Arc::new(embed_q))?
        };
        let norm = norm_weight(f, "output_norm.weight")?;
        let gemma = hp.arch == Arch::Gemma3;
        let mut layers = Vec::with_capacity(hp.n_layer);
        for i in 0..hp.n_layer {
            let p = format!("blk.{i}");
            layers.push(Layer {
                attn_norm: norm_weight(f, &format!("{p}.attn_norm.weight"))?,
                wq: linear(f, &format!("{p}.attn_q"))?,
                wk: linear(f, &format!("{p}.attn_k"))?,
                wv: linear(f, &format!("{p}.attn_v"))?,
                wo: linear(f, &format!("{p}.attn_output"))?,
                q_norm: opt_tensor(f, &format!("{p}.attn_q_norm.weight"))?,
                k_norm: opt_tensor(f, &format!("{p}.attn_k_norm.weight"))?,
                post_attn_norm: opt_tensor(f, &format!("{p}.post_attention_norm.weight"))?,
                ffn_norm: norm_weight(f, &format!("{p}.ffn_norm.weight"))?,
                gate: qmatmul(f, &format!("{p}.ffn_gate.weight"))?,
                up: qmatmul(f, &format!("{p}.ffn_up.weight"))?,
                down: qmatmul(f, &format!("{p}.ffn_down.weight"))?,
                post_ffn_norm: opt_tensor(f, &format!("{p}.post_ffw_norm.weight"))?,
                sliding: hp.is_sliding(i),
            });
            progress((i + 1) as f32 / hp.n_layer as f32);
        }
        let (rows, cols) = embed.dims2()?;
        if cols != hp.d_model || rows == 0 {
            return Err(EngineError::Down(format!(
                "Model file {}: token embedding has shape {rows}x{cols}, expected width {}.",
                f.path.display(),
                hp.d_model
            )));
        }
        let rope_global = Rope::new(hp.rope_base, hp.head_dim, context)?;
        let rope_local = if gemma && hp.sliding_window.is_some() {
            Some(Rope::new(hp.rope_base_local, hp.head_dim, context)?)
        } else {
            None
        };
        Ok(Self {
            hp,
            context,
            embed,
            layers,
            norm,
            output,
            rope_global,
            rope_local,
        })
    }

    pub fn vocab_size(&self) -> usize {
        self.embed.dims()[0]
    }

    pub fn new_state(&self) -> KvState {
        KvState {
            layers: (0..self.layers.len()).map(|_| LayerKv::default()).collect(),
            tokens: Vec::new(),
        }
    }

    /// Runs `tokens` after the cached ones and returns the logits of the last position.
    /// `check` is called between layers and chunks; an error from it stops the work at once.
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
        let mut last = None;
        for chunk in tokens.chunks(PREFILL_CHUNK) {
            check()?;
            let pos = state.len();
            let ids = Tensor::new(chunk, &Device::Cpu)?;
            let mut x = self.embed.index_select(&ids, 0)?.unsqueeze(0)?;
            if let Some(s) = self.hp.embed_scale {
                x = (x * s)?;
            }
            for (layer, kv) in self.layers.iter().zip(state.layers.iter_mut()) {
                check()?;
                x = self.layer_forward(layer, kv, &x, pos)?;
            }
            state.tokens.extend_from_slice(chunk);
            last = Some(x);
        }
        let x = last.ok_or_else(|| EngineError::ActionFailed("no chunk was run".into()))?;
        let t = x.dim(1)?;
        let x = x.narrow(1, t - 1, 1)?;
        let x = candle_nn::ops::rms_norm(&x, &self.norm, self.hp.rms_eps as f32)?;
        let logits = self.output.forward(&x)?;
        Ok(logits.flatten_all()?.to_vec1::<f32>()?)
    }

    fn layer_forward(&self, l: &Layer, kv: &mut LayerKv, x: &Tensor, pos: usize) -> Result<Tensor> {
        let eps = self.hp.rms_eps as f32;
        let h = candle_nn::ops::rms_norm(x, &l.attn_norm, eps)?;
        let mut a = self.attention(l, kv, &h, pos)?;
        if let Some(w) = &l.post_attn_norm {
            a = candle_nn::ops::rms_norm(&a, w, eps)?;
        }
        let x = (x + a)?;
        let h = candle_nn::ops::rms_norm(&x, &l.ffn_norm, eps)?;
        let gate = l.gate.forward(&h)?;
        let gate = if self.hp.arch == Arch::Gemma3 {
            gate.gelu()?
        } else {
            candle_nn::ops::silu(&gate)?
        };
        let mut m = l.down.forward(&(gate * l.up.forward(&h)?)?)?;
        if let Some(w) = &l.post_ffn_norm {
            m = candle_nn::ops::rms_norm(&m, w, eps)?;
        }
        Ok((x + m)?)
    }

    fn attention(&self, l: &Layer, kv: &mut LayerKv, x: &Tensor, pos: usize) -> Result<Tensor> {
        let hp = &self.hp;
        let (_, t, _) = x.dims3()?;
        let (nh, nkv, hd) = (hp.n_head, hp.n_kv_head, hp.head_dim);
        let q =
            l.wq.forward(x)?
                .reshape((1, t, nh, hd))?
                .transpose(1, 2)?
                .contiguous()?;
        let k =
            l.wk.forward(x)?
                .reshape((1, t, nkv, hd))?
                .transpose(1, 2)?
                .contiguous()?;
        let v =
            l.wv.forward(x)?
                .reshape((1, t, nkv, hd))?
                .transpose(1, 2)?
                .contiguous()?;
        let eps = hp.rms_eps as f32;
        let q = match &l.q_norm {
            Some(w) => candle_nn::ops::rms_norm(&q, w, eps)?,
            None => q,
        };
        let k = match &l.k_norm {
            Some(w) => candle_nn::ops::rms_norm(&k, w, eps)?,
            None => k,
        };
        let rope = match (&self.rope_local, l.sliding) {
            (Some(local), true) => local,
            _ => &self.rope_global,
        };
        let cos = rope.cos.narrow(0, pos, t)?;
        let sin = rope.sin.narrow(0, pos, t)?;
        let (q, k) = if hp.rope_interleaved {
            (
                candle_nn::rotary_emb::rope_i(&q, &cos, &sin)?,
                candle_nn::rotary_emb::rope_i(&k, &cos, &sin)?,
            )
        } else {
            (
                candle_nn::rotary_emb::rope(&q, &cos, &sin)?,
                candle_nn::rotary_emb::rope(&k, &cos, &sin)?,
            )
        };
        let total = pos + t;
        let (k_all, v_all) = self.cache_append(kv, &k, &v, pos, total)?;

        // Grouped-query attention without repeating K/V: the query heads that share a KV head are
        // stacked as extra rows, [1, kv_heads, rep * t, head_dim].
        let rep = nh / nkv;
        let q = q.reshape((1, nkv, rep * t, hd))?;
        let scores = (q.matmul(&k_all.t()?)? * hp.attn_scale)?;
        let window = if l.sliding { hp.sliding_window } else { None };
        let scores = match attention_mask(t, pos, window)? {
            Some(mask) => scores
                .reshape((1, nkv, rep, t, total))?
                .broadcast_add(&mask)?
                .reshape((1, nkv, rep * t, total))?,
            None => scores,
        };
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let out = probs.matmul(&v_all)?; // [1, nkv, rep * t, hd]
        let out = out
            .reshape((1, nh, t, hd))?
            .transpose(1, 2)?
            .reshape((1, t, nh * hd))?;
        l.wo.forward(&out)
    }

    /// Writes the new keys/values at `pos` and returns views of positions 0..total.
    fn cache_append(
        &self,
        kv: &mut LayerKv,
        k: &Tensor,
        v: &Tensor,
        pos: usize,
        total: usize,
    ) -> Result<(Tensor, Tensor)> {
        let cap = kv.k.as_ref().map(|t| t.dim(2)).transpose()?.unwrap_or(0);
        if total > cap {
            // Grow in steps (at least 256 positions, doubling) up to the context size.
            let new_cap = total.max(cap * 2).max(256).min(self.context).max(total);
            let shape = (1, self.hp.n_kv_head, new_cap, self.hp.head_dim);
            let nk = Tensor::zeros(shape, DType::F32, &Device::Cpu)?;
            let nv = Tensor::zeros(shape, DType::F32, &Device::Cpu)?;
            if let (Some(ok), Some(ov)) = (&kv.k, &kv.v) {
                if pos > 0 {
                    nk.slice_set(&ok.narrow(2, 0, pos)?.contiguous()?, 2, 0)?;
                    nv.slice_set(&ov.narrow(2, 0, pos)?.contiguous()?, 2, 0)?;
                }
            }
            kv.k = Some(nk);
            kv.v = Some(nv);
        }
        let (ck, cv) = match (&kv.k, &kv.v) {
            (Some(ck), Some(cv)) => (ck, cv),
            _ => return Err(EngineError::ActionFailed("KV cache missing".into())),
        };
        ck.slice_set(k, 2, pos)?;
        cv.slice_set(v, 2, pos)?;
        Ok((ck.narrow(2, 0, total)?, cv.narrow(2, 0, total)?))
    }
}

/// Additive mask [t, pos + t]: causal, and limited to the last `window` positions for sliding layers.
fn attention_mask(t: usize, pos: usize, window: Option<usize>) -> Result<Option<Tensor>> {
    let total = pos + t;
    let needs_window = window.is_some_and(|w| total > w);
    if t == 1 && !needs_window {
        return Ok(None);
    }
    let mut m = vec![0f32; t * total];
    for i in 0..t {
        let qpos = pos + i;
        for j in 0..total {
            let future = j > qpos;
            let too_old = window.is_some_and(|w| qpos - j.min(qpos) >= w);
            if future || too_old {
                m[i * total + j] = f32::NEG_INFINITY;
            }
        }
    }
    Ok(Some(Tensor::from_vec(m, (t, total), &Device::Cpu)?))
}
