//! Activation rows to int8 blocks (`quant::quantize_row`) in AVX2 or AVX-512, chosen at run time,
//! bit for bit what the scalar `quant::quantize_row_scalar` gives: the same f32 product x·(127/max),
//! rounded half to even, a NaN product taken as 0 and the result clamped to ±127 as the scalar
//! `as i8` conversion does, and d and d·Σq rounded to f16 by the same scalar code.

use super::Isa;
use crate::model::quant::{quantize_row_scalar, ActBlock, QK};

/// `x` (32 values per block of `out`) quantized with `isa`'s instructions.
pub fn quantize_activations(isa: Isa, x: &[f32], out: &mut [ActBlock]) {
    assert!(x.len() >= out.len() * QK);
    #[cfg(target_arch = "x86_64")]
    if isa != Isa::Scalar {
        // SAFETY: `isa` was detected at run time (`cpu::isa`); `x` holds 32 values per block (above).
        unsafe {
            match isa {
                Isa::Vnni => x86::row_avx512(x, out),
                _ => x86::row_avx2(x, out),
            }
        }
        return;
    }
    let _ = isa;
    quantize_row_scalar(&x[..out.len() * QK], out);
}

/// d, the 1/scale and Σq's f16 product of one block, from its max |x| (scalar, as the reference).
#[inline(always)]
fn scales(amax: f32) -> (f32, f32) {
    let d = half::f16::from_f32(amax / 127.0).to_f32();
    let id = if amax != 0.0 { 127.0 / amax } else { 0.0 };
    (d, id)
}

#[inline(always)]
fn finish(block: &mut ActBlock, d: f32, sum: i32) {
    block.d = d;
    block.sum = sum;
    block.s = half::f16::from_f32(d * sum as f32).to_f32();
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{finish, scales};
    use crate::model::quant::{ActBlock, QK};

    /// # Safety
    /// The CPU has AVX2; `x` holds 32 values per block of `out`.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub unsafe fn row_avx2(x: &[f32], out: &mut [ActBlock]) {
        let abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
        let (lo, hi) = (_mm256_set1_ps(-127.0), _mm256_set1_ps(127.0));
        for (b, block) in out.iter_mut().enumerate() {
            let p = x.as_ptr().add(b * QK);
            let mut v = [_mm256_setzero_ps(); 4];
            for (i, v) in v.iter_mut().enumerate() {
                *v = _mm256_loadu_ps(p.add(8 * i));
            }
            // max_ps(a, m) gives m when a is NaN: NaNs are skipped, as f32::max does.
            let mut m = _mm256_setzero_ps();
            for &v in &v {
                m = _mm256_max_ps(_mm256_and_ps(v, abs), m);
            }
            let r = _mm_max_ps(_mm256_extractf128_ps::<1>(m), _mm256_castps256_ps128(m));
            let r = _mm_max_ps(r, _mm_movehl_ps(r, r));
            let amax = _mm_cvtss_f32(_mm_max_ss(r, _mm_movehdup_ps(r)));
            let (d, id) = scales(amax);
            let idv = _mm256_set1_ps(id);
            let mut q = [_mm256_setzero_si256(); 4];
            for (q, &v) in q.iter_mut().zip(&v) {
                let y = _mm256_mul_ps(v, idv);
                // NaN → 0, then ±127 at most, then round half to even (exact integers after).
                let y = _mm256_and_ps(y, _mm256_cmp_ps::<_CMP_ORD_Q>(y, y));
                let y = _mm256_min_ps(_mm256_max_ps(y, lo), hi);
                *q = _mm256_cvtps_epi32(_mm256_round_ps::<
                    { _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC },
                >(y));
            }
            let s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
            let s = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256::<1>(s));
            let s = _mm_hadd_epi32(s, s);
            let sum = _mm_cvtsi128_si32(_mm_hadd_epi32(s, s));
            // i32 → i16 → i8 packs interleave the 128-bit lanes; the permute puts them back in order.
            let w = _mm256_packs_epi16(
                _mm256_packs_epi32(q[0], q[1]),
                _mm256_packs_epi32(q[2], q[3]),
            );
            let w = _mm256_permutevar8x32_epi32(w, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
            _mm256_storeu_si256(block.qs.as_mut_ptr().cast(), w);
            finish(block, d, sum);
        }
    }

    /// # Safety
    /// The CPU has AVX-512F; `x` holds 32 values per block of `out`.
    #[target_feature(enable = "avx2,fma,f16c,avx512f")]
    pub unsafe fn row_avx512(x: &[f32], out: &mut [ActBlock]) {
        let (lo, hi) = (_mm512_set1_ps(-127.0), _mm512_set1_ps(127.0));
        for (b, block) in out.iter_mut().enumerate() {
            let p = x.as_ptr().add(b * QK);
            let v = [_mm512_loadu_ps(p), _mm512_loadu_ps(p.add(16))];
            let m = _mm512_max_ps(_mm512_abs_ps(v[0]), _mm512_setzero_ps());
            let m = _mm512_max_ps(_mm512_abs_ps(v[1]), m);
            let (d, id) = scales(_mm512_reduce_max_ps(m));
            let idv = _mm512_set1_ps(id);
            let mut q = [_mm512_setzero_si512(); 2];
            for (q, &v) in q.iter_mut().zip(&v) {
                let y = _mm512_mul_ps(v, idv);
                let y = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask::<_CMP_ORD_Q>(y, y), y);
                let y = _mm512_min_ps(_mm512_max_ps(y, lo), hi);
                *q = _mm512_cvt_roundps_epi32::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
                    y,
                );
            }
            let sum = _mm512_reduce_add_epi32(_mm512_add_epi32(q[0], q[1]));
            let qs = block.qs.as_mut_ptr();
            _mm_storeu_si128(qs.cast(), _mm512_cvtepi32_epi8(q[0]));
            _mm_storeu_si128(qs.add(16).cast(), _mm512_cvtepi32_epi8(q[1]));
            finish(block, d, sum);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kernels::cpu::detect;
    use crate::model::kernels::tests::pseudo;

    fn same(a: &ActBlock, b: &ActBlock) -> bool {
        a.qs == b.qs
            && a.d.to_bits() == b.d.to_bits()
            && a.s.to_bits() == b.s.to_bits()
            && a.sum == b.sum
    }

    fn check(x: &[f32], what: &str) {
        let nb = x.len() / QK;
        let mut want = vec![ActBlock::default(); nb];
        quantize_row_scalar(x, &mut want);
        let isas = match detect() {
            Isa::Vnni => vec![Isa::Avx2, Isa::Vnni],
            Isa::Avx2 => vec![Isa::Avx2],
            Isa::Scalar => vec![],
        };
        for isa in isas {
            let mut got = vec![ActBlock::default(); nb];
            quantize_activations(isa, x, &mut got);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    same(g, w),
                    "{what}, {isa:?}, block {i}: {g:?} vs {w:?} (x {:?})",
                    &x[i * QK..(i + 1) * QK]
                );
            }
        }
    }

    #[test]
    fn simd_quantization_is_bit_identical_on_random_rows() {
        for seed in 0..200 {
            let scale = [1e-3, 1.0, 3.0, 40.0, 1e4][seed as usize % 5];
            let x: Vec<f32> = pseudo(32 * 24, seed)
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    if i % 37 == 0 {
                        v * scale * 30.0
                    } else {
                        v * scale
                    }
                })
                .collect();
            check(&x, &format!("random seed {seed}"));
        }
    }

    #[test]
    fn simd_quantization_is_bit_identical_on_edge_values() {
        let block = |f: &dyn Fn(usize) -> f32| (0..QK).map(f).collect::<Vec<f32>>();
        let mut cases: Vec<(&str, Vec<f32>)> = vec![
            ("zeros", vec![0.0; QK]),
            ("negative zeros", vec![-0.0; QK]),
            (
                "mixed zeros",
                block(&|i| if i % 2 == 0 { 0.0 } else { -0.0 }),
            ),
            ("one value", block(&|i| if i == 7 { -3.5 } else { 0.0 })),
            ("denormals", block(&|i| (i as f32 - 16.0) * 1e-44)),
            ("tiny normals", block(&|i| (i as f32 - 16.0) * 1e-38)),
            (
                "small, 127/max overflows",
                block(&|i| (i as f32 - 16.0) * 1e-37),
            ),
            ("huge", block(&|i| (i as f32 - 16.0) * 2e37)),
            (
                "max f32",
                block(&|i| {
                    if i % 3 == 0 {
                        f32::MAX
                    } else {
                        -f32::MAX / (i as f32 + 1.0)
                    }
                }),
            ),
            (
                "infinities",
                block(&|i| match i % 4 {
                    0 => f32::INFINITY,
                    1 => f32::NEG_INFINITY,
                    2 => 1.0,
                    _ => 0.0,
                }),
            ),
            (
                "NaNs",
                block(&|i| {
                    if i % 5 == 0 {
                        f32::NAN
                    } else {
                        i as f32 - 10.0
                    }
                }),
            ),
            ("all NaN", vec![f32::NAN; QK]),
            // max 127: x·127/127 = x, so halves are exact ties.
            (
                "ties",
                block(&|i| {
                    if i == 0 {
                        127.0
                    } else {
                        (i as f32 - 16.0) + 0.5
                    }
                }),
            ),
            (
                "negative ties",
                block(&|i| if i == 0 { -127.0 } else { -(i as f32) - 0.5 }),
            ),
            (
                "max 254",
                block(&|i| if i == 0 { 254.0 } else { i as f32 * 2.0 - 33.0 }),
            ),
        ];
        // Values just around the ties of a max of 1: x·127 near k + 0.5.
        for k in 0..4 {
            cases.push((
                "near ties",
                block(&|i| {
                    if i == 0 {
                        1.0
                    } else {
                        let t = (i as f32 + 0.5 + k as f32 * 30.0) / 127.0;
                        f32::from_bits((t.to_bits() as i32 + (i % 3) as i32 - 1) as u32)
                    }
                }),
            ));
        }
        for (what, x) in &cases {
            check(x, what);
        }
        // All of them in one row too.
        let row: Vec<f32> = cases.iter().flat_map(|(_, x)| x.iter().copied()).collect();
        check(&row, "all cases in one row");
    }
}
