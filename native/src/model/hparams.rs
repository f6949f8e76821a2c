//! Architecture hyperparameters read from GGUF metadata.

use crate::error::{EngineError, Result};
use crate::model::gguf::Meta;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    Llama,
    Qwen2,
    Gemma3,
}

impl Arch {
    pub fn name(self) -> &'static str {
        match self {
            Arch::Llama => "llama",
            Arch::Qwen2 => "qwen2",
            Arch::Gemma3 => "gemma3",
        }
    }
}

#[derive(Debug, Clone)]
pub struct HParams {
    pub arch: Arch,
    pub n_layer: usize,
    pub d_model: usize,
    pub n_head: usize,
    pub n_kv_head: usize,
    pub head_dim: usize,
    pub rms_eps: f64,
    pub rope_base: f32,
    /// Gemma-3's sliding-window layers use their own rope base.
    pub rope_base_local: f32,
    /// llama.cpp's rope "NORM" (adjacent pairs, llama) versus "NEOX" (halves, qwen2 and gemma3).
    pub rope_interleaved: bool,
    pub sliding_window: Option<usize>,
    /// Every `swa_pattern`-th layer is global; the others use the sliding window.
    pub swa_pattern: usize,
    /// Context length declared by the file.
    pub context_length: usize,
    pub embed_scale: Option<f64>,
    pub attn_scale: f64,
}

impl HParams {
    pub fn from_meta(meta: &Meta) -> Result<Self> {
        let arch_name = meta.string("general.architecture")?;
        let arch = match arch_name {
            "llama" => Arch::Llama,
            "qwen2" => Arch::Qwen2,
            "gemma3" => Arch::Gemma3,
            other => {
                return Err(EngineError::Down(format!(
                    "Model file {}: architecture {other:?} is not supported (supported: llama, qwen2, gemma3).",
                    meta.path.display()
                )))
            }
        };
        let k = |s: &str| format!("{arch_name}.{s}");
        let n_layer = meta.usize(&k("block_count"))?;
        let d_model = meta.usize(&k("embedding_length"))?;
        let n_head = meta.usize(&k("attention.head_count"))?;
        let n_kv_head = meta
            .opt_u64(&k("attention.head_count_kv"))
            .map(|v| v as usize)
            .unwrap_or(n_head);
        let head_dim = match meta.opt_u64(&k("attention.key_length")) {
            Some(v) => v as usize,
            None if n_head > 0 => d_model / n_head,
            None => 0,
        };
        let check = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(EngineError::Down(format!(
                    "Model file {}: inconsistent hyperparameters ({what}).",
                    meta.path.display()
                )))
            }
        };
        check(n_layer > 0 && n_layer <= 1024, "block_count")?;
        check(d_model > 0 && d_model <= 65536, "embedding_length")?;
        check(
            n_head > 0 && n_kv_head > 0 && n_head % n_kv_head == 0,
            "head counts",
        )?;
        check(
            head_dim > 0 && head_dim % 2 == 0 && head_dim <= 1024,
            "head dimension",
        )?;
        let rms_eps = meta
            .opt_f32(&k("attention.layer_norm_rms_epsilon"))
            .unwrap_or(1e-6) as f64;
        let context_length = meta
            .opt_u64(&k("context_length"))
            .unwrap_or(2048)
            .clamp(16, 1 << 20) as usize;
        let rope_base = meta.opt_f32(&k("rope.freq_base")).unwrap_or(match arch {
            Arch::Gemma3 => 1_000_000.0,
            _ => 10_000.0,
        });
        let (sliding_window, swa_pattern, embed_scale, rope_base_local) = match arch {
            Arch::Gemma3 => (
                meta.opt_u64(&k("attention.sliding_window"))
                    .map(|v| v as usize),
                meta.opt_u64(&k("attention.sliding_window_pattern"))
                    .unwrap_or(6)
                    .max(1) as usize,
                Some((d_model as f64).sqrt()),
                meta.opt_f32(&k("rope.local_freq_base")).unwrap_or(10_000.0),
            ),
            _ => (None, 1, None, rope_base),
        };
        Ok(Self {
            arch,
            n_layer,
            d_model,
            n_head,
            n_kv_head,
            head_dim,
            rms_eps,
            rope_base,
            rope_base_local,
            rope_interleaved: arch == Arch::Llama,
            sliding_window,
            swa_pattern,
            context_length,
            embed_scale,
            attn_scale: 1.0 / (head_dim as f64).sqrt(),
        })
    }

    /// Gemma-3: layers 0-4 of every 6 use the sliding window, every 6th is global (llama.cpp's pattern).
    pub fn is_sliding(&self, layer: usize) -> bool {
        self.sliding_window.is_some()
            && self.swa_pattern > 1
            && !(layer + 1).is_multiple_of(self.swa_pattern)
    }
}
