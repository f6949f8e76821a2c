//! How each weight format unpacks a block into 32 codes in a 256-bit register, and what the product
//! must add to their integer dot (offset, minimum, sign trick); for the K-quants, how a super-block
//! is staged (codes, scales, minimums or offsets) for the product.

use std::arch::x86_64::*;

use crate::model::quant::k_scales;

/// How one weight format unpacks a block: 32 codes in a register; the scale `d` is the block's
/// first two bytes (f16) in every format.
pub(super) trait Weight {
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

pub(super) struct Q4_0;
impl Weight for Q4_0 {
    const BYTES: usize = 18;
    const SIGNED: bool = false;
    const OFFSET: i32 = -8;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(p: *const u8) -> __m256i {
        nibbles(p.add(2))
    }
}

pub(super) struct Q4_1;
impl Weight for Q4_1 {
    const BYTES: usize = 20;
    const SIGNED: bool = false;
    const MIN: bool = true;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(p: *const u8) -> __m256i {
        nibbles(p.add(4))
    }
}

pub(super) struct Q5_0;
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
pub(super) struct Q8_0s;
impl Weight for Q8_0s {
    const BYTES: usize = 34;
    const SIGNED: bool = true;
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(p: *const u8) -> __m256i {
        _mm256_loadu_si256(p.add(2).cast())
    }
}

/// One K-quant super-block of one weight row, unpacked for the product with every activation row
/// of a tile (it stays in L1; the product reads it as memory operands).
#[derive(Clone, Copy)]
pub(super) struct Staged {
    /// Sub-block s's 32 codes (`KWeight::codes`).
    pub codes: [__m256i; 8],
    /// Sub-block s's scales (`KWeight::scale`).
    pub scales: [__m256i; 8],
    /// `KRow::corr`.
    pub corr: __m256i,
}

impl Staged {
    #[inline(always)]
    pub unsafe fn zero() -> Staged {
        let z = _mm256_setzero_si256();
        Staged {
            codes: [z; 8],
            scales: [z; 8],
            corr: z,
        }
    }
}

/// What a K-quant super-block of one row needs once, before its sub-blocks.
#[derive(Clone, Copy)]
pub(super) struct KRow {
    /// The scales, as `scale` picks them.
    pub scales: __m256i,
    /// Per 16-element group h (i16 lane h), what multiplies the activation's sum of that group:
    /// Q4_K/Q5_K the group's minimum m (times −dmin·d_a after), Q6_K −32·scale (the codes' offset,
    /// added to the integer sum).
    pub corr: __m256i,
}

/// How one K-quant unpacks a super-block: per row once (`row`), then per sub-block of 32.
pub(super) trait KWeight {
    const BYTES: usize;
    /// Q4_K, Q5_K: d at 0 and dmin at 2, a minimum per sub-block; Q6_K: d at 208, no minimum.
    const MIN: bool;
    const D_AT: usize;
    unsafe fn row(p: *const u8) -> KRow;
    /// Sub-block s's 32 codes, unsigned (Q4_K 0..15, Q5_K 0..31, Q6_K 0..63). `VNNI`: AVX-512
    /// (BW, VL) is there too.
    unsafe fn codes<const VNNI: bool>(p: *const u8, s: usize) -> __m256i;
    /// Sub-block s's scale as 16 × i16, per 16-element half: lanes 0..8 multiply the u8×i8 pair
    /// sums of elements 0..16, lanes 8..16 those of 16..32 (Q6_K's two scales; Q4_K/Q5_K's one,
    /// twice).
    unsafe fn scale(r: &KRow, s: usize) -> __m256i;

    /// All of a super-block, for a tile with several activation rows.
    #[inline(always)]
    unsafe fn stage<const VNNI: bool>(p: *const u8, st: &mut Staged) {
        let r = Self::row(p);
        for s in 0..8 {
            st.codes[s] = Self::codes::<VNNI>(p, s);
            st.scales[s] = Self::scale(&r, s);
        }
        st.corr = r.corr;
    }
}

/// Shifts each byte's bits left by `by` (right for negative), within 16-bit lanes: callers mask the
/// bits they keep, which never cross from one byte into the other.
#[inline(always)]
unsafe fn shift_bits(v: __m256i, by: i32) -> __m256i {
    if by >= 0 {
        _mm256_sll_epi16(v, _mm_cvtsi32_si128(by))
    } else {
        _mm256_srl_epi16(v, _mm_cvtsi32_si128(-by))
    }
}

/// Q4_K and Q5_K: the 6-bit scales (bytes 0..8, repeated) and the minimums per 16-group.
#[inline(always)]
unsafe fn scales_mins(p: *const u8) -> KRow {
    let (sc, m) = k_scales(p.add(4).cast::<[u8; 12]>().read_unaligned());
    let mb = _mm_cvtsi64_si128(m as i64);
    KRow {
        scales: _mm256_set1_epi64x(sc as i64),
        // m_s for groups 2s and 2s + 1.
        corr: _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mb, mb)),
    }
}

/// Q4_K and Q5_K: scale byte s into the low byte of every 16-bit lane, 0 into the high one.
#[inline(always)]
unsafe fn one_scale(r: &KRow, s: usize) -> __m256i {
    _mm256_shuffle_epi8(r.scales, _mm256_set1_epi16((0x8000u32 | s as u32) as i16))
}

/// Q4_K and Q5_K: the low 4 bits of sub-block s (32 bytes at `qs` hold sub-blocks 2k and 2k + 1).
#[inline(always)]
unsafe fn nibbles_k(qs: *const u8, s: usize) -> __m256i {
    let v = _mm256_loadu_si256(qs.add(32 * (s / 2)).cast());
    let v = if s.is_multiple_of(2) {
        v
    } else {
        _mm256_srli_epi16::<4>(v)
    };
    _mm256_and_si256(v, _mm256_set1_epi8(0x0f))
}

pub(super) struct Q4K;
impl KWeight for Q4K {
    const BYTES: usize = 144;
    const MIN: bool = true;
    const D_AT: usize = 0;
    #[inline(always)]
    unsafe fn row(p: *const u8) -> KRow {
        scales_mins(p)
    }
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(p: *const u8, s: usize) -> __m256i {
        nibbles_k(p.add(16), s)
    }
    #[inline(always)]
    unsafe fn scale(r: &KRow, s: usize) -> __m256i {
        one_scale(r, s)
    }
    /// One load per pair of sub-blocks (the default loads each pair twice, and was 25 % slower).
    #[inline(always)]
    unsafe fn stage<const VNNI: bool>(p: *const u8, st: &mut Staged) {
        let r = Self::row(p);
        let low = _mm256_set1_epi8(0x0f);
        for k in 0..4 {
            let v = _mm256_loadu_si256(p.add(16 + 32 * k).cast());
            st.codes[2 * k] = _mm256_and_si256(v, low);
            st.codes[2 * k + 1] = _mm256_and_si256(_mm256_srli_epi16::<4>(v), low);
        }
        for s in 0..8 {
            st.scales[s] = Self::scale(&r, s);
        }
        st.corr = r.corr;
    }
}

pub(super) struct Q5K;
impl KWeight for Q5K {
    const BYTES: usize = 176;
    const MIN: bool = true;
    const D_AT: usize = 0;
    #[inline(always)]
    unsafe fn row(p: *const u8) -> KRow {
        scales_mins(p)
    }
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(p: *const u8, s: usize) -> __m256i {
        let nib = nibbles_k(p.add(48), s);
        let qh = _mm256_loadu_si256(p.add(16).cast());
        // Bit s of qh[l] is the 5th bit of element l.
        if VNNI {
            let set = _mm256_test_epi8_mask(qh, _mm256_set1_epi8((1u8 << s) as i8));
            _mm256_mask_add_epi8(nib, set, nib, _mm256_set1_epi8(0x10))
        } else {
            let bit = _mm256_and_si256(shift_bits(qh, 4 - s as i32), _mm256_set1_epi8(0x10));
            _mm256_or_si256(nib, bit)
        }
    }
    #[inline(always)]
    unsafe fn scale(r: &KRow, s: usize) -> __m256i {
        one_scale(r, s)
    }
}

pub(super) struct Q6K;
impl KWeight for Q6K {
    const BYTES: usize = 210;
    const MIN: bool = false;
    const D_AT: usize = 208;
    #[inline(always)]
    unsafe fn row(p: *const u8) -> KRow {
        // 16 signed scales, one per 16-group.
        let raw = _mm_loadu_si128(p.add(192).cast());
        let sc = _mm256_cvtepi8_epi16(raw);
        KRow {
            scales: _mm256_broadcastsi128_si256(raw),
            corr: _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_slli_epi16::<5>(sc)),
        }
    }
    #[inline(always)]
    unsafe fn codes<const VNNI: bool>(p: *const u8, s: usize) -> __m256i {
        // Half n = s / 4, its sub-block t = s % 4.
        let (n, t) = (s / 4, s % 4);
        let ql = _mm256_loadu_si256(p.add(64 * n + 32 * (t & 1)).cast());
        let nib = if t < 2 {
            _mm256_and_si256(ql, _mm256_set1_epi8(0x0f))
        } else {
            _mm256_and_si256(_mm256_srli_epi16::<4>(ql), _mm256_set1_epi8(0x0f))
        };
        // Bits 2t, 2t + 1 of qh[l] are bits 4, 5 of the code.
        let qh = _mm256_loadu_si256(p.add(128 + 32 * n).cast());
        let high = _mm256_and_si256(shift_bits(qh, 4 - 2 * t as i32), _mm256_set1_epi8(0x30));
        _mm256_or_si256(nib, high)
    }
    #[inline(always)]
    unsafe fn scale(r: &KRow, s: usize) -> __m256i {
        // Sub-block s uses scales 2s and 2s + 1: each byte into both bytes of its 16-bit lanes,
        // then an arithmetic shift sign-extends it.
        let pick = _mm256_set_m128i(_mm_set1_epi8(2 * s as i8 + 1), _mm_set1_epi8(2 * s as i8));
        _mm256_srai_epi16::<8>(_mm256_shuffle_epi8(r.scales, pick))
    }
}
