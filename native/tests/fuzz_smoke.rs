//! The fuzz targets (src/fuzz_targets.rs) on stable, in every test run: each replays the committed
//! corpus (seeds and any input a fuzzer once found) and then random mutations of it, from a printed
//! seed (`SAMSARA_FUZZ_SEED` replays it; `SAMSARA_FUZZ_RUNS` sets the count). The long coverage-guided
//! runs are cargo-fuzz (native/fuzz, docs/reliability.md).

use std::path::Path;

use samsara_native::fuzz_targets;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: [u64; 8] = [0, 1, 0x7f, 0xff, 0xffff_ffff, 1 << 31, 1 << 60, u64::MAX];

/// One libFuzzer-like mutation: flip, overwrite with an interesting integer, insert, delete, splice.
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => {
                let x = INTERESTING[rng.below(INTERESTING.len())].to_le_bytes();
                let w = [1, 2, 4, 8][rng.below(4)];
                for (k, b) in x[..w].iter().enumerate() {
                    if let Some(slot) = v.get_mut(at + k) {
                        *slot = *b;
                    }
                }
            }
            2 => {
                let n = rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                v.splice(at..at, bytes);
            }
            3 if at < v.len() => {
                let end = (at + rng.below(16)).min(v.len());
                v.drain(at..end);
            }
            4 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + rng.below(32)).min(other.len());
                v.splice(at..at, other[from..end].iter().copied());
            }
            _ => v.truncate(at),
        }
    }
    v
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let inputs: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    assert!(!inputs.is_empty(), "no corpus in {}", dir.display());
    inputs
}

fn run(target: &str, f: fn(&[u8]), runs: usize) {
    let seed = std::env::var("SAMSARA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    let runs = std::env::var("SAMSARA_FUZZ_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(runs);
    println!("fuzz_smoke {target}: seed {seed}, {runs} runs");
    let inputs = corpus(target);
    for input in &inputs {
        f(input);
    }
    let mut rng = Rng(seed);
    let mut current = inputs[0].clone();
    for i in 0..runs {
        let base = if i % 8 == 0 {
            &inputs[rng.below(inputs.len())]
        } else {
            &current
        };
        let other = &inputs[rng.below(inputs.len())];
        let next = mutate(&mut rng, base, other);
        let ok = std::panic::catch_unwind(|| f(&next));
        if ok.is_err() {
            panic!(
                "{target} failed on input {:?} (seed {seed}, run {i})",
                String::from_utf8_lossy(&next)
            );
        }
        current = next;
    }
}

#[test]
fn gguf_header() {
    run("gguf_header", fuzz_targets::gguf_header, 100_000);
}

#[test]
fn tokenizer_metadata() {
    run(
        "tokenizer_metadata",
        fuzz_targets::tokenizer_metadata,
        20_000,
    );
}

#[test]
fn feedback_output() {
    run("feedback_output", fuzz_targets::feedback_output, 100_000);
}

#[test]
fn anchors() {
    run("anchors", fuzz_targets::anchors, 30_000);
}

#[test]
fn grounding() {
    run("grounding", fuzz_targets::grounding, 30_000);
}

#[test]
fn request_json() {
    run("request_json", fuzz_targets::request_json, 100_000);
}
