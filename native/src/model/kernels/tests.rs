#[cfg(target_arch = "x86_64")]
use super::cpu::detect;
use super::*;
use crate::model::quant::{dequantize_row, quantize_row, quantize_row_k, QK, QK_K};
use candle_core::quantized::ggml_file::qtensor_from_ggml;
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Tensor};

/// Deterministic values in [-1, 1] (xorshift): the kernel, activation and attention tests' inputs.
pub(crate) fn pseudo(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2654435761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Activations with outliers, like a residual stream.
fn activations(n: usize, seed: u32) -> Vec<f32> {
    pseudo(n, seed)
        .iter()
        .enumerate()
        .map(|(i, v)| if i % 37 == 0 { v * 40.0 } else { v * 3.0 })
        .collect()
}

/// Random bytes as blocks of `format`: every bit pattern of codes, scales and minimums occurs (6-bit
/// scales and minimums up to 63, Q6_K scales down to −128, Q8_0 codes down to −128); the f16 scales
/// are set to small finite values.
fn random_blocks(format: Format, blocks: usize, seed: u32) -> Vec<u8> {
    let mut bytes: Vec<u8> = pseudo(blocks * format.block_bytes(), seed)
        .iter()
        .map(|v| ((v + 1.0) * 127.9) as u8)
        .collect();
    for (i, b) in bytes.chunks_exact_mut(format.block_bytes()).enumerate() {
        let d = half::f16::from_f32(0.001 + 0.0005 * (i % 7) as f32).to_le_bytes();
        let m = half::f16::from_f32(0.002 + 0.0003 * (i % 5) as f32).to_le_bytes();
        match format {
            Format::Q6K => b[208..210].copy_from_slice(&d),
            Format::Q4_1 | Format::Q4K | Format::Q5K => {
                b[0..2].copy_from_slice(&d);
                b[2..4].copy_from_slice(&m);
            }
            _ => b[0..2].copy_from_slice(&d),
        }
    }
    bytes
}

#[cfg(target_arch = "x86_64")]
const ALL: [Format; 7] = [
    Format::Q4_0,
    Format::Q4_1,
    Format::Q5_0,
    Format::Q8_0,
    Format::Q4K,
    Format::Q5K,
    Format::Q6K,
];

fn dtype(format: Format) -> GgmlDType {
    match format {
        Format::Q4_0 => GgmlDType::Q4_0,
        Format::Q4_1 => GgmlDType::Q4_1,
        Format::Q5_0 => GgmlDType::Q5_0,
        Format::Q8_0 => GgmlDType::Q8_0,
        Format::Q4K => GgmlDType::Q4K,
        Format::Q5K => GgmlDType::Q5K,
        Format::Q6K => GgmlDType::Q6K,
    }
}

/// The ISAs this CPU can run besides the scalar reference.
#[cfg(target_arch = "x86_64")]
fn simd_isas() -> Vec<Isa> {
    match detect() {
        Isa::Vnni => vec![Isa::Avx2, Isa::Vnni],
        Isa::Avx2 => vec![Isa::Avx2],
        Isa::Scalar => vec![],
    }
}

/// One format and shape: the scalar reference against the f32 dot of candle's dequantization of the
/// same bytes (and our dequantization against candle's), then every ISA available here against the
/// reference.
fn check(
    format: Format,
    bytes: &[u8],
    rows: usize,
    cols: usize,
    k: usize,
) -> candle_core::Result<()> {
    let qt = qtensor_from_ggml(dtype(format), bytes, vec![rows, k], &Device::Cpu)?;
    let deq: Vec<f32> = qt.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1()?;
    let row_bytes = format.row_bytes(k);
    let mut ours = vec![0f32; k];
    for i in 0..rows {
        dequantize_row(
            format,
            &bytes[i * row_bytes..(i + 1) * row_bytes],
            &mut ours,
        );
        assert_eq!(
            &ours[..],
            &deq[i * k..(i + 1) * k],
            "{format:?}: dequantization of row {i}"
        );
    }
    let x = activations(cols * k, 2);
    let mut blocks = vec![ActBlock::default(); cols * k / QK];
    let mut supers = vec![ActSuper::default(); cols * k / QK_K];
    let (a, nb) = match format.acts() {
        ActKind::Blocks => {
            for (row, b) in x.chunks(k).zip(blocks.chunks_mut(k / QK)) {
                quantize_row(row, b);
            }
            (Acts::Blocks(&blocks), k / QK)
        }
        ActKind::Supers => {
            for (row, b) in x.chunks(k).zip(supers.chunks_mut(k / QK_K)) {
                quantize_row_k(row, b);
            }
            (Acts::Supers(&supers), k / QK_K)
        }
    };
    let p = GemmInputs {
        format,
        w: bytes,
        rows,
        a,
        cols,
        nb,
    };
    let mut reference = vec![0f32; rows * cols];
    gemm(&p, &mut reference, rows);
    // The activations' quantization step of each element: its rounding error is at most half of it
    // (0.6 with the f16 rounding of ActBlock's scale).
    let step: Vec<f32> = (0..cols * k)
        .map(|e| match format.acts() {
            ActKind::Blocks => blocks[e / QK].d,
            ActKind::Supers => supers[e / QK_K].d.abs(),
        })
        .collect();
    let mut magnitudes = vec![0f32; rows * cols];
    for j in 0..cols {
        for i in 0..rows {
            let w = &deq[i * k..(i + 1) * k];
            let xs = &x[j * k..(j + 1) * k];
            let exact: f32 = w.iter().zip(xs).map(|(w, x)| w * x).sum();
            let magnitude: f32 = w.iter().zip(xs).map(|(w, x)| (w * x).abs()).sum();
            let bound: f32 = w
                .iter()
                .zip(&step[j * k..(j + 1) * k])
                .map(|(w, s)| w.abs() * 0.6 * s)
                .sum();
            let got = reference[j * rows + i];
            assert!(
                (got - exact).abs() <= bound + 1e-4 * magnitude + 1e-3,
                "{format:?} ref {got} vs f32 {exact} (activation rounding at most {bound})"
            );
            magnitudes[j * rows + i] = magnitude;
        }
    }
    // The SIMD kernels, on the packed layout (x86-64 only).
    #[cfg(target_arch = "x86_64")]
    for isa in simd_isas() {
        let tiles = packed::pack(format, bytes.to_vec(), rows, nb);
        let mut out = vec![f32::NAN; rows * cols];
        let pi = PackedInputs {
            format,
            tiles: &tiles,
            rows,
            a: p.a,
            cols,
            nb,
        };
        gemm_packed(isa, &pi, &mut out, rows);
        for ((got, want), m) in out.iter().zip(&reference).zip(&magnitudes) {
            // Only the order of the f32 additions differs (the integer sums are exact).
            assert!(
                (got - want).abs() <= 1e-4 * (1.0 + want.abs()) + 1e-5 * m,
                "{format:?} {isa:?} {rows}x{cols}: {got} vs {want}"
            );
        }
    }
    Ok(())
}

/// Tile edges: rows and activation rows not multiples of the tiles (4 × 2 on AVX2, 4 × 4 on VNNI),
/// one activation row (decoding) and many.
const SHAPES: [(usize, usize); 7] = [(1, 1), (4, 1), (7, 3), (9, 5), (8, 8), (13, 1), (5, 9)];

/// Every ISA available here agrees with the scalar reference, and the reference with the f32 dot
/// of candle's own dequantization, for each 32-element format and for tile edges, on weights
/// quantized by candle from f32 and on random bytes (Q8_0 codes down to −128).
#[test]
fn kernels_match_the_reference_for_every_format_and_shape() -> candle_core::Result<()> {
    for k in [96, 576] {
        for format in [Format::Q4_0, Format::Q4_1, Format::Q5_0, Format::Q8_0] {
            for (rows, cols) in SHAPES {
                let wf = Tensor::from_vec(pseudo(rows * k, 1), (rows, k), &Device::Cpu)?;
                let bytes = QTensor::quantize(&wf, dtype(format))?.data()?.into_owned();
                check(format, &bytes, rows, cols, k)?;
                let random = random_blocks(format, rows * k / QK, 3 + rows as u32);
                check(format, &random, rows, cols, k)?;
            }
        }
    }
    Ok(())
}

/// The same for the K-quants, on weights quantized by candle from f32 and on random bytes (every
/// scale, minimum and code pattern), with one and three super-blocks per row.
#[test]
fn k_quant_kernels_match_the_reference() -> candle_core::Result<()> {
    for k in [256, 768] {
        for format in [Format::Q4K, Format::Q5K, Format::Q6K] {
            for (n, (rows, cols)) in SHAPES.into_iter().enumerate() {
                let wf = Tensor::from_vec(pseudo(rows * k, 1), (rows, k), &Device::Cpu)?;
                let bytes = QTensor::quantize(&wf, dtype(format))?.data()?.into_owned();
                check(format, &bytes, rows, cols, k)?;
                let random = random_blocks(format, rows * k / QK_K, 7 + n as u32);
                check(format, &random, rows, cols, k)?;
            }
        }
    }
    Ok(())
}

/// Packing loses nothing: every row's blocks come back as the file's bytes (random bytes: every bit
/// of codes, scales and minimums), padding rows included in the tile count.
#[cfg(target_arch = "x86_64")]
#[test]
fn packed_blocks_unpack_to_the_file_bytes() {
    for format in ALL {
        for (rows, nb) in [(1, 1), (8, 2), (13, 3)] {
            let bytes = random_blocks(format, rows * nb, rows as u32 + 11);
            let tiles = packed::pack(format, bytes.clone(), rows, nb);
            assert_eq!(tiles.len(), packed::packed_len(format, rows, nb));
            let bb = format.block_bytes();
            let mut back = vec![0u8; bb];
            for r in 0..rows {
                for l in 0..nb {
                    packed::unpack_block(format, &tiles, nb, r, l, &mut back);
                    let at = (r * nb + l) * bb;
                    assert_eq!(back, bytes[at..at + bb], "{format:?} row {r} block {l}");
                }
            }
        }
    }
}

/// Not a test: the speed of each format's product on this machine, single thread. Decoding (one
/// activation row) over 96 MB of weights, far more than the caches, in GB/s of weights read; prefill
/// (64 activation rows) in multiply-adds per second. Run:
/// `cargo test --release --lib kernel_speed -- --ignored --nocapture`.
#[cfg(target_arch = "x86_64")]
#[test]
#[ignore]
fn kernel_speed() {
    let isa = isa(); // SAMSARA_ISA=avx2 measures AVX2
                     // Qwen2.5-0.5B's ffn_down width (19 super-blocks) unless SPEED_K says otherwise; SPEED_ROWS and
                     // SPEED_COLS set the prefill product's shape (default: 8 MB of weights, 64 activation rows).
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let k = env("SPEED_K", 4864) / QK_K * QK_K;
    {
        // The machine's streaming read bandwidth, for comparison: 96 MB summed as u64 words.
        let buf: Vec<u64> = (0..(96 << 20) / 8).map(|i| i as u64).collect();
        let sum = |b: &[u64]| b.iter().fold(0u64, |a, &v| a.wrapping_add(v));
        let mut total = sum(&buf);
        let t0 = std::time::Instant::now();
        for _ in 0..5 {
            total = total.wrapping_add(sum(std::hint::black_box(&buf)));
        }
        let gbs = (buf.len() * 8 * 5) as f64 / t0.elapsed().as_secs_f64() / 1e9;
        eprintln!("streaming read: {gbs:.1} GB/s ({total})");
    }
    for format in [
        Format::Q4_0,
        Format::Q4_1,
        Format::Q5_0,
        Format::Q8_0,
        Format::Q4K,
        Format::Q5K,
        Format::Q6K,
    ] {
        // SPEED_ONLY=Q6K: that format only.
        if std::env::var("SPEED_ONLY").is_ok_and(|f| f != format!("{format:?}")) {
            continue;
        }
        let row_bytes = format.row_bytes(k);
        let rows = (env("SPEED_MB", 96) << 20) / row_bytes / 8 * 8;
        // Random bytes with sane scales in every block: the speed does not depend on the values.
        let bytes = random_blocks(format, rows * k / format.block_len(), 1);
        let cols = env("SPEED_COLS", 64);
        let x = activations(cols * k, 2);
        let mut blocks = vec![ActBlock::default(); cols * k / QK];
        let mut supers = vec![ActSuper::default(); cols * k / QK_K];
        for (row, b) in x.chunks(k).zip(blocks.chunks_mut(k / QK)) {
            quantize_row(row, b);
        }
        for (row, b) in x.chunks(k).zip(supers.chunks_mut(k / QK_K)) {
            quantize_row_k(row, b);
        }
        let (a, nb) = match format.acts() {
            ActKind::Blocks => (Acts::Blocks(&blocks), k / QK),
            ActKind::Supers => (Acts::Supers(&supers), k / QK_K),
        };
        let mut out = vec![0f32; rows * cols];
        let tiles = packed::pack(format, bytes.clone(), rows, nb);
        let run = |rows: usize, cols: usize, out: &mut [f32]| {
            let p = PackedInputs {
                format,
                tiles: &tiles,
                rows,
                a,
                cols,
                nb,
            };
            gemm_packed(isa, &p, out, rows)
        };
        run(rows, 1, &mut out);
        let reps = 5;
        let t0 = std::time::Instant::now();
        for _ in 0..reps {
            run(rows, 1, &mut out);
        }
        let s = t0.elapsed().as_secs_f64() / reps as f64;
        let gbs = bytes.len() as f64 / s / 1e9;
        // The same from L2 (512 KB, repeated): what the kernel does when memory is not the limit.
        let crows = ((512 << 10) / row_bytes).min(rows) / 8 * 8;
        let t0 = std::time::Instant::now();
        for _ in 0..200 {
            run(crows, 1, &mut out);
        }
        let cgbs = (crows * row_bytes * 200) as f64 / t0.elapsed().as_secs_f64() / 1e9;
        // Prefill on 8 MB of the weights (they come from L2/L3 and memory as in a layer's product).
        let prows = env("SPEED_ROWS", ((8 << 20) / row_bytes).min(rows) / 8 * 8);
        run(prows, cols, &mut out);
        let preps = (1 << 30) / (prows * cols * k) + 1;
        let t0 = std::time::Instant::now();
        for _ in 0..preps {
            run(prows, cols, &mut out);
        }
        let ps = t0.elapsed().as_secs_f64() / preps as f64;
        let gmacs = (prows * cols * k) as f64 / ps / 1e9;
        // candle's product on the same prefill weights and activations (its repacked AVX-512 kernels
        // for Q4_K, Q6_K, Q8_0), for comparison.
        let candle = {
            use candle_core::Module;
            let qt = qtensor_from_ggml(
                dtype(format),
                &bytes[..prows * row_bytes],
                vec![prows, k],
                &Device::Cpu,
            )
            .and_then(candle_core::quantized::QMatMul::from_qtensor);
            let xt = Tensor::from_slice(&x[..cols * k], (cols, k), &Device::Cpu);
            match (qt, xt) {
                (Ok(m), Ok(xt)) => {
                    let _ = m.forward(&xt);
                    let t0 = std::time::Instant::now();
                    for _ in 0..preps {
                        let _ = m.forward(&xt);
                    }
                    let pre = (prows * cols * k * preps) as f64 / t0.elapsed().as_secs_f64() / 1e9;
                    let x1 = xt.narrow(0, 0, 1).unwrap_or(xt);
                    let t0 = std::time::Instant::now();
                    for _ in 0..20 {
                        let _ = m.forward(&x1);
                    }
                    let dec = (prows * row_bytes * 20) as f64 / t0.elapsed().as_secs_f64() / 1e9;
                    format!("; candle: prefill {pre:.1} GMAC/s, decode from L3 {dec:.1} GB/s")
                }
                _ => String::new(),
            }
        };
        eprintln!(
            "{format:?} {}: decode {gbs:.1} GB/s ({:.1} G weights/s; from L2 {cgbs:.1} GB/s), prefill {gmacs:.1} GMAC/s{candle}",
            isa.name(),
            (rows * k) as f64 / s / 1e9,
        );
    }
}
