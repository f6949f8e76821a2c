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
    /// Sub-block s's 32 codes, unsigned (Q4_K 0..15, Q5_K 0..31, Q6_K 0..63).
    pub codes: [__m256i; 8],
    /// Sub-block s's scale as 16 × i16, per 16-element half: lanes 0..8 multiply the u8×i8 pair
    /// sums of elements 0..16, lanes 8..16 those of 16..32 (Q6_K's two scales; Q4_K/Q5_K's one,
    /// twice).
    pub scales: [__m256i; 8],
    /// Per 16-element group h (i16 lane h), what multiplies the activation's sum of that group:
    /// Q4_K/Q5_K the group's minimum m (times −dmin·d_a after), Q6_K −32·scale (the codes' offset,
    /// added to the integer sum).
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

/// How one K-quant unpacks a super-block.
pub(super) trait KWeight {
    const BYTES: usize;
    /// Q4_K, Q5_K: d at 0 and dmin at 2, a minimum per sub-block; Q6_K: d at 208, no minimum.
    const MIN: bool;
    const D_AT: usize;
    /// Unpacks the super-block at `p` into `st`. `VNNI`: AVX-512 (BW, VL) is there too.
    unsafe fn stage<const VNNI: bool>(p: *const u8, st: &mut Staged);
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

/// Q4_K and Q5_K: the 6-bit scales as 16-bit lanes per sub-block, and the minimums per 16-group.
#[inline(always)]
unsafe fn stage_scales_mins(p: *const u8, st: &mut Staged) {
    let (sc, m) = k_scales(p.add(4).cast::<[u8; 12]>().read_unaligned());
    let scb = _mm256_set1_epi64x(sc as i64);
    for s in 0..8 {
        // Byte s into the low byte of every 16-bit lane, 0 into the high one.
        st.scales[s] = _mm256_shuffle_epi8(scb, _mm256_set1_epi16((0x8000u32 | s as u32) as i16));
    }
    let mb = _mm_cvtsi64_si128(m as i64);
    // m_s for groups 2s and 2s + 1.
    st.corr = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mb, mb));
}

pub(super) struct Q4K;
impl KWeight for Q4K {
    const BYTES: usize = 144;
    const MIN: bool = true;
    const D_AT: usize = 0;
    #[inline(always)]
    unsafe fn stage<const VNNI: bool>(p: *const u8, st: &mut Staged) {
        stage_scales_mins(p, st);
        let low = _mm256_set1_epi8(0x0f);
        for k in 0..4 {
            let v = _mm256_loadu_si256(p.add(16 + 32 * k).cast());
            st.codes[2 * k] = _mm256_and_si256(v, low);
            st.codes[2 * k + 1] = _mm256_and_si256(_mm256_srli_epi16::<4>(v), low);
        }
    }
}

pub(super) struct Q5K;
impl KWeight for Q5K {
    const BYTES: usize = 176;
    const MIN: bool = true;
    const D_AT: usize = 0;
    #[inline(always)]
    unsafe fn stage<const VNNI: bool>(p: *const u8, st: &mut Staged) {
        stage_scales_mins(p, st);
        let low = _mm256_set1_epi8(0x0f);
        let qh = _mm256_loadu_si256(p.add(16).cast());
        for k in 0..4 {
            let v = _mm256_loadu_si256(p.add(48 + 32 * k).cast());
            let nib = [
                _mm256_and_si256(v, low),
                _mm256_and_si256(_mm256_srli_epi16::<4>(v), low),
            ];
            for (h, nib) in nib.into_iter().enumerate() {
                let s = 2 * k + h;
                // Bit s of qh[l] is the 5th bit of element l.
                st.codes[s] = if VNNI {
                    let set = _mm256_test_epi8_mask(qh, _mm256_set1_epi8((1u8 << s) as i8));
                    _mm256_mask_add_epi8(nib, set, nib, _mm256_set1_epi8(0x10))
                } else {
                    let bit =
                        _mm256_and_si256(shift_bits(qh, 4 - s as i32), _mm256_set1_epi8(0x10));
                    _mm256_or_si256(nib, bit)
                };
            }
        }
    }
}

pub(super) struct Q6K;
impl KWeight for Q6K {
    const BYTES: usize = 210;
    const MIN: bool = false;
    const D_AT: usize = 208;
    #[inline(always)]
    unsafe fn stage<const VNNI: bool>(p: *const u8, st: &mut Staged) {
        let low = _mm256_set1_epi8(0x0f);
        for n in 0..2 {
            let qh = _mm256_loadu_si256(p.add(128 + 32 * n).cast());
            for s in 0..4 {
                let ql = _mm256_loadu_si256(p.add(64 * n + 32 * (s & 1)).cast());
                let nib = if s < 2 {
                    _mm256_and_si256(ql, low)
                } else {
                    _mm256_and_si256(_mm256_srli_epi16::<4>(ql), low)
                };
                // Bits 2s, 2s + 1 of qh[l] are bits 4, 5 of the code.
                let high =
                    _mm256_and_si256(shift_bits(qh, 4 - 2 * s as i32), _mm256_set1_epi8(0x30));
                st.codes[4 * n + s] = _mm256_or_si256(nib, high);
            }
        }
        // 16 signed scales, one per 16-group; sub-block g uses scales 2g and 2g + 1.
        let raw = _mm_loadu_si128(p.add(192).cast());
        let b = _mm256_broadcastsi128_si256(raw);
        for g in 0..8 {
            // Scale byte into both bytes of each 16-bit lane, then an arithmetic shift sign-extends.
            let pick = _mm256_set_m128i(_mm_set1_epi8(2 * g as i8 + 1), _mm_set1_epi8(2 * g as i8));
            st.scales[g] = _mm256_srai_epi16::<8>(_mm256_shuffle_epi8(b, pick));
        }
        let sc = _mm256_cvtepi8_epi16(raw);
        st.corr = _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_slli_epi16::<5>(sc));
    }
}
