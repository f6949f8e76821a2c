//! Architecture hyperparameters read from GGUF metadata, with llama.cpp's defaults where a key is
//! absent (tests/tiny-models/README.md says what each architecture computes).

use crate::error::{EngineError, Result};
use crate::model::gguf::Meta;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    Llama,
    Qwen2,
    Qwen3,
    Phi3,
    Gemma2,
    Gemma3,
}

/// `general.architecture` values the engine reads, in the order messages list them.
pub const SUPPORTED: [&str; 6] = ["llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3"];

impl Arch {
    pub fn parse(name: &str) -> Option<Arch> {
        Some(match name {
            "llama" => Arch::Llama,
            "qwen2" => Arch::Qwen2,
            "qwen3" => Arch::Qwen3,
            "phi3" => Arch::Phi3,
            "gemma2" => Arch::Gemma2,
            "gemma3" => Arch::Gemma3,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Arch::Llama => "llama",
            Arch::Qwen2 => "qwen2",
            Arch::Qwen3 => "qwen3",
            Arch::Phi3 => "phi3",
            Arch::Gemma2 => "gemma2",
            Arch::Gemma3 => "gemma3",
        }
    }

    pub fn is_gemma(self) -> bool {
        matches!(self, Arch::Gemma2 | Arch::Gemma3)
    }
}

/// Which rope frequency divisors a file carries (a tensor per model, n_rot/2 values).
#[derive(Debug, Clone, PartialEq)]
pub enum RopeFactors {
    /// `rope_freqs.weight` when the file has it (Llama 3.1/3.2), else none.
    File,
    /// Phi-3 LongRoPE: `rope_factors_short.weight` up to `original_context`, `rope_factors_long.weight`
    /// above it, and cos/sin multiplied by `attn_factor` in both cases.
    LongRope {
        original_context: usize,
        attn_factor: f32,
    },
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
    /// Dimensions of each head that rope rotates (phi3: fewer than head_dim); the rest pass through.
    pub rope_dims: usize,
    /// `rope.scaling.type` linear: positions multiplied by 1/factor.
    pub rope_freq_scale: f32,
    pub rope_factors: RopeFactors,
    /// llama.cpp's rope "NORM" (adjacent pairs, llama) versus "NEOX" (halves, the others).
    pub rope_interleaved: bool,
    pub sliding_window: Option<usize>,
    /// Every `swa_pattern`-th layer is global; the others use the sliding window.
    pub swa_pattern: usize,
    /// Context length declared by the file.
    pub context_length: usize,
    pub embed_scale: Option<f64>,
    pub attn_scale: f64,
    /// Gemma-2: attention scores become tanh(s / cap)·cap before the softmax.
    pub attn_softcap: Option<f32>,
    /// Gemma-2: the same on the final logits.
    pub final_softcap: Option<f32>,
}

impl HParams {
    pub fn from_meta(meta: &Meta) -> Result<Self> {
        let arch_name = meta.string("general.architecture")?;
        let Some(arch) = Arch::parse(arch_name) else {
            return Err(EngineError::Down(format!(
                "Model file {}: architecture {arch_name:?} is not supported (supported: {}).",
                meta.path.display(),
                SUPPORTED.join(", ")
            )));
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
        let rope_dims = meta
            .opt_u64(&k("rope.dimension_count"))
            .map_or(head_dim, |v| v as usize);
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
        // The attention kernels read keys and values in runs of 8 (every real model: 64–256).
        check(
            head_dim > 0 && head_dim.is_multiple_of(8) && head_dim <= 1024,
            "head dimension",
        )?;
        check(
            rope_dims > 0 && rope_dims.is_multiple_of(2) && rope_dims <= head_dim,
            "rope.dimension_count",
        )?;
        if let Some(v) = meta.opt_u64(&k("attention.value_length")) {
            check(
                v as usize == head_dim,
                "value_length differs from key_length",
            )?;
        }
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
        let rope_freq_scale = match meta.opt_string(&k("rope.scaling.type")) {
            None | Some("none") => 1.0,
            Some("linear") => {
                let factor = meta.opt_f32(&k("rope.scaling.factor")).unwrap_or(1.0);
                check(factor.is_finite() && factor >= 1.0, "rope.scaling.factor")?;
                1.0 / factor
            }
            Some(other) => {
                return Err(EngineError::Down(format!(
                    "Model file {}: rope scaling {other:?} is not supported (supported: none, linear, Llama-3 rope_freqs, Phi-3 LongRoPE).",
                    meta.path.display()
                )))
            }
        };
        let rope_factors = match arch {
            Arch::Phi3 => {
                let original_context = meta
                    .opt_u64(&k("rope.scaling.original_context_length"))
                    .map_or(context_length, |v| v as usize);
                let attn_factor = meta.opt_f32(&k("rope.scaling.attn_factor")).unwrap_or(1.0);
                check(attn_factor.is_finite(), "rope.scaling.attn_factor")?;
                RopeFactors::LongRope {
                    original_context,
                    attn_factor,
                }
            }
            _ => RopeFactors::File,
        };
        let (sliding_window, swa_pattern) = match arch {
            // llama.cpp: Gemma-2 slides on even layers, Gemma-3 on 5 of every 6. Phi-3's window is
            // ignored by llama.cpp (its conversion writes it inconsistently), so by us too.
            Arch::Gemma2 | Arch::Gemma3 => (
                meta.opt_u64(&k("attention.sliding_window"))
                    .map(|v| v as usize)
                    .filter(|&w| w > 0),
                if arch == Arch::Gemma2 {
                    2
                } else {
                    meta.opt_u64(&k("attention.sliding_window_pattern"))
                        .unwrap_or(6)
                        .max(1) as usize
                },
            ),
            _ => (None, 1),
        };
        let rope_base_local = if arch == Arch::Gemma3 {
            meta.opt_f32(&k("rope.local_freq_base")).unwrap_or(10_000.0)
        } else {
            rope_base
        };
        let softcap = |key: &str| {
            meta.opt_f32(&k(key))
                .filter(|&c| arch == Arch::Gemma2 && c.is_finite() && c > 0.0)
        };
        // Gemma-2 27B (46 layers) scales by d_model / heads instead of the head size, as llama.cpp.
        let scale_dim = if arch == Arch::Gemma2 && n_layer == 46 {
            d_model / n_head
        } else {
            head_dim
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
            rope_dims,
            rope_freq_scale,
            rope_factors,
            rope_interleaved: arch == Arch::Llama,
            sliding_window,
            swa_pattern,
            context_length,
            embed_scale: arch.is_gemma().then(|| (d_model as f64).sqrt()),
            attn_scale: 1.0 / (scale_dim as f64).sqrt(),
            attn_softcap: softcap("attn_logit_softcapping"),
            final_softcap: softcap("final_logit_softcapping"),
        })
    }

    /// Gemma: the layers that use the sliding window (llama.cpp's pattern: all but every
    /// `swa_pattern`-th).
    pub fn is_sliding(&self, layer: usize) -> bool {
        self.sliding_window.is_some()
            && self.swa_pattern > 1
            && !(layer + 1).is_multiple_of(self.swa_pattern)
    }
}
