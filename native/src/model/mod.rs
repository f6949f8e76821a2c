//! A loaded model: weights, tokenizer and chat template from one GGUF file.

pub mod gguf;
pub mod gguf_header;
pub mod hparams;
pub mod kernels;
pub mod linear;
pub mod ops;
pub mod quant;
pub mod threads;
pub mod transformer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{EngineError, Result};
use crate::template::{ChatTemplate, Message, Segment};
use crate::tokenizer::TextCodec;
use gguf::{GgufFile, Meta};
use hparams::HParams;
use transformer::Transformer;

pub struct LoadedModel {
    pub name: String,
    pub path: PathBuf,
    pub architecture: &'static str,
    pub quantization: String,
    pub codec: Arc<TextCodec>,
    pub template: ChatTemplate,
    pub net: Transformer,
}

/// Reads only the metadata and builds the tokenizer (fast; used by `tokenize()` before a load).
pub fn load_codec(path: &Path) -> Result<TextCodec> {
    let f = GgufFile::open(path)?;
    let meta = Meta {
        map: f.metadata(),
        path,
    };
    // Validate the architecture too, so an unsupported file fails the same way everywhere.
    HParams::from_meta(&meta)?;
    let codec = TextCodec::from_gguf(&meta);
    drop(f);
    // Building it took twice its size (the metadata, the merges as strings; Gemma-3: ~140 MB).
    release_freed_memory();
    codec
}

/// 8 GiB: Qwen2.5-0.5B at its full 32 768 tokens needs 384 MB.
const MAX_KV_CACHE_BYTES: usize = 8 << 30;

/// How to load a model.
pub struct LoadOptions {
    /// Context tokens (default: the file's).
    pub context: Option<usize>,
    /// Inference threads, counting the caller.
    pub threads: usize,
    /// The tokenizer already built from this file (by `tokenize()` before the load), to reuse.
    pub codec: Option<Arc<TextCodec>>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            context: None,
            threads: 1,
            codec: None,
        }
    }
}

pub fn load(path: &Path, opts: LoadOptions, progress: &dyn Fn(f32)) -> Result<LoadedModel> {
    let mut f = GgufFile::open(path)?;
    let meta = Meta {
        map: f.metadata(),
        path,
    };
    let hp = HParams::from_meta(&meta)?;
    let codec = match opts.codec {
        Some(c) => c,
        None => Arc::new(TextCodec::from_gguf(&meta)?),
    };
    let name = meta
        .opt_string("general.name")
        .map(str::to_string)
        .unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    let template = ChatTemplate::from_gguf(&meta, hp.arch, &codec);
    let quantization = quantization(&f, &meta);
    let context = opts
        .context
        .unwrap_or(hp.context_length)
        .clamp(64, hp.context_length);
    // The f16 KV cache grows with the tokens in use up to the whole context: refuse a context (from
    // the file or from contextSize) whose full cache no machine of ours has, instead of failing
    // half-way through a long conversation.
    let kv_bytes = [hp.n_layer, context, hp.n_kv_head, hp.head_dim, 2 * 2]
        .iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b))
        .unwrap_or(usize::MAX);
    if kv_bytes > MAX_KV_CACHE_BYTES {
        return Err(EngineError::Down(format!(
            "Model file {}: a {context}-token context needs a {} MB KV cache (at most {} MB); set a smaller contextSize.",
            path.display(),
            kv_bytes >> 20,
            MAX_KV_CACHE_BYTES >> 20
        )));
    }
    let architecture = hp.arch.name();
    // The tokenizer's arrays (Gemma-3: 262 144 tokens, scores and types, ~35 MB parsed) are in the
    // codec now: let them go before the weights come in, so they do not add to the peak.
    f.content
        .metadata
        .retain(|key, _| !key.starts_with("tokenizer."));
    release_freed_memory();
    let net = Transformer::load(&mut f, hp, context, opts.threads, progress)?;
    drop(f);
    release_freed_memory();
    if net.vocab_size() < codec.vocab_size {
        return Err(EngineError::Down(format!(
            "Model file {}: the tokenizer has {} tokens but the embedding only {}.",
            path.display(),
            codec.vocab_size,
            net.vocab_size()
        )));
    }
    Ok(LoadedModel {
        name,
        path: path.to_path_buf(),
        architecture,
        quantization,
        codec,
        template,
        net,
    })
}

/// Hands the heap's free pages back to the system. glibc keeps freed memory mapped (and counted in the
/// process's resident memory) for reuse; what a load frees (the tokenizer's metadata, building
/// buffers) is not reused by the weights, which take fresh pages, so without this it stays in the
/// peak. Takes about a millisecond.
pub(crate) fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's malloc_trim takes the allocator's own locks and only releases pages of
        // free chunks; it may be called at any time from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The name people know the file's quantization by: llama.cpp's `general.file_type` (e.g. "Q4_K_M",
/// as electron/models/gguf-header.ts reads it), else the most common type among the matrices.
fn quantization(f: &GgufFile, meta: &Meta) -> String {
    let from_file_type = meta.opt_u64("general.file_type").and_then(|t| {
        Some(match t {
            0 => "F32",
            1 => "F16",
            2 => "Q4_0",
            3 => "Q4_1",
            7 => "Q8_0",
            8 => "Q5_0",
            14 => "Q4_K_S",
            15 => "Q4_K_M",
            16 => "Q5_K_S",
            17 => "Q5_K_M",
            18 => "Q6_K",
            32 => "BF16",
            _ => return None,
        })
    });
    if let Some(name) = from_file_type {
        return name.to_string();
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for info in f.content.tensor_infos.values() {
        if info.shape.rank() >= 2 {
            *counts
                .entry(gguf_header::dtype_name(info.ggml_dtype))
                .or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(k, n)| (n, k))
        .map(|(k, _)| k.to_string())
        .unwrap_or_default()
}

impl LoadedModel {
    /// Renders a chat and tokenizes it: template text with special tokens, message text without.
    pub fn chat_tokens(&self, messages: &[Message]) -> Result<Vec<u32>> {
        let mut ids = Vec::new();
        for seg in self.template.render(messages, true)? {
            match seg {
                Segment::Template(t) => ids.extend(self.codec.encode(&t, true)?),
                Segment::Content(c) => ids.extend(self.codec.encode(&c, false)?),
            }
        }
        self.with_bos(ids)
    }

    pub fn with_bos(&self, mut ids: Vec<u32>) -> Result<Vec<u32>> {
        if let (true, Some(bos)) = (self.codec.add_bos, self.codec.bos) {
            if ids.first() != Some(&bos) {
                ids.insert(0, bos);
            }
        }
        Ok(ids)
    }
}
