//! The SIMD products, chosen at run time: AVX-512 VNNI (`vpdpbusd` on 256-bit registers) where the
//! CPU has it, else AVX2 (our x86-64-v3 baseline). candle's kernels for these formats are scalar
//! (Q4_1, Q5_0) and multiply one row by one row; ours compute a tile of up to 4 weight rows × 4
//! activation rows, so each unpacked weight block and each loaded activation block serves several
//! products.
//!
//! Unsigned weight codes (Q4_0 0..15, Q4_1 0..15, Q5_0 0..31) go straight into the u8×i8 dot
//! product, which starts from offset·Σq of the activation block (Q4_0 −8, Q5_0 −16), so the integer
//! result is exactly ggml's; Q4_1's minimum times the activation's d·Σq is added in lane 0. Signed
//! Q8_0 uses ggml's sign trick (|w|, sign(w)·a), as llama.cpp does. The scales of a tile's rows are
//! converted from f16 together, and nothing but vectors is carried across blocks (scalar
//! accumulators spilled out of the registers and halved the speed).
//!
//! Both ISAs run the same generic kernel (`tiles`), built twice: the `VNNI` flag picks the few
//! instructions that differ (`udot`, Q5_0's fifth bits), and the tile width follows the registers.

mod formats;
mod tiles;

use super::Isa;
use crate::model::quant::{ActBlock, Format, QK};
use formats::{Q8_0s, Weight, Q4_0, Q4_1, Q5_0};

/// One product on raw pointers (the bounds were checked on the slices): `rows` weight rows of
/// `row_bytes` bytes at `w`, `cols` activation rows of `nb` blocks at `a`, result `i` of activation
/// row `j` at `out[j * out_stride + i]`.
#[derive(Clone, Copy)]
pub(super) struct Product {
    pub w: *const u8,
    pub row_bytes: usize,
    pub rows: usize,
    pub a: *const ActBlock,
    pub cols: usize,
    pub nb: usize,
    pub out: *mut f32,
    pub out_stride: usize,
}

macro_rules! entry {
    ($name:ident, $features:literal, $rn:literal, $vnni:literal) => {
        #[target_feature(enable = $features)]
        unsafe fn $name<W: Weight>(p: Product) {
            tiles::body::<W, $rn, $vnni>(p)
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

/// # Safety
/// The CPU has `isa`'s features; `p`'s tiles are inside its weight and activation buffers, and its
/// output is valid for writes and not written by anyone else meanwhile.
pub(super) unsafe fn gemm(isa: Isa, format: Format, p: Product) {
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
    }
}
