//! How each 32-element weight format unpacks a block into 32 codes in a 256-bit register, and what
//! the product must add to their integer dot (offset, minimum, sign trick). The K-quants: `lanes`.

use std::arch::x86_64::*;

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
pub(super) unsafe fn bits(p: *const u8) -> __m256i {
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
