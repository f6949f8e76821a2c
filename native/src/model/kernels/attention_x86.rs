//! The attention of one head group (`attention::HeadGroup`) in AVX-512 or AVX2, both with F16C:
//! one generic kernel over the vector width (`Lanes`), built for each ISA.
//!
//! Three passes over the group's `n` cached positions:
//! 1. scores: keys are stored in blocks of 16 positions, dimension-major (`attention::key_index`), so
//!    16 (AVX-512) or 8 (AVX2) positions' scores are one vector per head: each block row is
//!    converted from f16 once and multiplied into all R heads' accumulators, no horizontal sums;
//! 2. softmax per head: soft-cap, max, exp (a Cephes-style polynomial, ≤ 2 ulp) and sum, vectorized;
//! 3. values: each value row is converted once and added, weighted, into R × CV accumulators held in
//!    registers over all rows (CV vectors of the head dimension at a time), then divided by the sum.
//!
//! The head count R is a const parameter (1..=8; larger groups run in parts of 8), so every
//! accumulator array is unrolled into registers.

use std::arch::x86_64::*;

use super::attention::{HeadGroup, KEY_BLOCK};
use super::Isa;

/// One vector of f32 lanes and the operations the kernel needs.
trait Lanes {
    type V: Copy;
    const L: usize;
    /// Vector registers.
    const REGS: usize;
    unsafe fn zero() -> Self::V;
    unsafe fn splat(x: f32) -> Self::V;
    unsafe fn load(p: *const f32) -> Self::V;
    /// `L` f16 values, widened.
    unsafe fn load_h(p: *const u16) -> Self::V;
    unsafe fn store(p: *mut f32, v: Self::V);
    /// a·b + c.
    unsafe fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    unsafe fn mul(a: Self::V, b: Self::V) -> Self::V;
    unsafe fn add(a: Self::V, b: Self::V) -> Self::V;
    unsafe fn max(a: Self::V, b: Self::V) -> Self::V;
    unsafe fn hmax(v: Self::V) -> f32;
    unsafe fn hsum(v: Self::V) -> f32;
    /// e^x, exactly 0 below ln(2⁻¹²⁶).
    unsafe fn exp(x: Self::V) -> Self::V;
    /// 1 / x.
    unsafe fn recip(x: Self::V) -> Self::V;
}

// Cephes' expf: e^x = 2^n · e^r, n = round(x·log2 e), r = x − n·ln 2 (in two parts), e^r by a
// degree-7 polynomial.
const LOG2E: f32 = std::f32::consts::LOG2_E;
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
const EXP_P: [f32; 6] = [
    1.987_569_1e-4,
    1.398_199_9e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    0.166_666_65,
    0.5,
];
/// ln(2⁻¹²⁶): below it e^x is not a normal f32 and is taken as 0.
const EXP_LO: f32 = -87.336_55;
/// Above it 2^n would overflow the exponent.
const EXP_HI: f32 = 88.0;

struct Avx2;

impl Lanes for Avx2 {
    type V = __m256;
    const L: usize = 8;
    const REGS: usize = 16;
    #[inline(always)]
    unsafe fn zero() -> __m256 {
        _mm256_setzero_ps()
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> __m256 {
        _mm256_set1_ps(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        _mm256_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn load_h(p: *const u16) -> __m256 {
        _mm256_cvtph_ps(_mm_loadu_si128(p.cast()))
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m256) {
        _mm256_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn fma(a: __m256, b: __m256, c: __m256) -> __m256 {
        _mm256_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn mul(a: __m256, b: __m256) -> __m256 {
        _mm256_mul_ps(a, b)
    }
    #[inline(always)]
    unsafe fn add(a: __m256, b: __m256) -> __m256 {
        _mm256_add_ps(a, b)
    }
    #[inline(always)]
    unsafe fn max(a: __m256, b: __m256) -> __m256 {
        _mm256_max_ps(a, b)
    }
    #[inline(always)]
    unsafe fn hmax(v: __m256) -> f32 {
        let r = _mm_max_ps(_mm256_extractf128_ps::<1>(v), _mm256_castps256_ps128(v));
        let r = _mm_max_ps(r, _mm_movehl_ps(r, r));
        _mm_cvtss_f32(_mm_max_ss(r, _mm_movehdup_ps(r)))
    }
    #[inline(always)]
    unsafe fn hsum(v: __m256) -> f32 {
        let r = _mm_add_ps(_mm256_extractf128_ps::<1>(v), _mm256_castps256_ps128(v));
        let r = _mm_add_ps(r, _mm_movehl_ps(r, r));
        _mm_cvtss_f32(_mm_add_ss(r, _mm_movehdup_ps(r)))
    }
    #[inline(always)]
    unsafe fn exp(x: __m256) -> __m256 {
        let keep = _mm256_cmp_ps::<_CMP_GE_OQ>(x, _mm256_set1_ps(EXP_LO));
        let x = _mm256_min_ps(
            _mm256_max_ps(x, _mm256_set1_ps(EXP_LO)),
            _mm256_set1_ps(EXP_HI),
        );
        let n = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
            _mm256_mul_ps(x, _mm256_set1_ps(LOG2E)),
        );
        let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), x);
        let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
        let mut p = _mm256_set1_ps(EXP_P[0]);
        for &c in &EXP_P[1..] {
            p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c));
        }
        let y = _mm256_fmadd_ps(
            _mm256_mul_ps(p, r),
            r,
            _mm256_add_ps(r, _mm256_set1_ps(1.0)),
        );
        let scale = _mm256_slli_epi32::<23>(_mm256_add_epi32(
            _mm256_cvtps_epi32(n),
            _mm256_set1_epi32(127),
        ));
        _mm256_and_ps(_mm256_mul_ps(y, _mm256_castsi256_ps(scale)), keep)
    }
    #[inline(always)]
    unsafe fn recip(x: __m256) -> __m256 {
        _mm256_div_ps(_mm256_set1_ps(1.0), x)
    }
}

struct Avx512;

impl Lanes for Avx512 {
    type V = __m512;
    const L: usize = 16;
    const REGS: usize = 32;
    #[inline(always)]
    unsafe fn zero() -> __m512 {
        _mm512_setzero_ps()
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> __m512 {
        _mm512_set1_ps(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        _mm512_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn load_h(p: *const u16) -> __m512 {
        _mm512_cvtph_ps(_mm256_loadu_si256(p.cast()))
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m512) {
        _mm512_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn fma(a: __m512, b: __m512, c: __m512) -> __m512 {
        _mm512_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn mul(a: __m512, b: __m512) -> __m512 {
        _mm512_mul_ps(a, b)
    }
    #[inline(always)]
    unsafe fn add(a: __m512, b: __m512) -> __m512 {
        _mm512_add_ps(a, b)
    }
    #[inline(always)]
    unsafe fn max(a: __m512, b: __m512) -> __m512 {
        _mm512_max_ps(a, b)
    }
    #[inline(always)]
    unsafe fn hmax(v: __m512) -> f32 {
        _mm512_reduce_max_ps(v)
    }
    #[inline(always)]
    unsafe fn hsum(v: __m512) -> f32 {
        _mm512_reduce_add_ps(v)
    }
    #[inline(always)]
    unsafe fn exp(x: __m512) -> __m512 {
        let keep = _mm512_cmp_ps_mask::<_CMP_GE_OQ>(x, _mm512_set1_ps(EXP_LO));
        let x = _mm512_min_ps(
            _mm512_max_ps(x, _mm512_set1_ps(EXP_LO)),
            _mm512_set1_ps(EXP_HI),
        );
        let n = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
            _mm512_mul_ps(x, _mm512_set1_ps(LOG2E)),
        );
        let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HI), x);
        let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LO), r);
        let mut p = _mm512_set1_ps(EXP_P[0]);
        for &c in &EXP_P[1..] {
            p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
        }
        let y = _mm512_fmadd_ps(
            _mm512_mul_ps(p, r),
            r,
            _mm512_add_ps(r, _mm512_set1_ps(1.0)),
        );
        let scale = _mm512_slli_epi32::<23>(_mm512_add_epi32(
            _mm512_cvtps_epi32(n),
            _mm512_set1_epi32(127),
        ));
        _mm512_maskz_mul_ps(keep, y, _mm512_castsi512_ps(scale))
    }
    #[inline(always)]
    unsafe fn recip(x: __m512) -> __m512 {
        _mm512_div_ps(_mm512_set1_ps(1.0), x)
    }
}

/// Pass 1 for L positions (part `sub` of key block `kb`): `scores[h * stride + at + i] =
/// (q_h · k_i)·scale`. The block is dimension-major, so lane i of each accumulator is position i: one
/// multiply-add per head and dimension, no horizontal sums. Fewer than 4 heads keep two accumulator
/// sets (even and odd dimensions) so that enough multiply-adds are in flight.
#[inline(always)]
#[allow(clippy::needless_range_loop, clippy::too_many_arguments)]
unsafe fn score_block<S: Lanes, const R: usize>(
    q: *const f32,
    hd: usize,
    kb: *const u16,
    scale: f32,
    scores: *mut f32,
    stride: usize,
    at: usize,
) {
    let split = R < 4;
    let mut a = [S::zero(); R];
    let mut b = [S::zero(); R];
    let mut d = 0;
    while d < hd {
        let x = S::load_h(kb.add(d * KEY_BLOCK));
        for h in 0..R {
            a[h] = S::fma(S::splat(*q.add(h * hd + d)), x, a[h]);
        }
        if split {
            let x = S::load_h(kb.add((d + 1) * KEY_BLOCK));
            for h in 0..R {
                b[h] = S::fma(S::splat(*q.add(h * hd + d + 1)), x, b[h]);
            }
            d += 2;
        } else {
            d += 1;
        }
    }
    let scale = S::splat(scale);
    for h in 0..R {
        let sum = if split { S::add(a[h], b[h]) } else { a[h] };
        S::store(scores.add(h * stride + at), S::mul(sum, scale));
    }
}

/// Pass 1: `scores[h * stride + j] = (q_h · k_{base+j})·scale` for the R heads at `q` and every
/// position of the key blocks `b0..=b1` (`base` = b0·KEY_BLOCK).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn scores<S: Lanes, const R: usize>(
    q: *const f32,
    hd: usize,
    k: *const u16,
    b0: usize,
    b1: usize,
    scale: f32,
    scores: *mut f32,
    stride: usize,
) {
    for b in b0..=b1 {
        let kb = k.add(b * hd * KEY_BLOCK);
        let mut sub = 0;
        while sub < KEY_BLOCK {
            let at = (b - b0) * KEY_BLOCK + sub;
            score_block::<S, R>(q, hd, kb.add(sub), scale, scores, stride, at);
            sub += S::L;
        }
    }
}

/// Pass 2 for one head's `stride` scores, of which `first..first + n` are real (the others are
/// positions of the key blocks outside the window): soft-cap, then exp(s − max) in place; returns
/// 1 / Σ.
#[inline(always)]
unsafe fn softmax<S: Lanes>(
    s: *mut f32,
    first: usize,
    n: usize,
    stride: usize,
    softcap: Option<f32>,
) -> f32 {
    if let Some(cap) = softcap {
        // tanh(s/cap)·cap = cap − 2·cap / (e^(2s/cap) + 1).
        let (two_over, capv, one) = (S::splat(2.0 / cap), S::splat(cap), S::splat(1.0));
        let neg_two_cap = S::splat(-2.0 * cap);
        let mut i = 0;
        while i < stride {
            let e = S::exp(S::mul(S::load(s.add(i)), two_over));
            let t = S::fma(neg_two_cap, S::recip(S::add(e, one)), capv);
            S::store(s.add(i), t);
            i += S::L;
        }
    }
    // The positions outside the window take no part: below any score, and e^(pad − max) = 0.
    for i in (0..first).chain(first + n..stride) {
        *s.add(i) = -1e30;
    }
    let mut m = S::splat(f32::NEG_INFINITY);
    let mut i = 0;
    while i < stride {
        m = S::max(m, S::load(s.add(i)));
        i += S::L;
    }
    let neg_max = S::splat(-S::hmax(m));
    let mut sum = S::zero();
    let mut i = 0;
    while i < stride {
        let e = S::exp(S::add(S::load(s.add(i)), neg_max));
        S::store(s.add(i), e);
        sum = S::add(sum, e);
        i += S::L;
    }
    1.0 / S::hsum(sum)
}

/// Pass 3 for columns `c0..c0 + CV·L` of the R heads: `out_h = inv_h · Σ_j p_h[j]·v_j`.
#[inline(always)]
#[allow(clippy::needless_range_loop, clippy::too_many_arguments)]
unsafe fn values<S: Lanes, const R: usize, const CV: usize>(
    p: *const f32,
    stride: usize,
    inv: &[f32; R],
    v: *const u16,
    hd: usize,
    n: usize,
    out: *mut f32,
    c0: usize,
) {
    let mut acc = [[S::zero(); CV]; R];
    for j in 0..n {
        let row = v.add(j * hd + c0);
        let mut x = [S::zero(); CV];
        for c in 0..CV {
            x[c] = S::load_h(row.add(c * S::L));
        }
        for h in 0..R {
            let w = S::splat(*p.add(h * stride + j));
            for c in 0..CV {
                acc[h][c] = S::fma(w, x[c], acc[h][c]);
            }
        }
    }
    for h in 0..R {
        let s = S::splat(inv[h]);
        for c in 0..CV {
            S::store(out.add(h * hd + c0 + c * S::L), S::mul(acc[h][c], s));
        }
    }
}

/// The three passes for R heads (`g.q`/`out` start at the first of them).
#[inline(always)]
unsafe fn group<S: Lanes, const R: usize>(g: &HeadGroup, scratch: &mut Vec<f32>, out: *mut f32) {
    let hd = g.hd;
    let n = g.hi + 1 - g.lo;
    let (b0, b1) = (g.lo / KEY_BLOCK, g.hi / KEY_BLOCK);
    let stride = (b1 + 1 - b0) * KEY_BLOCK;
    let first = g.lo - b0 * KEY_BLOCK;
    if scratch.len() < R * stride {
        scratch.resize(R * stride, 0.0);
    }
    let s = scratch.as_mut_ptr();
    scores::<S, R>(g.q.as_ptr(), hd, g.k.as_ptr(), b0, b1, g.scale, s, stride);
    let mut inv = [0f32; R];
    for (h, inv) in inv.iter_mut().enumerate() {
        *inv = softmax::<S>(s.add(h * stride), first, n, stride, g.softcap);
    }
    // As many column vectors per pass as the registers hold (whole passes over the head).
    let vectors = hd / S::L;
    // R·cv accumulators, cv loaded values and the broadcast weight.
    let fits = |cv: usize| R * cv + cv < S::REGS && vectors.is_multiple_of(cv);
    let cv = if fits(4) {
        4
    } else if fits(2) {
        2
    } else {
        1
    };
    let (p, v) = (s.add(first), g.v.as_ptr().add(g.lo * hd));
    let mut c0 = 0;
    while c0 < hd {
        match cv {
            4 => values::<S, R, 4>(p, stride, &inv, v, hd, n, out, c0),
            2 => values::<S, R, 2>(p, stride, &inv, v, hd, n, out, c0),
            _ => values::<S, R, 1>(p, stride, &inv, v, hd, n, out, c0),
        }
        c0 += cv * S::L;
    }
}

/// All of `g`'s heads, in parts of up to 8.
#[inline(always)]
unsafe fn attend_in<S: Lanes>(g: &HeadGroup, scratch: &mut Vec<f32>, out: &mut [f32]) {
    let mut h0 = 0;
    while h0 < g.heads {
        let r = (g.heads - h0).min(8);
        let part = HeadGroup {
            q: &g.q[h0 * g.hd..],
            heads: r,
            ..*g
        };
        let o = out.as_mut_ptr().add(h0 * g.hd);
        match r {
            1 => group::<S, 1>(&part, scratch, o),
            2 => group::<S, 2>(&part, scratch, o),
            3 => group::<S, 3>(&part, scratch, o),
            4 => group::<S, 4>(&part, scratch, o),
            5 => group::<S, 5>(&part, scratch, o),
            6 => group::<S, 6>(&part, scratch, o),
            7 => group::<S, 7>(&part, scratch, o),
            _ => group::<S, 8>(&part, scratch, o),
        }
        h0 += r;
    }
}

#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn attend_avx2(g: &HeadGroup, scratch: &mut Vec<f32>, out: &mut [f32]) {
    attend_in::<Avx2>(g, scratch, out)
}

#[target_feature(enable = "avx2,fma,f16c,avx512f")]
unsafe fn attend_avx512(g: &HeadGroup, scratch: &mut Vec<f32>, out: &mut [f32]) {
    attend_in::<Avx512>(g, scratch, out)
}

/// # Safety
/// The CPU has `isa`'s features (not `Isa::Scalar`), and `g`'s slices hold everything it reads
/// (`HeadGroup::check`): q and out `heads × hd`, k and v `(hi + 1) × hd`, hd a multiple of 8.
pub(super) unsafe fn attend(isa: Isa, g: &HeadGroup, scratch: &mut Vec<f32>, out: &mut [f32]) {
    if isa == Isa::Vnni && g.hd.is_multiple_of(16) {
        attend_avx512(g, scratch, out)
    } else {
        attend_avx2(g, scratch, out)
    }
}
