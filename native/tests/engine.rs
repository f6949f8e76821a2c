//! The engine's worker through its Rust API (no Node): a panic inside a job is caught, answered with
//! ENGINE_ACTION_FAILED, and the worker goes on serving the next job.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use samsara_native::engine::config::ConfigPatch;
use samsara_native::engine::{engine, Task};
use samsara_native::error::Result;
use serde_json::{json, Value};

fn run(work: samsara_native::engine::Work) -> Result<String> {
    let (tx, rx) = mpsc::channel();
    let task = Task {
        action: "test",
        force_load: false,
        work,
        on_token: None,
        reply: Box::new(move |r| {
            let _ = tx.send(r);
        }),
    };
    if let Err((e, _)) = engine().submit(None, 60_000, task) {
        return Err(e);
    }
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(r) => r,
        Err(e) => panic!("no reply: {e}"),
    }
}

#[test]
fn a_panicking_job_is_answered_and_the_worker_survives() {
    let model = samsara_native::manifest::default_model(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"),
    )
    .unwrap_or_else(|| panic!("models/manifest.json names no default model"));
    let patch = ConfigPatch {
        model_path: Some(model.display().to_string()),
        threads: None,
        context_size: Some(1024),
        store_path: None,
        queue_capacity: None,
        dialect: None,
        provider: None,
    };
    if let Err(e) = engine().configure(patch) {
        panic!("configure: {e}");
    }
    // As the addon does when it loads: a panic's message (here, like a string-slicing panic's, a
    // piece of the essay) reaches neither stderr nor the error, only its location does.
    samsara_native::engine::panics::install_hook();
    let err =
        run(Box::new(|_ctx| panic!("boom in the essay text"))).expect_err("a panic is an error");
    assert_eq!(err.code(), "ENGINE_ACTION_FAILED");
    assert!(!err.to_string().contains("essay text"), "{err}");
    assert!(err.to_string().contains("tests/engine.rs:"), "{err}");
    let ok = run(Box::new(|ctx| {
        Ok(json!({ "vocab": ctx.model()?.codec.vocab_size }).to_string())
    }))
    .expect("next job runs");
    let ok: Value = serde_json::from_str(&ok).expect("JSON");
    assert_eq!(ok["vocab"], 49152);
    let health = engine().health();
    assert_eq!(health.queue.running, 0);
    assert_eq!(health.model_loads, 1);
}
