//! The transformer's own logic (chunked prefill, KV cache, reuse after truncation, rope offsets)
//! checked exactly: our kernels compute every row the same way whatever the batch, so every way of
//! splitting the prompt must give the same logits, bit for bit, with the real quantized weights.

use std::path::PathBuf;

use samsara_native::error::EngineError;
use samsara_native::manifest::Manifest;
use samsara_native::model::{self, LoadOptions};

/// The manifest's model file of an architecture (file names live in models/manifest.json only).
fn model_file(architecture: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models");
    let manifest = Manifest::read(&dir).unwrap_or_else(|e| panic!("{e}"));
    let entry = manifest
        .of_architecture(architecture)
        .unwrap_or_else(|| panic!("no {architecture} model in models/manifest.json"));
    dir.join(&entry.file)
}

#[test]
fn splits_and_cache_reuse_are_exact() {
    splits_and_cache_reuse_are_exact_for("llama");
}

/// Every weight of Qwen2.5 and Gemma-3 (the K-quants included) runs on our kernels too.
#[test]
#[ignore = "needs the extra models: npm run fetch-models:extra"]
fn splits_and_cache_reuse_are_exact_qwen2() {
    splits_and_cache_reuse_are_exact_for("qwen2");
}

#[test]
#[ignore = "needs the extra models: npm run fetch-models:extra"]
fn splits_and_cache_reuse_are_exact_gemma3() {
    splits_and_cache_reuse_are_exact_for("gemma3");
}

fn splits_and_cache_reuse_are_exact_for(architecture: &str) {
    let path = model_file(architecture);
    let m = match model::load(
        &path,
        LoadOptions {
            context: Some(512),
            ..Default::default()
        },
        &|_| {},
    ) {
        Ok(m) => m,
        Err(e) => panic!("{architecture} must load: {e}"),
    };
    let ids = m
        .codec
        .encode("The quick brown fox jumps over the lazy dog. It was a sunny day in the park, and the children", false)
        .unwrap_or_default();
    assert!(ids.len() > 20);
    let mut ok = || -> Result<(), EngineError> { Ok(()) };
    let run = |cuts: &[usize], ok: &mut dyn FnMut() -> Result<(), EngineError>| {
        let mut state = m.net.new_state();
        let mut prev = 0;
        let mut out = Vec::new();
        for &c in cuts.iter().chain(std::iter::once(&ids.len())) {
            out = m
                .net
                .forward(&mut state, &ids[prev..c], ok)
                .unwrap_or_default();
            prev = c;
        }
        out
    };
    let full = run(&[], &mut ok);
    assert_eq!(full.len(), m.net.vocab_size());
    let token_by_token: Vec<usize> = (1..ids.len()).collect();
    for cuts in [vec![1], vec![4], vec![15], vec![17], token_by_token] {
        let other = run(&cuts, &mut ok);
        let d = full
            .iter()
            .zip(&other)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(
            d == 0.0,
            "{architecture}, cuts {:?}: logits differ by {d}",
            &cuts[..cuts.len().min(3)]
        );
    }
}

/// Our kernels split rows between threads, which changes no row's arithmetic. The extra models' runs are `#[ignore]`d with
/// the reason; `npm test` runs them with `--ignored` when they are present.
fn two_threads_compute_exactly_what_one_does(file: &str) {
    {
        let path = model_file(file);
        assert!(
            path.is_file(),
            "{} is absent: run `npm run fetch-models:extra`",
            path.display()
        );
        let load = |threads| match model::load(
            &path,
            LoadOptions {
                context: Some(1024),
                threads,
                ..Default::default()
            },
            &|_| {},
        ) {
            Ok(m) => m,
            Err(e) => panic!("{file} must load: {e}"),
        };
        let (one, two) = (load(1), load(2));
        assert_eq!(two.net.threads(), 2);
        // Several prefill steps, each split over both threads; then a few decode steps.
        let ids = one
            .codec
            .encode(
                &"The library opens late on Fridays, and students come to read. ".repeat(12),
                false,
            )
            .unwrap_or_default();
        let mut ok = || -> Result<(), EngineError> { Ok(()) };
        let run = |m: &model::LoadedModel, ok: &mut dyn FnMut() -> Result<(), EngineError>| {
            let mut state = m.net.new_state();
            let mut all = m.net.forward(&mut state, &ids, ok).unwrap_or_default();
            for &t in &ids[..3] {
                all.extend(m.net.forward(&mut state, &[t], ok).unwrap_or_default());
            }
            all
        };
        let (a, b) = (run(&one, &mut ok), run(&two, &mut ok));
        assert!(ids.len() > 100 && !a.is_empty());
        assert!(a == b, "{file}: 1 and 2 threads give different logits");
    }
}

#[test]
fn two_threads_compute_exactly_what_one_does_llama() {
    two_threads_compute_exactly_what_one_does("llama");
}

#[test]
#[ignore = "needs the extra models: npm run fetch-models:extra"]
fn two_threads_compute_exactly_what_one_does_qwen2() {
    two_threads_compute_exactly_what_one_does("qwen2");
}

#[test]
#[ignore = "needs the extra models: npm run fetch-models:extra"]
fn two_threads_compute_exactly_what_one_does_gemma3() {
    two_threads_compute_exactly_what_one_does("gemma3");
}
