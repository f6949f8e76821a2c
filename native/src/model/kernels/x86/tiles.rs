//! The tiled product of the 32-element formats: up to 4 weight rows × RN activation rows per tile,
//! accumulated in registers over all blocks, for any such format (`Tile`: a `Weight`) and either ISA
//! (`VNNI`). (The K-quants have their own layout and loop: `lanes`.)

use std::arch::x86_64::*;

use super::formats::{Q8_0s, Weight, Q4_0, Q4_1, Q5_0};
use super::Product;
use crate::model::quant::ActBlock;

/// Tiles ahead (of RM rows each) that the weights are prefetched: decoding streams the weights once
/// from memory, and the hardware prefetcher stops at every 4 KB page; one tile ahead was too close.
const PF: usize = 4;

/// A weight format's tile: RM weight rows × RN activation rows over all `nb` blocks.
pub(super) trait Tile {
    type Act;
    unsafe fn tile<const RM: usize, const RN: usize, const VNNI: bool>(
        w: *const u8,
        row_bytes: usize,
        a: *const Self::Act,
        nb: usize,
        out: *mut f32,
        out_stride: usize,
    );
}

/// `Tile` for the 32-element formats (against `ActBlock` rows).
macro_rules! tiles {
    ($act:ty, $tile:ident: $($w:ty),*) => {$(
        impl Tile for $w {
            type Act = $act;
            #[inline(always)]
            unsafe fn tile<const RM: usize, const RN: usize, const VNNI: bool>(
                w: *const u8,
                row_bytes: usize,
                a: *const $act,
                nb: usize,
                out: *mut f32,
                out_stride: usize,
            ) {
                $tile::<$w, RM, RN, VNNI>(w, row_bytes, a, nb, out, out_stride)
            }
        }
    )*};
}
tiles!(ActBlock, tile: Q4_0, Q4_1, Q5_0, Q8_0s);

/// `init` + 8 partial sums of u8 × i8 products.
#[inline(always)]
pub(super) unsafe fn udot<const VNNI: bool>(init: __m256i, u: __m256i, s: __m256i) -> __m256i {
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
#[allow(clippy::needless_range_loop)]
unsafe fn tile<W: Weight, const RM: usize, const RN: usize, const VNNI: bool>(
    w: *const u8,
    row_bytes: usize,
    a: *const ActBlock,
    nb: usize,
    out: *mut f32,
    out_stride: usize,
) {
    debug_assert!(RM <= 4);
    let mut acc = [[_mm256_setzero_ps(); RN]; RM];
    for l in 0..nb {
        let mut wv = [_mm256_setzero_si256(); RM];
        let mut dh = [0i16; 4];
        let mut mh = [0i16; 4];
        for i in 0..RM {
            let p = w.add(i * row_bytes + l * W::BYTES);
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
pub(super) unsafe fn body<T: Tile, const RN: usize, const VNNI: bool>(p: Product<T::Act>) {
    let Product {
        w,
        row_bytes,
        rows,
        a,
        cols,
        nb,
        out,
        out_stride,
    } = p;
    let mut i = 0;
    while i + 4 <= rows {
        columns::<T, 4, RN, VNNI>(
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
        columns::<T, 1, RN, VNNI>(
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
unsafe fn columns<T: Tile, const RM: usize, const RN: usize, const VNNI: bool>(
    w: *const u8,
    row_bytes: usize,
    a: *const T::Act,
    cols: usize,
    nb: usize,
    out: *mut f32,
    out_stride: usize,
) {
    let mut j = 0;
    while j + RN <= cols {
        T::tile::<RM, RN, VNNI>(
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
        T::tile::<RM, 1, VNNI>(
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
