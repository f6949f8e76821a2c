//! Where a model's resident memory goes (Linux): `cargo test --release --test memory -- --ignored
//! --nocapture` prints, per model, the tokenizer, the weights, the first forward pass (candle's
//! repacked copies of K-quant matrices), the KV cache after a 2,048-token prompt and what the
//! embedding table would cost as f32, and checks that the KV cache stays within twice what is in
//! use. `SAMSARA_MEMORY_MODEL=gemma` measures only the files whose name contains that (one model
//! per process gives the cleanest figures: freed memory is reused by the next model).

use std::path::PathBuf;

use samsara_native::model::{self, load_codec, LoadOptions};

fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models")
}

/// (resident, peak) in MB, from /proc/self/status.
fn rss() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn no_stop() -> samsara_native::error::Result<()> {
    Ok(())
}

#[test]
#[ignore = "a measurement: needs the real models and a process of its own"]
fn where_the_memory_goes() {
    for file in [
        "SmolLM2-135M-Instruct.Q4_1.gguf",
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "gemma-3-270m-q4_k_m.gguf",
    ] {
        if let Ok(only) = std::env::var("SAMSARA_MEMORY_MODEL") {
            if !file.to_lowercase().contains(&only.to_lowercase()) {
                continue;
            }
        }
        let path = models_dir().join(file);
        if !path.exists() {
            eprintln!("{file}: absent, skipped");
            continue;
        }
        let (start, _) = rss();
        let codec = load_codec(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let (with_codec, codec_peak) = rss();
        let m = model::load(
            &path,
            LoadOptions {
                codec: Some(std::sync::Arc::new(codec)),
                ..Default::default()
            },
            &|_| {},
        )
        .unwrap_or_else(|e| panic!("{file}: {e}"));
        let (loaded, load_peak) = rss();
        let vocab = m.net.vocab_size() as u32;
        let prompt: Vec<u32> = (0..2048u32).map(|i| (i * 7919 + 13) % vocab).collect();
        let mut state = m.net.new_state();
        m.net
            .forward(&mut state, &prompt[..8], &mut no_stop)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let (first, _) = rss();
        m.net
            .forward(&mut state, &prompt[8..], &mut no_stop)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let (used, allocated) = state.kv_bytes();
        let (deep, deep_peak) = rss();
        let hp = &m.net.hp;
        let full = hp.n_layer * m.net.context * hp.n_kv_head * hp.head_dim * 2 * 2;
        let f32_embedding = m.net.vocab_size() * hp.d_model * 4;
        eprintln!(
            "{file}: process before {start:.0} MB; tokenizer +{:.0} MB (peak {codec_peak:.0}); \
             weights and the rest of the load +{:.0} MB (peak {load_peak:.0}); first forward pass \
             +{:.0} MB; the rest of a 2,048-token prompt +{:.0} MB (peak {deep_peak:.0}): KV cache \
             {:.1} MB in use, {:.1} MB allocated ({:.0} MB for the whole {}-token context); the \
             embedding table as f32 would be {:.0} MB",
            with_codec - start,
            loaded - with_codec,
            first - loaded,
            deep - first,
            used as f64 / 1e6,
            allocated as f64 / 1e6,
            full as f64 / 1e6,
            m.net.context,
            f32_embedding as f64 / 1e6,
        );
        assert!(
            allocated <= 2 * used,
            "{file}: {allocated} allocated for {used}"
        );
    }
}
