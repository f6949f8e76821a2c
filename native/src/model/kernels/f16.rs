//! f16 rows against f32 rows (the KV cache is f16): F16C + FMA where the build targets them (our
//! x86-64-v3 baseline), else `half`. Chosen at compile time, not run time: these are inlined into
//! the attention loops.

#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma",
    target_feature = "f16c"
))]
mod simd {
    use std::arch::x86_64::*;

    /// Σ a·b for f32 `a` and f16 `b` (length a multiple of 8).
    #[inline]
    pub fn dot(a: &[f32], b: &[u16]) -> f32 {
        // SAFETY: the build targets AVX2, FMA and F16C (x86-64-v3); every load is 8 values inside
        // chunks of exactly 8.
        unsafe {
            let mut acc = _mm256_setzero_ps();
            for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
                let y = _mm256_cvtph_ps(_mm_loadu_si128(y.as_ptr().cast()));
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(x.as_ptr()), y, acc);
            }
            let r = _mm_add_ps(_mm256_extractf128_ps::<1>(acc), _mm256_castps256_ps128(acc));
            let r = _mm_add_ps(r, _mm_movehl_ps(r, r));
            _mm_cvtss_f32(_mm_add_ss(r, _mm_movehdup_ps(r)))
        }
    }

    /// y += s·x for f16 `x`.
    #[inline]
    pub fn axpy(y: &mut [f32], s: f32, x: &[u16]) {
        // SAFETY: as in `dot`.
        unsafe {
            let sv = _mm256_set1_ps(s);
            for (y, x) in y.chunks_exact_mut(8).zip(x.chunks_exact(8)) {
                let x = _mm256_cvtph_ps(_mm_loadu_si128(x.as_ptr().cast()));
                let r = _mm256_fmadd_ps(sv, x, _mm256_loadu_ps(y.as_ptr()));
                _mm256_storeu_ps(y.as_mut_ptr(), r);
            }
        }
    }

    /// f32 → f16 (round to nearest even).
    #[inline]
    pub fn convert(src: &[f32], dst: &mut [u16]) {
        // SAFETY: as in `dot`.
        unsafe {
            for (s, d) in src.chunks_exact(8).zip(dst.chunks_exact_mut(8)) {
                let h = _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(_mm256_loadu_ps(s.as_ptr()));
                _mm_storeu_si128(d.as_mut_ptr().cast(), h);
            }
        }
    }
}

/// Σ a·b for f32 `a` and f16 `b` (the keys), lengths a multiple of 8.
#[inline]
pub fn dot_f16(a: &[f32], b: &[u16]) -> f32 {
    debug_assert!(a.len() == b.len() && a.len().is_multiple_of(8));
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma",
        target_feature = "f16c"
    ))]
    return simd::dot(a, b);
    #[allow(unreachable_code)]
    a.iter()
        .zip(b)
        .map(|(x, y)| x * half::f16::from_bits(*y).to_f32())
        .sum()
}

/// y += s·x for f16 `x` (the values).
#[inline]
pub fn axpy_f16(y: &mut [f32], s: f32, x: &[u16]) {
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma",
        target_feature = "f16c"
    ))]
    return simd::axpy(y, s, x);
    #[allow(unreachable_code)]
    for (y, x) in y.iter_mut().zip(x) {
        *y += s * half::f16::from_bits(*x).to_f32();
    }
}

/// f32 → f16 bits (the KV cache), lengths a multiple of 8.
#[inline]
pub fn to_f16(src: &[f32], dst: &mut [u16]) {
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma",
        target_feature = "f16c"
    ))]
    return simd::convert(src, dst);
    #[allow(unreachable_code)]
    for (s, d) in src.iter().zip(dst) {
        *d = half::f16::from_f32(*s).to_bits();
    }
}
