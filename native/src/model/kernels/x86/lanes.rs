//! The K-quants' product on their packed layout (`kernels::packed`): a tile of 8 weight rows, one
//! per 32-bit lane, × RN activation rows. For each group of 8 elements the 8 rows' codes are two
//! registers (elements 0..4 and 4..8 of each row); 4 activations broadcast to every lane make one
//! u8×i8 dot product per register, which adds into each row's own lane. Per scale group (32
//! elements, Q6_K 16) the integer sums are converted once and scaled by the 8 rows' d·sc (a vector)
//! times the activation's d; the minimums (Q4_K, Q5_K: dmin·m times the activations' exact sum) and
//! Q6_K's offset (−32 times that sum) likewise. Results are 8 consecutive outputs: one store.

use std::arch::x86_64::*;

use super::formats::bits;
use super::tiles::udot;
use crate::model::kernels::packed::{layout, Layout, ROWS};
use crate::model::quant::{ActSuper, Format};

/// One packed tile product on raw pointers (bounds checked on the slices): `rows` weight rows in
/// tiles of 8 at `w` (each `nb` packed super-blocks), `cols` activation rows of `nb` blocks at `a`,
/// result `i` of activation row `j` at `out[j * out_stride + i]`.
#[derive(Clone, Copy)]
pub(in crate::model::kernels) struct Packed {
    pub w: *const u8,
    pub rows: usize,
    pub a: *const ActSuper,
    pub cols: usize,
    pub nb: usize,
    pub out: *mut f32,
    pub out_stride: usize,
}

/// A packed K-quant format.
pub(super) trait Lanes {
    const FORMAT: Format;
    const L: Layout = layout(Self::FORMAT);
    /// Q4_K, Q5_K: minimums; Q6_K: the −32 offset instead.
    const MIN: bool;
    /// Scale groups per super-block: 8 of 32 elements (Q4_K, Q5_K) or 16 of 16 (Q6_K).
    const GROUPS: usize;
    /// The 8 rows' codes of elements 8g..8g+4 and 8g+4..8g+8 of super-block `sb`, 4 bytes per row.
    unsafe fn codes<const VNNI: bool>(sb: *const u8, g: usize) -> (__m256i, __m256i);
    /// The 8 rows' scales of scale group `h`, as f32.
    unsafe fn scales(sb: *const u8, h: usize) -> __m256;
    /// The activation's exact sum over scale group `h`.
    fn group_sum(a: &ActSuper, h: usize) -> i32;
}

/// The two nibbles of each byte of group `g`'s 32 bytes.
#[inline(always)]
unsafe fn nibbles(sb: *const u8, at: usize) -> (__m256i, __m256i) {
    let w = _mm256_loadu_si256(sb.add(at).cast());
    let low = _mm256_set1_epi8(0x0f);
    (
        _mm256_and_si256(w, low),
        _mm256_and_si256(_mm256_srli_epi16::<4>(w), low),
    )
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

pub(super) struct Q4K;
impl Lanes for Q4K {
    const FORMAT: Format = Format::Q4K;
    const MIN: bool = true;
    const GROUPS: usize = 8;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(sb: *const u8, g: usize) -> (__m256i, __m256i) {
        nibbles(sb, Self::L.qs_at(g))
    }
    #[inline(always)]
    unsafe fn scales(sb: *const u8, h: usize) -> __m256 {
        bytes_f32::<false>(sb.add(Self::L.sc + ROWS * h))
    }
    #[inline(always)]
    fn group_sum(a: &ActSuper, h: usize) -> i32 {
        a.bsums[2 * h] as i32 + a.bsums[2 * h + 1] as i32
    }
}

pub(super) struct Q5K;
impl Lanes for Q5K {
    const FORMAT: Format = Format::Q5K;
    const MIN: bool = true;
    const GROUPS: usize = 8;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(sb: *const u8, g: usize) -> (__m256i, __m256i) {
        let (lo, hi) = nibbles(sb, Self::L.qs_at(g));
        let masks = sb.add(Self::L.masks_at(g));
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
    #[inline(always)]
    unsafe fn scales(sb: *const u8, h: usize) -> __m256 {
        bytes_f32::<false>(sb.add(Self::L.sc + ROWS * h))
    }
    #[inline(always)]
    fn group_sum(a: &ActSuper, h: usize) -> i32 {
        a.bsums[2 * h] as i32 + a.bsums[2 * h + 1] as i32
    }
}

pub(super) struct Q6K;
impl Lanes for Q6K {
    const FORMAT: Format = Format::Q6K;
    const MIN: bool = false;
    const GROUPS: usize = 16;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(sb: *const u8, g: usize) -> (__m256i, __m256i) {
        let (lo, hi) = nibbles(sb, Self::L.qs_at(g));
        // One register of top bits serves groups 2p and 2p + 1: bits 0, 2 (even g), 4, 6 (odd).
        let h = _mm256_loadu_si256(sb.add(Self::L.top_at(g / 2)).cast());
        let top = _mm256_set1_epi8(0x30);
        let (hlo, hhi) = if g % 2 == 0 {
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
    unsafe fn scales(sb: *const u8, h: usize) -> __m256 {
        bytes_f32::<true>(sb.add(Self::L.sc + ROWS * h))
    }
    #[inline(always)]
    fn group_sum(a: &ActSuper, h: usize) -> i32 {
        a.bsums[h] as i32
    }
}

/// Super-blocks ahead that decoding prefetches.
const PREFETCH: usize = 0;

/// One tile: 8 weight rows (`valid` of them real) × RN activation rows, over all `nb` super-blocks.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
unsafe fn tile<W: Lanes, const RN: usize, const VNNI: bool>(
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
        let sb = w.add(l * W::L.bytes);
        if PREFETCH > 0 {
            let ahead = sb.wrapping_add(PREFETCH * W::L.bytes);
            let mut off = 0;
            while off < W::L.bytes {
                _mm_prefetch::<_MM_HINT_T0>(ahead.wrapping_add(off).cast());
                off += 64;
            }
        }
        let d = _mm256_cvtph_ps(_mm_loadu_si128(sb.add(W::L.d).cast()));
        let dmin = if W::MIN {
            _mm256_cvtph_ps(_mm_loadu_si128(sb.add(W::L.dmin).cast()))
        } else {
            _mm256_setzero_ps()
        };
        let acts: [&ActSuper; RN] = std::array::from_fn(|j| &*a.add(j * nb + l));
        for h in 0..W::GROUPS {
            let scale = _mm256_mul_ps(W::scales(sb, h), d);
            let min = if W::MIN {
                _mm256_mul_ps(bytes_f32::<false>(sb.add(W::L.m + ROWS * h)), dmin)
            } else {
                _mm256_setzero_ps()
            };
            let mut isum = [_mm256_setzero_si256(); RN];
            for g in h * per_group..(h + 1) * per_group {
                let (lo, hi) = W::codes::<VNNI>(sb, g);
                for j in 0..RN {
                    let q = acts[j].qs.as_ptr().add(8 * g).cast::<i32>();
                    isum[j] = udot::<VNNI>(isum[j], lo, _mm256_set1_epi32(q.read_unaligned()));
                    isum[j] =
                        udot::<VNNI>(isum[j], hi, _mm256_set1_epi32(q.add(1).read_unaligned()));
                }
            }
            for j in 0..RN {
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
    for j in 0..RN {
        let o = out.add(j * out_stride);
        if valid == ROWS {
            _mm256_storeu_ps(o, acc[j]);
        } else {
            let mut tmp = [0f32; ROWS];
            _mm256_storeu_ps(tmp.as_mut_ptr(), acc[j]);
            std::ptr::copy_nonoverlapping(tmp.as_ptr(), o, valid);
        }
    }
}

/// All tiles: each weight tile (which stays in L1/L2) against every activation row, RN at a time,
/// then 4, then one.
#[inline(always)]
pub(super) unsafe fn body<W: Lanes, const RN: usize, const VNNI: bool>(p: Packed) {
    let Packed {
        w,
        rows,
        a,
        cols,
        nb,
        out,
        out_stride,
    } = p;
    let tile_bytes = nb * W::L.bytes;
    for t in 0..rows.div_ceil(ROWS) {
        let (wt, valid) = (w.add(t * tile_bytes), (rows - t * ROWS).min(ROWS));
        let o = out.add(t * ROWS);
        let mut j = 0;
        while j + RN <= cols {
            tile::<W, RN, VNNI>(
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
                tile::<W, 4, VNNI>(
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
            tile::<W, 1, VNNI>(
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
