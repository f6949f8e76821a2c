//! The tiled product: up to 4 weight rows × RN activation rows per tile, accumulated in registers
//! over all blocks, for any weight format (`Tile`: a 32-element `Weight` or a `KWeight`) and either
//! ISA (`VNNI`).

use std::arch::x86_64::*;

use super::formats::{KRow, KWeight, Q8_0s, Staged, Weight, Q4K, Q4_0, Q4_1, Q5K, Q5_0, Q6K};
use super::Product;
use crate::model::quant::{ActBlock, ActSuper};

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

/// `Tile` for 32-element formats (against `ActBlock` rows, `tile`) and K-quants (against `ActSuper`
/// rows, `ktile`).
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
tiles!(ActSuper, ktile: Q4K, Q5K, Q6K);

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

/// `tile` for a K-quant: per super-block, each row's is unpacked once, then for each activation row
/// an integer sum over the 8 sub-blocks per row (pair sums × scale), converted and scaled once. With
/// one activation row (decoding) the sub-blocks go straight from the weights into the sums; with
/// several, each row's super-block is staged (`KWeight::stage`) for all of them.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
unsafe fn ktile<W: KWeight, const RM: usize, const RN: usize, const VNNI: bool>(
    w: *const u8,
    row_bytes: usize,
    a: *const ActSuper,
    nb: usize,
    out: *mut f32,
    out_stride: usize,
) {
    debug_assert!(RM <= 4);
    let mut acc = [[_mm256_setzero_ps(); RN]; RM];
    let mut st = [Staged::zero(); RM];
    let zero = _mm256_setzero_si256();
    let mut rows = [KRow {
        scales: zero,
        corr: zero,
    }; RM];
    for l in 0..nb {
        let mut dh = [0i16; 4];
        let mut mh = [0i16; 4];
        let mut p = [w; RM];
        for i in 0..RM {
            p[i] = w.add(i * row_bytes + l * W::BYTES);
            // Every cache line of the super-block (they are 144–210 bytes).
            let ahead = p[i].wrapping_add(PF * RM * row_bytes);
            let mut off = 0;
            while off < W::BYTES {
                _mm_prefetch::<_MM_HINT_T0>(ahead.wrapping_add(off).cast());
                off += 64;
            }
            if RN == 1 {
                rows[i] = W::row(p[i]);
            } else {
                W::stage::<VNNI>(p[i], &mut st[i]);
            }
            dh[i] = p[i].add(W::D_AT).cast::<i16>().read_unaligned();
            if W::MIN {
                mh[i] = p[i].add(2).cast::<i16>().read_unaligned();
            }
        }
        let wd = _mm_cvtph_ps(_mm_set_epi16(0, 0, 0, 0, dh[3], dh[2], dh[1], dh[0]));
        let wm = _mm_cvtph_ps(_mm_set_epi16(0, 0, 0, 0, mh[3], mh[2], mh[1], mh[0]));
        for j in 0..RN {
            let ab = &*a.add(j * nb + l);
            let bsums = _mm256_loadu_si256(ab.bsums.as_ptr().cast());
            let corr = |i: usize| if RN == 1 { rows[i].corr } else { st[i].corr };
            let mut isum = [zero; RM];
            for i in 0..RM {
                if !W::MIN {
                    // Q6_K: −32·Σ scale·(sum of the 16-group), in pairs.
                    isum[i] = _mm256_madd_epi16(corr(i), bsums);
                }
            }
            for s in 0..8 {
                let av = _mm256_loadu_si256(ab.qs.as_ptr().add(32 * s).cast());
                for i in 0..RM {
                    let (codes, scale) = if RN == 1 {
                        (W::codes::<VNNI>(p[i], s), W::scale(&rows[i], s))
                    } else {
                        (st[i].codes[s], st[i].scales[s])
                    };
                    let pairs = _mm256_maddubs_epi16(codes, av);
                    isum[i] = if VNNI {
                        _mm256_dpwssd_epi32(isum[i], pairs, scale)
                    } else {
                        _mm256_add_epi32(isum[i], _mm256_madd_epi16(pairs, scale))
                    };
                }
            }
            // d·d_a for the RM rows (lanes 0..RM of both halves), and −dmin·d_a.
            let sd = _mm_mul_ps(wd, _mm_set1_ps(ab.d));
            let sd = _mm256_set_m128(sd, sd);
            let sm = _mm_mul_ps(wm, _mm_set1_ps(-ab.d));
            let sm = _mm256_set_m128(sm, sm);
            for i in 0..RM {
                acc[i][j] = _mm256_fmadd_ps(lane(sd, i), _mm256_cvtepi32_ps(isum[i]), acc[i][j]);
                if W::MIN {
                    let mins = _mm256_madd_epi16(corr(i), bsums);
                    acc[i][j] = _mm256_fmadd_ps(lane(sm, i), _mm256_cvtepi32_ps(mins), acc[i][j]);
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
