//! The products on the packed layout (`kernels::packed`): a tile of 8 weight rows, one per 32-bit
//! lane, × RN activation rows. For each group of 8 elements the 8 rows' codes are two registers
//! (elements 0..4 and 4..8 of each row); 4 activations broadcast to every lane make one u8×i8 dot
//! product per register, which adds into each row's own lane. Per block (32 elements) or K-quant
//! scale group (32, Q6_K 16) the integer sums are converted once and scaled by the 8 rows' scales (a
//! vector) times the activation's; results are 8 consecutive outputs, one store.
//!
//! The integer sums are exactly ggml's: Q4_0's and Q5_0's codes go in unsigned and the sum starts
//! from −8 (−16) × the activation block's sum; Q8_0's are stored + 128 and start from −128 × it
//! (VNNI), or, with AVX2 (whose `vpmaddubsw` would saturate on codes up to 255), go back to signed
//! codes and ggml's sign trick (|w|, sign(w)·a); Q4_1 adds its minimum times the activation's
//! f16-rounded d·Σq, as llama.cpp does. K-quants: the minimums (Q4_K, Q5_K: dmin·m) times d_a × the
//! activations' exact sum over the group; Q6_K's −32 offset likewise.

use std::arch::x86_64::*;

use crate::model::kernels::packed::{layout, Layout, ROWS};
use crate::model::quant::{ActBlock, ActSuper, Format};

/// One product on raw pointers (the bounds were checked on the slices): `rows` weight rows in tiles
/// of 8 at `w` (each `nb` packed blocks), `cols` activation rows of `nb` blocks (`A`: `ActBlock` or
/// `ActSuper`) at `a`, result `i` of activation row `j` at `out[j * out_stride + i]`.
#[derive(Clone, Copy)]
pub(in crate::model::kernels) struct Packed<A> {
    pub w: *const u8,
    pub rows: usize,
    pub a: *const A,
    pub cols: usize,
    pub nb: usize,
    pub out: *mut f32,
    pub out_stride: usize,
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

/// The two nibbles of each of the 32 bytes at `b + at`.
#[inline(always)]
unsafe fn nibbles(b: *const u8, at: usize) -> (__m256i, __m256i) {
    let w = _mm256_loadu_si256(b.add(at).cast());
    let low = _mm256_set1_epi8(0x0f);
    (
        _mm256_and_si256(w, low),
        _mm256_and_si256(_mm256_srli_epi16::<4>(w), low),
    )
}

/// Adds 16 to the codes whose fifth bit is set in group g's masks (Q5_0, Q5_K).
#[inline(always)]
unsafe fn fifth_bits<const VNNI: bool>(
    b: *const u8,
    lay: Layout,
    g: usize,
    (lo, hi): (__m256i, __m256i),
) -> (__m256i, __m256i) {
    let masks = b.add(lay.masks_at(g));
    let sixteen = _mm256_set1_epi8(0x10);
    if VNNI {
        let (klo, khi) = (
            masks.cast::<u32>().read_unaligned(),
            masks.add(4).cast::<u32>().read_unaligned(),
        );
        (
            _mm256_mask_add_epi8(lo, klo, lo, sixteen),
            _mm256_mask_add_epi8(hi, khi, hi, sixteen),
        )
    } else {
        (
            _mm256_or_si256(lo, _mm256_and_si256(bits(masks), sixteen)),
            _mm256_or_si256(hi, _mm256_and_si256(bits(masks.add(4)), sixteen)),
        )
    }
}

/// 8 bytes at `p` (u8 or i8) as 8 f32.
#[inline(always)]
unsafe fn bytes_f32<const SIGNED: bool>(p: *const u8) -> __m256 {
    let v = _mm_loadl_epi64(p.cast());
    _mm256_cvtepi32_ps(if SIGNED {
        _mm256_cvtepi8_epi32(v)
    } else {
        _mm256_cvtepu8_epi32(v)
    })
}

/// The 8 rows' f16 values at `p` as f32.
#[inline(always)]
unsafe fn halves(p: *const u8) -> __m256 {
    _mm256_cvtph_ps(_mm_loadu_si128(p.cast()))
}

/// A packed format's tile product.
pub(super) trait Tile {
    type Act;
    unsafe fn tile<const RN: usize, const VNNI: bool>(
        w: *const u8,
        a: *const Self::Act,
        nb: usize,
        out: *mut f32,
        out_stride: usize,
        valid: usize,
    );
    /// Packed bytes per tile and block.
    const BYTES: usize;
}

/// The 32-element formats.
trait Block32 {
    const FORMAT: Format;
    const L: Layout = layout(Self::FORMAT);
    /// The integer dot starts from OFFSET·Σq of the activation block.
    const OFFSET: i32;
    /// Q4_1: m times the activation block's `s`.
    const MIN: bool = false;
    /// Q8_0: codes stored + 128.
    const SIGNED: bool = false;
    unsafe fn codes<const VNNI: bool>(b: *const u8, g: usize) -> (__m256i, __m256i);
}

/// The K-quants.
trait Super {
    const FORMAT: Format;
    const L: Layout = layout(Self::FORMAT);
    /// Q4_K, Q5_K: minimums; Q6_K: the −32 offset instead.
    const MIN: bool;
    /// Scale groups per super-block: 8 of 32 elements (Q4_K, Q5_K) or 16 of 16 (Q6_K).
    const GROUPS: usize;
    unsafe fn codes<const VNNI: bool>(b: *const u8, g: usize) -> (__m256i, __m256i);
    /// The 8 rows' scales of scale group `h`, as f32 (Q4_K, Q5_K: unsigned bytes).
    #[inline(always)]
    unsafe fn scales(b: *const u8, h: usize) -> __m256 {
        bytes_f32::<false>(b.add(Self::L.sc + ROWS * h))
    }
    /// The activation's exact sum over scale group `h` (Q4_K, Q5_K: two 16-element sums).
    #[inline(always)]
    fn group_sum(a: &ActSuper, h: usize) -> i32 {
        a.bsums[2 * h] as i32 + a.bsums[2 * h + 1] as i32
    }
}

pub(super) struct Q4_0;
impl Block32 for Q4_0 {
    const FORMAT: Format = Format::Q4_0;
    const OFFSET: i32 = -8;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(b: *const u8, g: usize) -> (__m256i, __m256i) {
        nibbles(b, Self::L.qs_at(g))
    }
}

pub(super) struct Q4_1;
impl Block32 for Q4_1 {
    const FORMAT: Format = Format::Q4_1;
    const OFFSET: i32 = 0;
    const MIN: bool = true;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(b: *const u8, g: usize) -> (__m256i, __m256i) {
        nibbles(b, Self::L.qs_at(g))
    }
}

pub(super) struct Q5_0;
impl Block32 for Q5_0 {
    const FORMAT: Format = Format::Q5_0;
    const OFFSET: i32 = -16;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(b: *const u8, g: usize) -> (__m256i, __m256i) {
        fifth_bits::<VNNI>(b, Self::L, g, nibbles(b, Self::L.qs_at(g)))
    }
}

pub(super) struct Q8_0;
impl Block32 for Q8_0 {
    const FORMAT: Format = Format::Q8_0;
    const OFFSET: i32 = -128;
    const SIGNED: bool = true;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(b: *const u8, g: usize) -> (__m256i, __m256i) {
        let at = b.add(Self::L.qs_at(g));
        (
            _mm256_loadu_si256(at.cast()),
            _mm256_loadu_si256(at.add(32).cast()),
        )
    }
}

pub(super) struct Q4K;
impl Super for Q4K {
    const FORMAT: Format = Format::Q4K;
    const MIN: bool = true;
    const GROUPS: usize = 8;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(b: *const u8, g: usize) -> (__m256i, __m256i) {
        nibbles(b, Self::L.qs_at(g))
    }
}

pub(super) struct Q5K;
impl Super for Q5K {
    const FORMAT: Format = Format::Q5K;
    const MIN: bool = true;
    const GROUPS: usize = 8;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(b: *const u8, g: usize) -> (__m256i, __m256i) {
        fifth_bits::<VNNI>(b, Self::L, g, nibbles(b, Self::L.qs_at(g)))
    }
}

pub(super) struct Q6K;
impl Super for Q6K {
    const FORMAT: Format = Format::Q6K;
    const MIN: bool = false;
    const GROUPS: usize = 16;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(b: *const u8, g: usize) -> (__m256i, __m256i) {
        let (lo, hi) = nibbles(b, Self::L.qs_at(g));
        // One register of top bits serves groups 2p and 2p + 1: bits 0, 2 (even g), 4, 6 (odd).
        let h = _mm256_loadu_si256(b.add(Self::L.top_at(g / 2)).cast());
        let top = _mm256_set1_epi8(0x30);
        let (hlo, hhi) = if g.is_multiple_of(2) {
            (_mm256_slli_epi16::<4>(h), _mm256_slli_epi16::<2>(h))
        } else {
            (h, _mm256_srli_epi16::<2>(h))
        };
        (
            _mm256_or_si256(lo, _mm256_and_si256(hlo, top)),
            _mm256_or_si256(hi, _mm256_and_si256(hhi, top)),
        )
    }
    #[inline(always)]
    unsafe fn scales(b: *const u8, h: usize) -> __m256 {
        bytes_f32::<true>(b.add(Self::L.sc + ROWS * h))
    }
    #[inline(always)]
    fn group_sum(a: &ActSuper, h: usize) -> i32 {
        a.bsums[h] as i32
    }
}

/// Stores a tile's 8 results per activation row (`valid` of them real).
#[inline(always)]
unsafe fn store<const RN: usize>(
    acc: &[__m256; RN],
    out: *mut f32,
    out_stride: usize,
    valid: usize,
) {
    for (j, acc) in acc.iter().enumerate() {
        let o = out.add(j * out_stride);
        if valid == ROWS {
            _mm256_storeu_ps(o, *acc);
        } else {
            let mut tmp = [0f32; ROWS];
            _mm256_storeu_ps(tmp.as_mut_ptr(), *acc);
            std::ptr::copy_nonoverlapping(tmp.as_ptr(), o, valid);
        }
    }
}

/// The dot products of group g's two code registers with activation row j's 8 elements.
#[inline(always)]
unsafe fn group_dot<const VNNI: bool>(
    isum: __m256i,
    (lo, hi): (__m256i, __m256i),
    q: *const u8,
    signed: bool,
) -> __m256i {
    let (a0, a1) = (
        _mm256_set1_epi32(q.cast::<i32>().read_unaligned()),
        _mm256_set1_epi32(q.add(4).cast::<i32>().read_unaligned()),
    );
    if signed && !VNNI {
        // lo, hi are signed codes here: |w| × sign(w)·a.
        let isum = udot::<false>(isum, _mm256_sign_epi8(lo, lo), _mm256_sign_epi8(a0, lo));
        udot::<false>(isum, _mm256_sign_epi8(hi, hi), _mm256_sign_epi8(a1, hi))
    } else {
        udot::<VNNI>(udot::<VNNI>(isum, lo, a0), hi, a1)
    }
}

/// A 32-element format's tile.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
unsafe fn tile32<W: Block32, const RN: usize, const VNNI: bool>(
    w: *const u8,
    a: *const ActBlock,
    nb: usize,
    out: *mut f32,
    out_stride: usize,
    valid: usize,
) {
    let mut acc = [_mm256_setzero_ps(); RN];
    // AVX2 multiplies Q8_0's codes signed, without the +128 to take back.
    let offset = if W::SIGNED && !VNNI { 0 } else { W::OFFSET };
    for l in 0..nb {
        let b = w.add(l * W::L.bytes);
        let d = halves(b.add(W::L.d));
        let acts: [&ActBlock; RN] = std::array::from_fn(|j| &*a.add(j * nb + l));
        let mut isum: [__m256i; RN] = std::array::from_fn(|j| {
            if offset != 0 {
                _mm256_set1_epi32(offset * acts[j].sum)
            } else {
                _mm256_setzero_si256()
            }
        });
        // Decoding (one activation row): odd groups sum apart, two dependency chains instead of one.
        let mut odd = [_mm256_setzero_si256(); RN];
        for g in 0..4 {
            let mut codes = W::codes::<VNNI>(b, g);
            if W::SIGNED && !VNNI {
                let flip = _mm256_set1_epi8(-128);
                codes = (
                    _mm256_xor_si256(codes.0, flip),
                    _mm256_xor_si256(codes.1, flip),
                );
            }
            for j in 0..RN {
                let q = acts[j].qs.as_ptr().add(8 * g).cast::<u8>();
                if RN == 1 && g % 2 == 1 {
                    odd[j] = group_dot::<VNNI>(odd[j], codes, q, W::SIGNED);
                } else {
                    isum[j] = group_dot::<VNNI>(isum[j], codes, q, W::SIGNED);
                }
            }
        }
        for j in 0..RN {
            if RN == 1 {
                isum[j] = _mm256_add_epi32(isum[j], odd[j]);
            }
            let scale = _mm256_mul_ps(d, _mm256_set1_ps(acts[j].d));
            acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[j]), scale, acc[j]);
            if W::MIN {
                let m = halves(b.add(W::L.dmin));
                acc[j] = _mm256_fmadd_ps(m, _mm256_set1_ps(acts[j].s), acc[j]);
            }
        }
    }
    store::<RN>(&acc, out, out_stride, valid);
}

/// A K-quant's tile.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
unsafe fn tile_k<W: Super, const RN: usize, const VNNI: bool>(
    w: *const u8,
    a: *const ActSuper,
    nb: usize,
    out: *mut f32,
    out_stride: usize,
    valid: usize,
) {
    let mut acc = [_mm256_setzero_ps(); RN];
    let per_group = 32 / W::GROUPS;
    for l in 0..nb {
        let b = w.add(l * W::L.bytes);
        let d = halves(b.add(W::L.d));
        let dmin = if W::MIN {
            halves(b.add(W::L.dmin))
        } else {
            _mm256_setzero_ps()
        };
        let acts: [&ActSuper; RN] = std::array::from_fn(|j| &*a.add(j * nb + l));
        for h in 0..W::GROUPS {
            let scale = _mm256_mul_ps(W::scales(b, h), d);
            let min = if W::MIN {
                _mm256_mul_ps(bytes_f32::<false>(b.add(W::L.m + ROWS * h)), dmin)
            } else {
                _mm256_setzero_ps()
            };
            let mut isum = [_mm256_setzero_si256(); RN];
            // Decoding: odd groups sum apart (two dependency chains), as in tile32.
            let mut odd = [_mm256_setzero_si256(); RN];
            for g in h * per_group..(h + 1) * per_group {
                let codes = W::codes::<VNNI>(b, g);
                for j in 0..RN {
                    let q = acts[j].qs.as_ptr().add(8 * g).cast::<u8>();
                    if RN == 1 && g % 2 == 1 {
                        odd[j] = group_dot::<VNNI>(odd[j], codes, q, false);
                    } else {
                        isum[j] = group_dot::<VNNI>(isum[j], codes, q, false);
                    }
                }
            }
            for j in 0..RN {
                if RN == 1 {
                    isum[j] = _mm256_add_epi32(isum[j], odd[j]);
                }
                let da = acts[j].d;
                let sum = W::group_sum(acts[j], h) as f32;
                let mut f = _mm256_cvtepi32_ps(isum[j]);
                if !W::MIN {
                    f = _mm256_sub_ps(f, _mm256_set1_ps(32.0 * sum));
                }
                acc[j] = _mm256_fmadd_ps(f, _mm256_mul_ps(scale, _mm256_set1_ps(da)), acc[j]);
                if W::MIN {
                    acc[j] = _mm256_fnmadd_ps(min, _mm256_set1_ps(da * sum), acc[j]);
                }
            }
        }
    }
    store::<RN>(&acc, out, out_stride, valid);
}

macro_rules! tiles {
    ($act:ty, $tile:ident: $($w:ty),*) => {$(
        impl Tile for $w {
            type Act = $act;
            const BYTES: usize = layout(<$w>::FORMAT).bytes;
            #[inline(always)]
            unsafe fn tile<const RN: usize, const VNNI: bool>(
                w: *const u8,
                a: *const $act,
                nb: usize,
                out: *mut f32,
                out_stride: usize,
                valid: usize,
            ) {
                $tile::<$w, RN, VNNI>(w, a, nb, out, out_stride, valid)
            }
        }
    )*};
}
tiles!(ActBlock, tile32: Q4_0, Q4_1, Q5_0, Q8_0);
tiles!(ActSuper, tile_k: Q4K, Q5K, Q6K);

/// All tiles: each weight tile (which stays in L1/L2) against every activation row, RN at a time,
/// then 4, then one.
#[inline(always)]
pub(super) unsafe fn body<T: Tile, const RN: usize, const VNNI: bool>(p: Packed<T::Act>) {
    let Packed {
        w,
        rows,
        a,
        cols,
        nb,
        out,
        out_stride,
    } = p;
    let tile_bytes = nb * T::BYTES;
    for t in 0..rows.div_ceil(ROWS) {
        let (wt, valid) = (w.add(t * tile_bytes), (rows - t * ROWS).min(ROWS));
        let o = out.add(t * ROWS);
        let mut j = 0;
        while j + RN <= cols {
            T::tile::<RN, VNNI>(
                wt,
                a.add(j * nb),
                nb,
                o.add(j * out_stride),
                out_stride,
                valid,
            );
            j += RN;
        }
        if RN > 4 {
            while j + 4 <= cols {
                T::tile::<4, VNNI>(
                    wt,
                    a.add(j * nb),
                    nb,
                    o.add(j * out_stride),
                    out_stride,
                    valid,
                );
                j += 4;
            }
        }
        while j < cols {
            T::tile::<1, VNNI>(
                wt,
                a.add(j * nb),
                nb,
                o.add(j * out_stride),
                out_stride,
                valid,
            );
            j += 1;
        }
    }
}
