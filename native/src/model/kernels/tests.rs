use super::cpu::detect;
use super::*;
use crate::model::quant::{quantize_row, QK};
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Tensor};

fn pseudo(n: usize, seed: u32) -> Vec<f32> {
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

/// Every ISA available here agrees with the scalar reference, and the reference with the f32 dot
/// of candle's own dequantization, for each format and for tile edges (rows, cols not multiples of
/// the tile).
#[test]
fn kernels_match_the_reference_for_every_format_and_shape() -> candle_core::Result<()> {
    for k in [96, 576] {
        for (dt, format) in [
            (GgmlDType::Q4_0, Format::Q4_0),
            (GgmlDType::Q4_1, Format::Q4_1),
            (GgmlDType::Q5_0, Format::Q5_0),
            (GgmlDType::Q8_0, Format::Q8_0),
        ] {
            for (rows, cols) in [(1, 1), (4, 1), (7, 3), (9, 5), (8, 8)] {
                let wf = Tensor::from_vec(pseudo(rows * k, 1), (rows, k), &Device::Cpu)?;
                let qt = QTensor::quantize(&wf, dt)?;
                let bytes = qt.data()?.into_owned();
                let deq: Vec<f32> = qt.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1()?;
                // Activations with outliers, like a residual stream.
                let x: Vec<f32> = pseudo(cols * k, 2)
                    .iter()
                    .enumerate()
                    .map(|(i, v)| if i % 37 == 0 { v * 40.0 } else { v * 3.0 })
                    .collect();
                let mut a = vec![ActBlock::default(); cols * k / QK];
                for (row, blocks) in x.chunks(k).zip(a.chunks_mut(k / QK)) {
                    quantize_row(row, blocks);
                }
                let nb = k / QK;
                let mut reference = vec![0f32; rows * cols];
                let p = GemmInputs {
                    format,
                    w: &bytes,
                    rows,
                    a: &a,
                    cols,
                    nb,
                };
                gemm(Isa::Scalar, &p, &mut reference, rows);
                for j in 0..cols {
                    for i in 0..rows {
                        let pairs = deq[i * k..(i + 1) * k].iter().zip(&x[j * k..(j + 1) * k]);
                        let exact: f32 = pairs.clone().map(|(w, x)| w * x).sum();
                        let magnitude: f32 = pairs.map(|(w, x)| (w * x).abs()).sum();
                        let got = reference[j * rows + i];
                        // Activation quantization error: ~1/127 of the magnitude at most.
                        assert!(
                            (got - exact).abs() < 0.01 * magnitude + 1e-3,
                            "{format:?} ref {got} vs f32 {exact} (magnitude {magnitude})"
                        );
                    }
                }
                for candidate in [Isa::Avx2, Isa::Vnni] {
                    if candidate == Isa::Vnni && detect() != Isa::Vnni || detect() == Isa::Scalar {
                        continue;
                    }
                    let mut out = vec![f32::NAN; rows * cols];
                    gemm(candidate, &p, &mut out, rows);
                    for (got, want) in out.iter().zip(&reference) {
                        assert!(
                            (got - want).abs() <= 1e-4 * (1.0 + want.abs()),
                            "{format:?} {candidate:?} {rows}x{cols}: {got} vs {want}"
                        );
                    }
                }
            }
        }
    }
    Ok(())
}
