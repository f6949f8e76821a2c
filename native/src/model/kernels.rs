//! Matrix products of GGUF block weights with int8 activation blocks, in SIMD, chosen at run time:
//! AVX-512 VNNI (`vpdpbusd` on 256-bit registers) where the CPU has it, else AVX2 (our x86-64-v3
//! baseline), else the scalar reference. candle's kernels for these formats are scalar (Q4_1, Q5_0)
//! and multiply one row by one row; ours compute a tile of up to 4 weight rows × 4 activation rows,
//! so each unpacked weight block and each loaded activation block serves several products.
//!
//! Unsigned weight codes (Q4_0 0..15, Q4_1 0..15, Q5_0 0..31) go straight into the u8×i8 dot
//! product, which starts from offset·Σq of the activation block (Q4_0 −8, Q5_0 −16), so the integer
//! result is exactly ggml's; Q4_1's minimum times the activation's d·Σq is added in lane 0. Signed
//! Q8_0 uses ggml's sign trick (|w|, sign(w)·a), as llama.cpp does. The scales of a tile's rows are
//! converted from f16 together, and nothing but vectors is carried across blocks (scalar
//! accumulators spilled out of the registers and halved the speed).

use std::sync::OnceLock;

use super::quant::{dot_scalar, ActBlock, Format, QK};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    Vnni,
    Avx2,
    Scalar,
}

impl Isa {
    pub fn name(self) -> &'static str {
        match self {
            Isa::Vnni => "avx512-vnni",
            Isa::Avx2 => "avx2",
            Isa::Scalar => "scalar",
        }
    }
}

/// The best kernel set for this CPU; `SAMSARA_ISA=avx2|scalar` forces a lower one (tests, debugging).
pub fn isa() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| {
        let best = detect();
        match std::env::var("SAMSARA_ISA").as_deref() {
            Ok("scalar") => Isa::Scalar,
            Ok("avx2") if best != Isa::Scalar => Isa::Avx2,
            _ => best,
        }
    })
}

fn detect() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        let avx2 = is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
            && is_x86_feature_detected!("f16c");
        let vnni = is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vl")
            && is_x86_feature_detected!("avx512vnni");
        match (avx2, vnni) {
            (true, true) => Isa::Vnni,
            (true, false) => Isa::Avx2,
            _ => Isa::Scalar,
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Isa::Scalar
    }
}

/// `out[j * out_stride + i] = Σ_k W[i][k] · A[j][k]` for the `rows` weight rows in `w` (each `nb`
/// blocks of `format`) and the `cols` activation rows in `a` (each `nb` blocks).
#[allow(clippy::too_many_arguments)]
pub fn gemm(
    isa: Isa,
    format: Format,
    w: &[u8],
    rows: usize,
    a: &[ActBlock],
    cols: usize,
    nb: usize,
    out: &mut [f32],
    out_stride: usize,
) {
    assert!(cols == 0 || rows == 0 || out.len() >= (cols - 1) * out_stride + rows);
    // SAFETY: `out` holds every element the product writes (checked above).
    unsafe {
        gemm_into(
            isa,
            format,
            w,
            rows,
            a,
            cols,
            nb,
            out.as_mut_ptr(),
            out_stride,
        )
    }
}

/// `gemm` into a raw output, so that threads can each fill their own columns of one buffer.
///
/// # Safety
/// `out[j * out_stride + i]` must be valid for writes for every i < rows, j < cols, and not written by
/// anyone else meanwhile.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_into(
    isa: Isa,
    format: Format,
    w: &[u8],
    rows: usize,
    a: &[ActBlock],
    cols: usize,
    nb: usize,
    out: *mut f32,
    out_stride: usize,
) {
    let row_bytes = nb * format.block_bytes();
    assert!(w.len() >= rows * row_bytes && a.len() >= cols * nb);
    assert!(out_stride >= rows);
    #[cfg(target_arch = "x86_64")]
    if isa != Isa::Scalar {
        // SAFETY: the CPU has the features (isa() checked them at run time); the asserts above keep
        // the tiles inside `w` and `a`, the caller vouches for `out`.
        unsafe {
            x86::gemm(
                isa,
                format,
                w.as_ptr(),
                row_bytes,
                rows,
                a.as_ptr(),
                cols,
                nb,
                out,
                out_stride,
            )
        };
        return;
    }
    let _ = isa;
    for j in 0..cols {
        let act = &a[j * nb..(j + 1) * nb];
        for i in 0..rows {
            let v = dot_scalar(format, &w[i * row_bytes..(i + 1) * row_bytes], act);
            // SAFETY: the caller vouches for `out`.
            unsafe { *out.add(j * out_stride + i) = v };
        }
    }
}

/// Attention of `heads` query heads that share one KV head, over the cached positions `lo..=hi`.
/// `q` holds the heads one after another (`heads × hd`); `k` and `v` hold that KV head's positions
/// one after another (`hd` f16 values each). Each key and value row is read once for all the heads.
#[allow(clippy::too_many_arguments)]
pub fn attend_group(
    q: &[f32],
    heads: usize,
    hd: usize,
    k: &[u16],
    v: &[u16],
    lo: usize,
    hi: usize,
    scale: f32,
    scores: &mut Vec<f32>,
    out: &mut [f32],
) {
    let n = hi + 1 - lo;
    assert!(q.len() >= heads * hd && out.len() >= heads * hd && hd.is_multiple_of(8));
    assert!(k.len() >= (hi + 1) * hd && v.len() >= (hi + 1) * hd);
    scores.clear();
    scores.resize(heads * n, 0.0);
    for (j, kr) in k[lo * hd..(hi + 1) * hd].chunks_exact(hd).enumerate() {
        for h in 0..heads {
            scores[h * n + j] = dot_f16(&q[h * hd..(h + 1) * hd], kr) * scale;
        }
    }
    for h in 0..heads {
        super::ops::softmax(&mut scores[h * n..(h + 1) * n]);
    }
    out[..heads * hd].fill(0.0);
    for (j, vr) in v[lo * hd..(hi + 1) * hd].chunks_exact(hd).enumerate() {
        for h in 0..heads {
            axpy_f16(&mut out[h * hd..(h + 1) * hd], scores[h * n + j], vr);
        }
    }
}

#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma",
    target_feature = "f16c"
))]
mod f16_simd {
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
    return f16_simd::dot(a, b);
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
    return f16_simd::axpy(y, s, x);
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
    return f16_simd::convert(src, dst);
    #[allow(unreachable_code)]
    for (s, d) in src.iter().zip(dst) {
        *d = half::f16::from_f32(*s).to_bits();
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{ActBlock, Format, Isa, QK};
    use std::arch::x86_64::*;

    /// How one weight format unpacks a block: 32 codes in a register; the scale `d` is the block's
    /// first two bytes (f16) in every format.
    trait Weight {
        const BYTES: usize;
        /// The codes are signed (i8): the product needs the sign trick.
        const SIGNED: bool;
        /// Unsigned codes stand for code + OFFSET (Q4_0 −8, Q5_0 −16): the integer dot gets
        /// OFFSET·Σq of the activation block added, so it is exactly Σ(code + OFFSET)·q, as in ggml.
        const OFFSET: i32 = 0;
        /// Q4_1: a minimum (f16, bytes 2..4) times the activation's f16-rounded d·Σq (ggml's Q8_1 `s`).
        const MIN: bool = false;
        /// `VNNI`: AVX-512 (BW, VL) is there too, so mask registers may be used.
        unsafe fn codes<const VNNI: bool>(p: *const u8) -> __m256i;
    }

    /// 16 bytes of nibbles → 32 bytes: element j is the low nibble of byte j, j+16 the high one.
    #[inline(always)]
    unsafe fn nibbles(p: *const u8) -> __m256i {
        // One broadcast load and one variable shift (high half by 4) instead of shift + insert.
        let t = _mm256_broadcastsi128_si256(_mm_loadu_si128(p.cast()));
        _mm256_and_si256(
            _mm256_srlv_epi32(t, _mm256_set_epi32(4, 4, 4, 4, 0, 0, 0, 0)),
            _mm256_set1_epi8(0x0f),
        )
    }

    /// 32 bits → 32 bytes of 0xFF (bit set) or 0x00.
    #[inline(always)]
    unsafe fn bits(p: *const u8) -> __m256i {
        let x = _mm256_set1_epi32(p.cast::<i32>().read_unaligned());
        let spread = _mm256_shuffle_epi8(
            x,
            _mm256_set_epi64x(
                0x0303030303030303,
                0x0202020202020202,
                0x0101010101010101,
                0,
            ),
        );
        let probe = _mm256_or_si256(spread, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
        _mm256_cmpeq_epi8(probe, _mm256_set1_epi64x(-1))
    }

    struct Q4_0;
    impl Weight for Q4_0 {
        const BYTES: usize = 18;
        const SIGNED: bool = false;
        const OFFSET: i32 = -8;
        #[inline(always)]
        unsafe fn codes<const VNNI: bool>(p: *const u8) -> __m256i {
            nibbles(p.add(2))
        }
    }

    struct Q4_1;
    impl Weight for Q4_1 {
        const BYTES: usize = 20;
        const SIGNED: bool = false;
        const MIN: bool = true;
        #[inline(always)]
        unsafe fn codes<const VNNI: bool>(p: *const u8) -> __m256i {
            nibbles(p.add(4))
        }
    }

    struct Q5_0;
    impl Weight for Q5_0 {
        const BYTES: usize = 22;
        const SIGNED: bool = false;
        const OFFSET: i32 = -16;
        #[inline(always)]
        unsafe fn codes<const VNNI: bool>(p: *const u8) -> __m256i {
            let low = nibbles(p.add(6));
            if VNNI {
                // The 32 fifth bits are a byte mask as they stand: add 16 where set.
                let k: __mmask32 = p.add(2).cast::<u32>().read_unaligned();
                _mm256_mask_add_epi8(low, k, low, _mm256_set1_epi8(0x10))
            } else {
                _mm256_or_si256(
                    low,
                    _mm256_and_si256(bits(p.add(2)), _mm256_set1_epi8(0x10)),
                )
            }
        }
    }

    /// Q8_0: signed codes (sign trick).
    struct Q8_0s;
    impl Weight for Q8_0s {
        const BYTES: usize = 34;
        const SIGNED: bool = true;
        #[inline(always)]
        unsafe fn codes<const VNNI: bool>(p: *const u8) -> __m256i {
            _mm256_loadu_si256(p.add(2).cast())
        }
    }

    /// `init` + 8 partial sums of u8 × i8 products.
    #[inline(always)]
    unsafe fn udot<const VNNI: bool>(init: __m256i, u: __m256i, s: __m256i) -> __m256i {
        if VNNI {
            _mm256_dpbusd_epi32(init, u, s)
        } else {
            _mm256_add_epi32(
                init,
                _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)),
            )
        }
    }

    /// Lane `i` (0..4) of each 128-bit half, everywhere.
    #[inline(always)]
    unsafe fn lane(v: __m256, i: usize) -> __m256 {
        match i {
            0 => _mm256_shuffle_ps::<0x00>(v, v),
            1 => _mm256_shuffle_ps::<0x55>(v, v),
            2 => _mm256_shuffle_ps::<0xaa>(v, v),
            _ => _mm256_shuffle_ps::<0xff>(v, v),
        }
    }

    #[inline(always)]
    unsafe fn hsum(x: __m256) -> f32 {
        let r = _mm_add_ps(_mm256_extractf128_ps::<1>(x), _mm256_castps256_ps128(x));
        let r = _mm_add_ps(r, _mm_movehl_ps(r, r));
        _mm_cvtss_f32(_mm_add_ss(r, _mm_movehdup_ps(r)))
    }

    /// One RM × RN tile over all `nb` blocks; accumulators stay in registers (i, j are the tile's
    /// row and column, which index several arrays and the output).
    #[inline(always)]
    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    unsafe fn tile<W: Weight, const RM: usize, const RN: usize, const VNNI: bool>(
        w: *const u8,
        row_bytes: usize,
        a: *const ActBlock,
        nb: usize,
        out: *mut f32,
        out_stride: usize,
    ) {
        const PF: usize = 4;
        debug_assert!(RM <= 4);
        let mut acc = [[_mm256_setzero_ps(); RN]; RM];
        for l in 0..nb {
            let mut wv = [_mm256_setzero_si256(); RM];
            let mut dh = [0i16; 4];
            let mut mh = [0i16; 4];
            for i in 0..RM {
                let p = w.add(i * row_bytes + l * W::BYTES);
                // Decoding streams the weights once from memory: fetch rows PF tiles ahead (the
                // hardware prefetcher stops at every 4 KB page; one tile ahead was too close).
                _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(PF * RM * row_bytes).cast());
                wv[i] = W::codes::<VNNI>(p);
                dh[i] = p.cast::<i16>().read_unaligned();
                if W::MIN {
                    mh[i] = p.add(2).cast::<i16>().read_unaligned();
                }
            }
            // The RM rows' scales in one conversion, lanes 0..RM of both halves.
            let wd = _mm_cvtph_ps(_mm_set_epi16(0, 0, 0, 0, dh[3], dh[2], dh[1], dh[0]));
            let wm = if W::MIN {
                let m = _mm_cvtph_ps(_mm_set_epi16(0, 0, 0, 0, mh[3], mh[2], mh[1], mh[0]));
                _mm256_set_m128(m, m)
            } else {
                _mm256_setzero_ps()
            };
            for j in 0..RN {
                let ab = &*a.add(j * nb + l);
                let av = _mm256_loadu_si256(ab.qs.as_ptr().cast());
                let init = if W::OFFSET != 0 {
                    _mm256_zextsi128_si256(_mm_cvtsi32_si128(W::OFFSET * ab.sum))
                } else {
                    _mm256_setzero_si256()
                };
                let s = _mm_mul_ps(wd, _mm_set1_ps(ab.d));
                let s = _mm256_set_m128(s, s);
                // Q4_1: the minimum times the activation's rounded sum, added in lane 0.
                let ms = _mm256_zextps128_ps256(_mm_set_ss(ab.s));
                for i in 0..RM {
                    let p = if W::SIGNED {
                        udot::<VNNI>(
                            init,
                            _mm256_sign_epi8(wv[i], wv[i]),
                            _mm256_sign_epi8(av, wv[i]),
                        )
                    } else {
                        udot::<VNNI>(init, wv[i], av)
                    };
                    acc[i][j] = _mm256_fmadd_ps(lane(s, i), _mm256_cvtepi32_ps(p), acc[i][j]);
                    if W::MIN {
                        acc[i][j] = _mm256_fmadd_ps(lane(wm, i), ms, acc[i][j]);
                    }
                }
            }
        }
        for i in 0..RM {
            for j in 0..RN {
                *out.add(j * out_stride + i) = hsum(acc[i][j]);
            }
        }
    }

    /// All tiles of the product: 4-row weight tiles outer (they stay in L1), activation tiles inner.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn body<W: Weight, const RN: usize, const VNNI: bool>(
        w: *const u8,
        row_bytes: usize,
        rows: usize,
        a: *const ActBlock,
        cols: usize,
        nb: usize,
        out: *mut f32,
        out_stride: usize,
    ) {
        let mut i = 0;
        while i + 4 <= rows {
            columns::<W, 4, RN, VNNI>(
                w.add(i * row_bytes),
                row_bytes,
                a,
                cols,
                nb,
                out.add(i),
                out_stride,
            );
            i += 4;
        }
        while i < rows {
            columns::<W, 1, RN, VNNI>(
                w.add(i * row_bytes),
                row_bytes,
                a,
                cols,
                nb,
                out.add(i),
                out_stride,
            );
            i += 1;
        }
    }

    /// RM weight rows against every activation row: RN at a time, then the rest one by one.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn columns<W: Weight, const RM: usize, const RN: usize, const VNNI: bool>(
        w: *const u8,
        row_bytes: usize,
        a: *const ActBlock,
        cols: usize,
        nb: usize,
        out: *mut f32,
        out_stride: usize,
    ) {
        let mut j = 0;
        while j + RN <= cols {
            tile::<W, RM, RN, VNNI>(
                w,
                row_bytes,
                a.add(j * nb),
                nb,
                out.add(j * out_stride),
                out_stride,
            );
            j += RN;
        }
        while j < cols {
            tile::<W, RM, 1, VNNI>(
                w,
                row_bytes,
                a.add(j * nb),
                nb,
                out.add(j * out_stride),
                out_stride,
            );
            j += 1;
        }
    }

    macro_rules! entry {
        ($name:ident, $features:literal, $rn:literal, $vnni:literal) => {
            #[target_feature(enable = $features)]
            #[allow(clippy::too_many_arguments)]
            unsafe fn $name<W: Weight>(
                w: *const u8,
                row_bytes: usize,
                rows: usize,
                a: *const ActBlock,
                cols: usize,
                nb: usize,
                out: *mut f32,
                out_stride: usize,
            ) {
                body::<W, $rn, $vnni>(w, row_bytes, rows, a, cols, nb, out, out_stride)
            }
        };
    }
    // AVX2 has 16 vector registers: 4×2 accumulators + 4 weight rows fit; VNNI machines have 32.
    entry!(gemm_avx2, "avx2,fma,f16c", 2, false);
    entry!(
        gemm_vnni,
        "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni",
        4,
        true
    );

    #[allow(clippy::too_many_arguments)]
    pub unsafe fn gemm(
        isa: Isa,
        format: Format,
        w: *const u8,
        row_bytes: usize,
        rows: usize,
        a: *const ActBlock,
        cols: usize,
        nb: usize,
        out: *mut f32,
        out_stride: usize,
    ) {
        debug_assert_eq!(QK, 32);
        let args = (w, row_bytes, rows, a, cols, nb, out, out_stride);
        macro_rules! go {
            ($f:ident, $w:ty) => {
                $f::<$w>(
                    args.0, args.1, args.2, args.3, args.4, args.5, args.6, args.7,
                )
            };
        }
        match (isa, format) {
            (Isa::Vnni, Format::Q4_0) => go!(gemm_vnni, Q4_0),
            (Isa::Vnni, Format::Q4_1) => go!(gemm_vnni, Q4_1),
            (Isa::Vnni, Format::Q5_0) => go!(gemm_vnni, Q5_0),
            (Isa::Vnni, Format::Q8_0) => go!(gemm_vnni, Q8_0s),
            (_, Format::Q4_0) => go!(gemm_avx2, Q4_0),
            (_, Format::Q4_1) => go!(gemm_avx2, Q4_1),
            (_, Format::Q5_0) => go!(gemm_avx2, Q5_0),
            (_, Format::Q8_0) => go!(gemm_avx2, Q8_0s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::quant::quantize_row;
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
                    gemm(
                        Isa::Scalar,
                        format,
                        &bytes,
                        rows,
                        &a,
                        cols,
                        nb,
                        &mut reference,
                        rows,
                    );
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
                        if candidate == Isa::Vnni && detect() != Isa::Vnni
                            || detect() == Isa::Scalar
                        {
                            continue;
                        }
                        let mut out = vec![f32::NAN; rows * cols];
                        gemm(
                            candidate, format, &bytes, rows, &a, cols, nb, &mut out, rows,
                        );
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
}
