//! Tiny random-weight models against llama.cpp: every architecture and weight type without real
//! weights. The models (`tests/tiny-models/gguf/`, written by `tests/tiny-models/generate.py`) and
//! llama.cpp's references (`tests/tiny-models/references/`, written by `tests/oracle/tiny-models.js`
//! with node-llama-cpp) are committed; see tests/tiny-models/README.md.
//!
//! For each file: (1) teacher forcing — llama.cpp's prompt and greedy tokens fed through our engine,
//! our logits against llama.cpp's top 10 at every step (mean |Δ| within the weight type's
//! `Bounds::max_mean`, and the same top token wherever llama.cpp's top-two margin is at least
//! `Bounds::tie`); (2) free greedy decoding — our own argmax tokens, fed back, identical to
//! llama.cpp's up to the first near-tie on every prompt, and entirely on the prompts without one
//! (at least 3 per f32 and f16 file).
//!
//! Run in release: `cargo test --release --test tiny_models -- --nocapture` (prints the measured
//! deviation per file). The architectures of issue 17 that the engine does not support yet must be
//! refused with ENGINE_DOWN (qwen3, phi3, gemma2) or, for Llama-3 rope scaling, differ from llama.cpp
//! (`LLAMA3_ROPE_SUPPORTED`); once the engine loads them, they must match like the others.

use std::path::{Path, PathBuf};

use samsara_native::error::EngineError;
use samsara_native::model::{self, LoadOptions, LoadedModel};
use sha2::{Digest, Sha256};

/// Weight types written for every model (tests/tiny-models/generate.py, TYPES).
const TYPES: [&str; 7] = ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0"];
/// The K-quants, on the wider llama model "llama-kq" (256 columns; K_TYPES in generate.py).
const K_TYPES: [&str; 4] = ["q4_k", "q5_k", "q6_k", "q4_k_m"];
/// The models and how many files they have: 7 with TYPES, llama-kq with K_TYPES.
const MODELS: [&str; 7] = [
    "llama",
    "llama3-rope",
    "qwen2",
    "qwen3",
    "phi3",
    "gemma2",
    "gemma3",
];

/// How close our logits must be to llama.cpp's, per weight type, from measurement (`-- --nocapture`
/// prints them; tests/tiny-models/README.md has the table). Our engine differs from llama.cpp in
/// one way that matters here: its KV cache is f16 (the references use f32). That moves the logits of
/// the f32/f16 models by ≤ 0.01 on average, but where activations are rounded before a product (to
/// int8 blocks for the Q formats and the K-quants, as llama.cpp does) the tiny difference flips some
/// roundings and these random networks amplify it: ≤ 0.16 (Q formats) and ≤ 0.22 (K-quants), like
/// the 0.16 measured on the real SmolLM2 (native/tests/model.rs). A numpy model of our arithmetic
/// (`numpy_forward.py --emulate --kv-f16`) reproduces our logits within 0.012 on llama Q8_0/Q4_0.
/// BF16: llama.cpp rounds the activations to BF16, we multiply in f32 (candle): ≤ 0.07.
struct Bounds {
    /// Largest mean |Δlogit| over llama.cpp's top 10 at every step of every prompt.
    max_mean: f64,
    /// llama.cpp top-two margins below this may flip (about 1.5–2 × the largest margin seen flipping).
    tie: f32,
    /// Prompts whose greedy tokens must be identical from the first to the last (all margins ≥ tie).
    min_prompts: usize,
}

fn bounds(kind: &str) -> Bounds {
    match kind {
        // Measured: mean ≤ 0.010, max 0.09, nothing above a 0.002 margin flips.
        "f32" | "f16" => Bounds {
            max_mean: 0.02,
            tie: 0.05,
            min_prompts: 3,
        },
        // Measured: mean ≤ 0.068, flips up to a margin of 0.155.
        "bf16" => Bounds {
            max_mean: 0.09,
            tie: 0.35,
            min_prompts: 0,
        },
        // Measured: mean ≤ 0.155, flips up to a margin of 0.41.
        "q8_0" | "q4_0" | "q4_1" | "q5_0" => Bounds {
            max_mean: 0.2,
            tie: 0.6,
            min_prompts: 0,
        },
        // K-quants, measured: mean ≤ 0.221, flips up to a margin of 1.23.
        _ => Bounds {
            max_mean: 0.27,
            tie: 1.6,
            min_prompts: 0,
        },
    }
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/tiny-models")
}

fn no_stop() -> Result<(), EngineError> {
    Ok(())
}

fn ids(v: &serde_json::Value) -> Vec<u32> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_u64())
        .map(|x| x as u32)
        .collect()
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Report {
    mean: f64,
    worst: f32,
    steps: usize,
}

/// One model file against one reference (`<file stem>.json`, or `<file stem>@<context>.json` for a
/// reference computed at another context size).
fn check_file(file_stem: &str, stem: &str) -> Report {
    let kind = file_stem.rsplit('-').next().unwrap_or("");
    let kind = if file_stem.ends_with("q4_k_m") {
        "q4_k_m"
    } else {
        kind
    };
    let Bounds {
        max_mean,
        tie,
        min_prompts,
    } = bounds(kind);
    let path = dir().join("gguf").join(format!("{file_stem}.gguf"));
    let ref_path = dir().join("references").join(format!("{stem}.json"));
    let text = std::fs::read_to_string(&ref_path)
        .unwrap_or_else(|e| panic!("{}: {e}", ref_path.display()));
    let fx: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", ref_path.display()));
    assert_eq!(
        fx["sha256"].as_str(),
        Some(sha256_hex(&path).as_str()),
        "{stem}: the reference was computed from another file: regenerate it (tests/tiny-models/README.md)"
    );
    // The context llama.cpp ran with (it decides, e.g., phi3's LongRoPE factors).
    let context = fx["settings"]["contextSize"].as_u64().unwrap_or(2048) as usize;
    let m: LoadedModel = model::load(
        &path,
        LoadOptions {
            context: Some(context),
            ..Default::default()
        },
        &|_| {},
    )
    .unwrap_or_else(|e| panic!("{stem}: loading failed: {e}"));

    let (mut sum, mut count, mut worst, mut steps, mut greedy_checked) =
        (0f64, 0usize, 0f32, 0usize, 0usize);
    let mut flips = Vec::new();
    let mut max_flip = 0f32;
    for g in fx["greedy"].as_array().into_iter().flatten() {
        let prompt_name = g["name"].as_str().unwrap_or("?");
        let (prompt, tokens) = (ids(&g["promptIds"]), ids(&g["tokens"]));
        let tops: Vec<Vec<(usize, f32)>> = g["topLogits"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|step| {
                step.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| Some((e[0].as_u64()? as usize, e[1].as_f64()? as f32)))
                    .collect()
            })
            .collect();
        assert!(
            !prompt.is_empty() && !tokens.is_empty() && tops.len() == tokens.len(),
            "{stem}/{prompt_name}: malformed reference"
        );

        // (1) Teacher forcing: llama.cpp's tokens, our logits.
        let mut state = m.net.new_state();
        let mut logits = m
            .net
            .forward(&mut state, &prompt, &mut no_stop)
            .unwrap_or_else(|e| panic!("{stem}/{prompt_name}: {e}"));
        for (step, top) in tops.iter().enumerate() {
            for &(id, want) in top {
                let d = (logits[id] - want).abs();
                sum += d as f64;
                count += 1;
                worst = worst.max(d);
            }
            let ours = samsara_native::sampling::argmax(&logits) as usize;
            let margin = top[0].1 - top[1].1;
            if ours != top[0].0 {
                max_flip = max_flip.max(margin);
            }
            if ours != top[0].0 && margin >= tie {
                flips.push(format!(
                    "{stem}/{prompt_name}: step {step}: we pick {ours} ({}), llama.cpp {} ({}) by a margin of {margin}",
                    logits[ours], top[0].0, top[0].1
                ));
            }
            steps += 1;
            if step + 1 < tokens.len() {
                logits = m
                    .net
                    .forward(&mut state, &[tokens[step]], &mut no_stop)
                    .unwrap_or_else(|e| panic!("{stem}/{prompt_name}: {e}"));
            }
        }

        // (2) Free greedy decoding: all tokens on prompts without a near-tie, and up to the first
        // near-tie on the others.
        let margins: Vec<f32> = g["margins"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_f64())
            .map(|x| x as f32)
            .collect();
        assert_eq!(margins.len(), tokens.len(), "{stem}/{prompt_name}: margins");
        let until = margins
            .iter()
            .position(|&m| m < tie)
            .map_or(tokens.len(), |i| i + 1);
        {
            let mut state = m.net.new_state();
            let mut logits = m
                .net
                .forward(&mut state, &prompt, &mut no_stop)
                .unwrap_or_else(|e| panic!("{stem}/{prompt_name}: {e}"));
            let mut ours = Vec::with_capacity(until);
            while ours.len() < until {
                let t = samsara_native::sampling::argmax(&logits);
                ours.push(t);
                if ours.len() < until {
                    logits = m
                        .net
                        .forward(&mut state, &[t], &mut no_stop)
                        .unwrap_or_else(|e| panic!("{stem}/{prompt_name}: {e}"));
                }
            }
            // The token at a near-tie itself may differ; everything before it may not.
            let clean = margins.iter().all(|&m| m >= tie);
            let same = if clean { ours.len() } else { ours.len() - 1 };
            if ours[..same] != tokens[..same] {
                flips.push(format!(
                    "{stem}/{prompt_name}: greedy tokens differ from llama.cpp's: ours {:?}, llama.cpp {:?}",
                    &ours[..same],
                    &tokens[..same]
                ));
            } else if clean {
                greedy_checked += 1;
            }
        }
    }
    let mean = sum / count.max(1) as f64;
    eprintln!(
        "{stem}: mean |Δlogit| {mean:.4}, max {worst:.4} over {steps} steps; greedy identical on {greedy_checked} prompts; {} differences; largest margin flipped {max_flip:.3}",
        flips.len()
    );
    assert!(flips.is_empty(), "{}", flips.join("\n"));
    assert!(steps >= 40, "{stem}: only {steps} steps compared");
    assert!(
        mean <= max_mean,
        "{stem}: mean |Δlogit| {mean:.4} > {max_mean}"
    );
    assert!(
        greedy_checked >= min_prompts,
        "{stem}: greedy identical on {greedy_checked} prompts without a near-tie (< {tie}); need {min_prompts}"
    );
    Report { mean, worst, steps }
}

/// Every weight type of one tiny model; all failures are collected before panicking.
fn check_model(name: &str) {
    check_types(name, &TYPES);
}

fn check_types(name: &str, types: &[&str]) {
    let mut failures = Vec::new();
    for &kind in types {
        let stem = format!("tiny-{name}-{kind}");
        failures.extend(check_caught(&stem, &stem));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `check_file`, its panic message as an error.
fn check_caught(file_stem: &str, stem: &str) -> Option<String> {
    match std::panic::catch_unwind(|| check_file(file_stem, stem)) {
        Ok(r) if r.steps > 0 && r.mean.is_finite() && r.worst.is_finite() => None,
        Ok(_) => Some(format!("{stem}: nothing compared")),
        Err(e) => Some(
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| format!("{stem}: panicked")),
        ),
    }
}

#[test]
fn tiny_llama_matches_llama_cpp() {
    check_model("llama");
}

#[test]
fn tiny_llama_k_quants_match_llama_cpp() {
    check_types("llama-kq", &K_TYPES);
}

#[test]
fn tiny_qwen2_matches_llama_cpp() {
    check_model("qwen2");
}

#[test]
fn tiny_gemma3_matches_llama_cpp() {
    check_model("gemma3");
}

/// Whether the engine applies Llama-3 rope scaling (`rope_freqs.weight`). The file's architecture is
/// plain llama, so the engine loads it either way: until then, this test checks that the fixture
/// tells the difference (our logits are far from llama.cpp's); set it to true with the feature.
const LLAMA3_ROPE_SUPPORTED: bool = false;

#[test]
fn tiny_llama3_rope_matches_llama_cpp() {
    if LLAMA3_ROPE_SUPPORTED {
        check_model("llama3-rope");
        return;
    }
    for kind in TYPES {
        let stem = format!("tiny-llama3-rope-{kind}");
        let failure = check_caught(&stem, &stem);
        assert!(
            failure.is_some(),
            "{stem} matches llama.cpp: set LLAMA3_ROPE_SUPPORTED to true"
        );
        eprintln!("{stem}: differs from llama.cpp as expected without rope_freqs");
    }
}

/// An architecture the engine may not support yet (issue 17): each file is either refused with
/// ENGINE_DOWN naming the architecture and the supported ones, or, once the engine loads it, must
/// match llama.cpp like the others. So adding the architecture to the engine turns this into the
/// full check without editing the test.
fn refused_or_matching(name: &str, arch: &str, extra_references: &[(&str, &str)]) {
    let mut failures = Vec::new();
    let mut refused = 0;
    for kind in TYPES {
        let stem = format!("tiny-{name}-{kind}");
        let path = dir().join("gguf").join(format!("{stem}.gguf"));
        match model::load(&path, LoadOptions::default(), &|_| {}) {
            Err(e) => {
                let message = e.to_string().replace(&path.display().to_string(), "FILE");
                assert_eq!(e.code(), "ENGINE_DOWN", "{stem}: {message}");
                assert!(
                    message.contains(arch)
                        && message.contains("llama")
                        && message.contains("gemma3"),
                    "{stem}: the refusal names the architecture and the supported ones: {message}"
                );
                eprintln!("{stem}: refused (not supported yet): {message}");
                refused += 1;
            }
            Ok(_) => failures.extend(check_caught(&stem, &stem)),
        }
    }
    if refused == 0 {
        for (file_stem, stem) in extra_references {
            failures.extend(check_caught(file_stem, stem));
        }
    }
    assert!(
        refused == 0 || refused == TYPES.len(),
        "{name}: refused in some weight types only ({refused} of {})",
        TYPES.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn tiny_qwen3_matches_llama_cpp_or_is_refused() {
    refused_or_matching("qwen3", "qwen3", &[]);
}

#[test]
fn tiny_phi3_matches_llama_cpp_or_is_refused() {
    // Above rope.scaling.original_context_length (4096) llama.cpp uses the long LongRoPE factors.
    refused_or_matching("phi3", "phi3", &[("tiny-phi3-f32", "tiny-phi3-f32@8192")]);
}

#[test]
fn tiny_gemma2_matches_llama_cpp_or_is_refused() {
    refused_or_matching("gemma2", "gemma2", &[]);
}

/// The references must cover every committed file, and no file may lack a reference.
#[test]
fn every_tiny_model_has_a_reference() {
    let mut names: Vec<String> = std::fs::read_dir(dir().join("gguf"))
        .expect("tests/tiny-models/gguf")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".gguf"))
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        MODELS.len() * TYPES.len() + K_TYPES.len(),
        "{names:?}"
    );
    for m in MODELS {
        for t in TYPES {
            assert!(
                names.contains(&format!("tiny-{m}-{t}.gguf")),
                "tiny-{m}-{t}.gguf"
            );
        }
    }
    for n in &names {
        let json = dir().join("references").join(n.replace(".gguf", ".json"));
        assert!(json.is_file(), "{n}: no reference {}", json.display());
    }
}
