//! GGUF's 32-element block formats that our own kernels run on (Q4_0, Q4_1, Q5_0, Q8_0: the bulk of
//! SmolLM2, Qwen2.5 and Gemma-3 files), and the int8 activation blocks they multiply with.
//!
//! Layouts (ggml-common.h; little-endian, f16 scales first, only 2-byte aligned):
//! Q4_0 `d, qs[16]` = d·(q−8); Q4_1 `d, m, qs[16]` = d·q + m; Q5_0 `d, qh[4], qs[16]` = d·(q5−16);
//! Q8_0 `d, qs[32]` = d·q. Byte j of `qs` holds element j (low nibble) and j+16 (high nibble); the
//! 5th bit of element j is bit j of `qh`.

use candle_core::quantized::GgmlDType;

/// Elements per block.
pub const QK: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Q4_0,
    Q4_1,
    Q5_0,
    Q8_0,
}

impl Format {
    pub fn from_ggml(t: GgmlDType) -> Option<Format> {
        match t {
            GgmlDType::Q4_0 => Some(Format::Q4_0),
            GgmlDType::Q4_1 => Some(Format::Q4_1),
            GgmlDType::Q5_0 => Some(Format::Q5_0),
            GgmlDType::Q8_0 => Some(Format::Q8_0),
            _ => None,
        }
    }

    pub const fn block_bytes(self) -> usize {
        match self {
            Format::Q4_0 => 18,
            Format::Q4_1 => 20,
            Format::Q5_0 => 22,
            Format::Q8_0 => 34,
        }
    }
}

/// One block of a quantized activation row: x ≈ d·qs. `sum` = Σqs lets the kernels add the offset of
/// unsigned weight codes (Q4_0, Q5_0) to the integer dot product once per block; `s` is d·Σqs rounded
/// to f16, as in ggml's Q8_1 blocks, which is what Q4_1's minimum multiplies in llama.cpp (this model
/// family is sensitive enough to such roundings that we follow llama.cpp's arithmetic exactly).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ActBlock {
    pub qs: [i8; QK],
    pub d: f32,
    pub s: f32,
    pub sum: i32,
}

#[inline]
pub fn f16_to_f32(bits: u16) -> f32 {
    half::f16::from_bits(bits).to_f32()
}

#[inline]
fn read_f16(b: &[u8], at: usize) -> f32 {
    f16_to_f32(u16::from_le_bytes([b[at], b[at + 1]]))
}

/// Quantizes `x` (a multiple of 32 long) into int8 blocks as ggml's quantize_row_q8_0 does on x86:
/// d = max|x|/127 rounded to f16, q = round-half-even(x·127/max|x|). In SIMD where the CPU has it
/// (`kernels::quantize_activations`), bit for bit the same as `quantize_row_scalar`.
pub fn quantize_row(x: &[f32], out: &mut [ActBlock]) {
    debug_assert_eq!(x.len(), out.len() * QK);
    super::kernels::quantize_activations(super::kernels::isa(), x, out);
}

/// `quantize_row` in plain scalar code: the reference, and the fallback on CPUs without AVX2.
pub fn quantize_row_scalar(x: &[f32], out: &mut [ActBlock]) {
    debug_assert_eq!(x.len(), out.len() * QK);
    for (block, xs) in out.iter_mut().zip(x.chunks_exact(QK)) {
        let amax = xs.iter().fold(0f32, |m, v| m.max(v.abs()));
        let d = half::f16::from_f32(amax / 127.0).to_f32();
        let id = if amax != 0.0 { 127.0 / amax } else { 0.0 };
        let mut sum = 0i32;
        for (q, &v) in block.qs.iter_mut().zip(xs) {
            // round_ties_even matches _mm256_cvtps_epi32 under the default rounding mode.
            let r = (v * id).round_ties_even().clamp(-127.0, 127.0) as i8;
            *q = r;
            sum += r as i32;
        }
        block.d = d;
        block.sum = sum;
        block.s = half::f16::from_f32(d * sum as f32).to_f32();
    }
}

/// Dequantizes one row of `n` elements (e.g. a token's embedding).
pub fn dequantize_row(format: Format, bytes: &[u8], out: &mut [f32]) {
    let bb = format.block_bytes();
    for (b, ys) in bytes.chunks_exact(bb).zip(out.chunks_exact_mut(QK)) {
        let d = read_f16(b, 0);
        match format {
            Format::Q4_0 | Format::Q4_1 => {
                let (m, qs, off) = match format {
                    Format::Q4_1 => (read_f16(b, 2), &b[4..20], 0.0),
                    _ => (0.0, &b[2..18], -8.0),
                };
                for j in 0..16 {
                    ys[j] = d * ((qs[j] & 0x0f) as f32 + off) + m;
                    ys[j + 16] = d * ((qs[j] >> 4) as f32 + off) + m;
                }
            }
            Format::Q5_0 => {
                let qh = u32::from_le_bytes([b[2], b[3], b[4], b[5]]);
                let qs = &b[6..22];
                for j in 0..16 {
                    let lo = (qs[j] & 0x0f) | ((((qh >> j) & 1) as u8) << 4);
                    let hi = (qs[j] >> 4) | ((((qh >> (j + 16)) & 1) as u8) << 4);
                    ys[j] = d * (lo as f32 - 16.0);
                    ys[j + 16] = d * (hi as f32 - 16.0);
                }
            }
            Format::Q8_0 => {
                for (y, &q) in ys.iter_mut().zip(&b[2..34]) {
                    *y = d * (q as i8) as f32;
                }
            }
        }
    }
}

/// The reference dot product of a weight row and an activation row, in plain scalar code: what the
/// SIMD kernels must reproduce (tests, and the fallback on CPUs without AVX2).
pub fn dot_scalar(format: Format, w: &[u8], a: &[ActBlock]) -> f32 {
    let bb = format.block_bytes();
    let mut sum = 0f32;
    for (b, ab) in w.chunks_exact(bb).zip(a) {
        // Integer dot of the raw weight codes with the activation, then scale and offset, as the
        // kernels do (so rounding differs only in summation order).
        let d = read_f16(b, 0);
        let (codes, offset, min): ([i32; QK], i32, f32) = match format {
            Format::Q8_0 => {
                let mut c = [0i32; QK];
                for (c, &q) in c.iter_mut().zip(&b[2..34]) {
                    *c = q as i8 as i32;
                }
                (c, 0, 0.0)
            }
            _ => {
                let (qs, high, offset, min) = match format {
                    Format::Q4_0 => (&b[2..18], 0u32, -8, 0.0),
                    Format::Q4_1 => (&b[4..20], 0, 0, read_f16(b, 2)),
                    _ => (
                        &b[6..22],
                        u32::from_le_bytes([b[2], b[3], b[4], b[5]]),
                        -16,
                        0.0,
                    ),
                };
                let mut c = [0i32; QK];
                for j in 0..16 {
                    c[j] = (qs[j] & 0x0f) as i32 | ((((high >> j) & 1) << 4) as i32);
                    c[j + 16] = (qs[j] >> 4) as i32 | ((((high >> (j + 16)) & 1) << 4) as i32);
                }
                (c, offset, min)
            }
        };
        // Σ(code + offset)·q exactly in integers, as ggml does for Q4_0 and Q5_0; Q4_1's minimum
        // multiplies the f16-rounded d·Σq.
        let idot: i32 = codes
            .iter()
            .zip(&ab.qs)
            .map(|(&c, &q)| c * q as i32)
            .sum::<i32>()
            + offset * ab.sum;
        sum += d * ab.d * idot as f32 + min * ab.s;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantized_activations_round_trip_within_half_a_step() {
        let x: Vec<f32> = (0..64).map(|i| ((i as f32) * 0.77).sin() * 3.0).collect();
        let mut q = vec![ActBlock::default(); 2];
        quantize_row(&x, &mut q);
        for (b, xs) in q.iter().zip(x.chunks(QK)) {
            let sum: i32 = b.qs.iter().map(|&v| v as i32).sum();
            assert_eq!(b.sum, sum);
            assert!((b.s - b.d * sum as f32).abs() <= 1e-3 * b.s.abs() + 1e-6);
            for (&v, &orig) in b.qs.iter().zip(xs) {
                assert!((v as f32 * b.d - orig).abs() <= b.d * 0.51 + 1e-3);
            }
        }
    }
}
