//! The SIMD products, chosen at run time: AVX-512 VNNI (`vpdpbusd`/`vpdpwssd` on 256-bit registers)
//! where the CPU has it, else AVX2 (our x86-64-v3 baseline). candle's kernels for these formats are
//! scalar (Q4_1, Q5_0) or multiply one row by one row; ours compute a tile of up to 4 weight rows × 4
//! activation rows, so each unpacked weight block and each loaded activation block serves several
//! products.
//!
//! 32-element formats: unsigned weight codes (Q4_0 0..15, Q4_1 0..15, Q5_0 0..31) go straight into
//! the u8×i8 dot product, which starts from offset·Σq of the activation block (Q4_0 −8, Q5_0 −16),
//! so the integer result is exactly ggml's; Q4_1's minimum times the activation's d·Σq is added in
//! lane 0. Signed Q8_0 uses ggml's sign trick (|w|, sign(w)·a), as llama.cpp does. The scales of a
//! tile's rows are converted from f16 together, and nothing but vectors is carried across blocks
//! (scalar accumulators spilled out of the registers and halved the speed).
//!
//! K-quants (Q4_K, Q5_K, Q6_K, against Q8_K-like `ActSuper` rows) run on their own layout, repacked
//! at load with 8 rows interleaved (`kernels::packed`), in `lanes`: each row's sum in its own lane,
//! so a tile's 8 results come out as one vector, with no horizontal sums and every scale applied to
//! 8 rows at once. The 4-row scheme above, on the file's layout, ran them at half the speed of candle's
//! repacked AVX-512 kernels in prefill.
//!
//! Both ISAs run the same generic loops (`tiles`, `lanes`), built twice: the `VNNI` flag picks the few
//! instructions that differ, and the tile width follows the registers.

mod formats;
mod lanes;
mod tiles;

use super::Isa;
use crate::model::quant::{ActBlock, Format, QK};
use formats::{Q8_0s, Q4_0, Q4_1, Q5_0};
pub(super) use lanes::Packed;
use lanes::{Lanes, Q4K, Q5K, Q6K};
use tiles::Tile;

/// One product on raw pointers (the bounds were checked on the slices): `rows` weight rows of
/// `row_bytes` bytes at `w`, `cols` activation rows of `nb` blocks (`A`: `ActBlock` or `ActSuper`)
/// at `a`, result `i` of activation row `j` at `out[j * out_stride + i]`.
#[derive(Clone, Copy)]
pub(super) struct Product<A> {
    pub w: *const u8,
    pub row_bytes: usize,
    pub rows: usize,
    pub a: *const A,
    pub cols: usize,
    pub nb: usize,
    pub out: *mut f32,
    pub out_stride: usize,
}

macro_rules! entry {
    ($name:ident, $lanes:ident, $features:literal, $rn:literal, $lrn:literal, $vnni:literal) => {
        #[target_feature(enable = $features)]
        unsafe fn $name<T: Tile>(p: Product<T::Act>) {
            tiles::body::<T, $rn, $vnni>(p)
        }
        #[target_feature(enable = $features)]
        unsafe fn $lanes<W: Lanes>(p: Packed) {
            lanes::body::<W, $lrn, $vnni>(p)
        }
    };
}
// AVX2 has 16 vector registers: 4×2 accumulators + 4 weight rows fit; VNNI machines have 32. The
// packed K-quant tiles keep RN float and RN integer accumulators: 4 (AVX2) or 8 (VNNI) rows.
entry!(gemm_avx2, lanes_avx2, "avx2,fma,f16c", 2, 4, false);
entry!(
    gemm_vnni,
    lanes_vnni,
    "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni",
    4,
    8,
    true
);

/// The 32-element formats.
///
/// # Safety
/// The CPU has `isa`'s features; `p`'s tiles are inside its weight and activation buffers, and its
/// output is valid for writes and not written by anyone else meanwhile.
pub(super) unsafe fn gemm(isa: Isa, format: Format, p: Product<ActBlock>) {
    debug_assert_eq!(QK, 32);
    match (isa, format) {
        (Isa::Vnni, Format::Q4_0) => gemm_vnni::<Q4_0>(p),
        (Isa::Vnni, Format::Q4_1) => gemm_vnni::<Q4_1>(p),
        (Isa::Vnni, Format::Q5_0) => gemm_vnni::<Q5_0>(p),
        (Isa::Vnni, Format::Q8_0) => gemm_vnni::<Q8_0s>(p),
        (_, Format::Q4_0) => gemm_avx2::<Q4_0>(p),
        (_, Format::Q4_1) => gemm_avx2::<Q4_1>(p),
        (_, Format::Q5_0) => gemm_avx2::<Q5_0>(p),
        (_, Format::Q8_0) => gemm_avx2::<Q8_0s>(p),
        (_, Format::Q4K | Format::Q5K | Format::Q6K) => {
            unreachable!("K-quants run packed (gemm_packed)")
        }
    }
}

/// The K-quants, packed (`kernels::packed`).
///
/// # Safety
/// As `gemm`: `p`'s tiles (whole tiles of 8 rows) inside its packed weights and activations, its
/// output valid for the `rows` × `cols` results.
pub(super) unsafe fn gemm_packed(isa: Isa, format: Format, p: Packed) {
    match (isa, format) {
        (Isa::Vnni, Format::Q4K) => lanes_vnni::<Q4K>(p),
        (Isa::Vnni, Format::Q5K) => lanes_vnni::<Q5K>(p),
        (Isa::Vnni, Format::Q6K) => lanes_vnni::<Q6K>(p),
        (_, Format::Q4K) => lanes_avx2::<Q4K>(p),
        (_, Format::Q5K) => lanes_avx2::<Q5K>(p),
        (_, Format::Q6K) => lanes_avx2::<Q6K>(p),
        (_, Format::Q4_0 | Format::Q4_1 | Format::Q5_0 | Format::Q8_0) => {
            unreachable!("32-element formats are not packed")
        }
    }
}
