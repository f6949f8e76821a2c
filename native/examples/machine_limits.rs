//! What one core of this machine can do at most, and what a model asks of it: the yardsticks of
//! `npm run bench`'s "distance to the limit" table (issue 18). Prints one JSON object.
//!
//!   cargo run --release --example machine_limits -- [model.gguf ...]
//!
//! - `bandwidth`: single-core memory read bandwidth, GB/s — a streaming read (AVX2 loads, 4
//!   independent accumulators) of a 1 GiB buffer, far larger than any cache; the best of 5 passes.
//! - `int8`: the peak int8 multiply-add rate of one core, GMAC/s — 12 independent chains of
//!   `vpdpbusd` (AVX-512 VNNI on 512 bits where the CPU has it, else the AVX2 `vpmaddubsw` + `vpmaddwd`
//!   pair our kernels use without VNNI); the best of 5 runs.
//! - per model: `decodeBytesPerToken`, the weight bytes one decoded token reads (every matrix once:
//!   the embedding table only for its one row, unless it is also the output matrix), and
//!   `macsPerToken`, the multiply-adds of the layers' matrices per prompt token (what prefill is made
//!   of: the output matrix runs once per request, for the last position only, in both engines), and
//!   `kvBytesPerPosition` (f16 keys and values of every layer) with `slidingWindow` and
//!   `slidingLayers`: a decoded token also reads the cache, those bytes for each position it attends
//!   to (a sliding-window layer at most its window).
//!
//! Decode is bound by memory: (bytes per token × tok/s) ÷ bandwidth is how close an engine comes.
//! Prefill is bound by arithmetic: (MACs per token × tok/s) ÷ int8 peak.

use std::path::Path;
use std::time::Instant;

use samsara_native::model::gguf::{GgufFile, Meta};
use samsara_native::model::hparams::HParams;
use serde_json::{json, Value};

const BUFFER_BYTES: usize = 1 << 30;
const PASSES: usize = 5;

fn best_of<F: FnMut() -> f64>(n: usize, mut f: F) -> f64 {
    (0..n).map(|_| f()).fold(0.0, f64::max)
}

/// GB/s of one core reading `buf` once, start to end.
fn read_bandwidth(buf: &[u8]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is present (checked above); the reads stay inside `buf`.
        return unsafe { read_bandwidth_avx2(buf) };
    }
    let t = Instant::now();
    let sum = buf
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .fold(0u64, u64::wrapping_add);
    std::hint::black_box(sum);
    buf.len() as f64 / t.elapsed().as_secs_f64() / 1e9
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn read_bandwidth_avx2(buf: &[u8]) -> f64 {
    use std::arch::x86_64::*;
    let t = Instant::now();
    let mut acc = [_mm256_setzero_si256(); 4];
    for chunk in buf.chunks_exact(128) {
        let p = chunk.as_ptr().cast::<__m256i>();
        for (k, a) in acc.iter_mut().enumerate() {
            // SAFETY: chunk holds 128 bytes: four unaligned 32-byte loads.
            *a = _mm256_add_epi64(*a, unsafe { _mm256_loadu_si256(p.add(k)) });
        }
    }
    let total = _mm256_add_epi64(
        _mm256_add_epi64(acc[0], acc[1]),
        _mm256_add_epi64(acc[2], acc[3]),
    );
    std::hint::black_box(total);
    buf.len() as f64 / t.elapsed().as_secs_f64() / 1e9
}

/// GMAC/s of int8 multiply-adds on one core, and which instruction gave it.
fn int8_peak() -> (f64, &'static str) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512vnni")
            && std::arch::is_x86_feature_detected!("avx512bw")
        {
            // SAFETY: the features are present (checked above).
            return (
                best_of(PASSES, || unsafe { int8_vnni512() }),
                "avx512-vnni (512-bit vpdpbusd)",
            );
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is present (checked above).
            return (
                best_of(PASSES, || unsafe { int8_avx2() }),
                "avx2 (vpmaddubsw + vpmaddwd)",
            );
        }
    }
    (0.0, "none")
}

const ITERS: usize = 20_000_000;

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn int8_vnni512() -> f64 {
    use std::arch::x86_64::*;
    let a = std::hint::black_box(_mm512_set1_epi8(3));
    let b = std::hint::black_box(_mm512_set1_epi8(-2));
    let mut acc = [_mm512_setzero_si512(); 12];
    let t = Instant::now();
    for _ in 0..ITERS {
        for c in acc.iter_mut() {
            *c = _mm512_dpbusd_epi32(*c, a, b);
        }
    }
    let s = t.elapsed().as_secs_f64();
    let mut total = _mm512_setzero_si512();
    for c in acc {
        total = _mm512_add_epi32(total, c);
    }
    std::hint::black_box(total);
    (ITERS * 12 * 64) as f64 / s / 1e9
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn int8_avx2() -> f64 {
    use std::arch::x86_64::*;
    let a = std::hint::black_box(_mm256_set1_epi8(3));
    let b = std::hint::black_box(_mm256_set1_epi8(-2));
    let ones = _mm256_set1_epi16(1);
    let mut acc = [_mm256_setzero_si256(); 12];
    let t = Instant::now();
    for i in 0..ITERS {
        // The product depends on the iteration, so it is not computed once outside the loop.
        let bi = _mm256_add_epi8(b, _mm256_set1_epi8(i as i8));
        for c in acc.iter_mut() {
            *c = _mm256_add_epi32(*c, _mm256_madd_epi16(_mm256_maddubs_epi16(a, bi), ones));
        }
    }
    let s = t.elapsed().as_secs_f64();
    let mut total = _mm256_setzero_si256();
    for c in acc {
        total = _mm256_add_epi32(total, c);
    }
    std::hint::black_box(total);
    (ITERS * 12 * 32) as f64 / s / 1e9
}

/// Bytes of weights one decoded token reads, and multiply-adds per token, from the file's tensors.
fn model_costs(path: &Path) -> Result<Value, String> {
    let f = GgufFile::open(path).map_err(|e| e.to_string())?;
    let hp = HParams::from_meta(&Meta {
        map: f.metadata(),
        path,
    })
    .map_err(|e| e.to_string())?;
    let sliding_layers = (0..hp.n_layer).filter(|&l| hp.is_sliding(l)).count();
    let infos = &f.content.tensor_infos;
    let tied = !infos.contains_key("output.weight");
    let (mut bytes, mut macs) = (0u64, 0u64);
    for (name, info) in infos {
        let dims = info.shape.dims();
        if dims.len() != 2 {
            continue; // norms, biases, rope factors: negligible
        }
        let elems = (dims[0] * dims[1]) as u64;
        let size = elems / info.ggml_dtype.block_size() as u64 * info.ggml_dtype.type_size() as u64;
        if name == "token_embd.weight" && !tied {
            bytes += size / dims[0] as u64; // one row
            continue;
        }
        bytes += size;
        if name != "output.weight" && name != "token_embd.weight" {
            macs += elems;
        }
    }
    Ok(json!({
        "file": path.file_name().map(|n| n.to_string_lossy().into_owned()),
        "decodeBytesPerToken": bytes,
        "macsPerToken": macs,
        "kvBytesPerPosition": hp.n_layer * hp.n_kv_head * hp.head_dim * 2 * 2,
        "slidingWindow": hp.sliding_window,
        "slidingLayers": sliding_layers,
        "layers": hp.n_layer,
    }))
}

fn main() {
    let models: Vec<String> = std::env::args().skip(1).collect();
    let mut buf = vec![0u8; BUFFER_BYTES];
    for (i, b) in buf.iter_mut().enumerate().step_by(4096) {
        *b = i as u8; // touch every page so the reads hit memory, not the zero page
    }
    let bandwidth = best_of(PASSES, || read_bandwidth(&buf));
    drop(buf);
    let (int8, how) = int8_peak();
    let costs: Vec<Value> = models
        .iter()
        .map(|m| model_costs(Path::new(m)).unwrap_or_else(|e| json!({ "file": m, "error": e })))
        .collect();
    println!(
        "{}",
        json!({
            "bandwidthGBs": (bandwidth * 100.0).round() / 100.0,
            "bufferBytes": BUFFER_BYTES,
            "int8GMACs": (int8 * 10.0).round() / 10.0,
            "int8Instruction": how,
            "models": costs,
        })
    );
}
