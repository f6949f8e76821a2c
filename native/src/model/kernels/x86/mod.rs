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
//! K-quants (Q4_K, Q5_K, Q6_K, against Q8_K-like `ActSuper` rows): each weight row's super-block is
//! unpacked once (codes of its 8 sub-blocks, its 6-bit or 8-bit scales as 16-bit lanes) into a
//! staging area in L1, then multiplied with every activation row of the tile: u8×i8 products summed
//! in pairs (`vpmaddubsw`), times the sub-block's scale and summed into 32-bit lanes (`vpdpwssd`, or
//! `vpmaddwd` + add), all in integers over the super-block as in llama.cpp; one conversion and one
//! multiply-add by d·d_a per super-block. Q4_K/Q5_K's minimums are Σ m·(sums of the activation's
//! 16-groups) in integers, times −dmin·d_a; Q6_K's −32 offset is −32·Σ scale·(sums of 16), the
//! super-block's starting value.
//!
//! Both ISAs run the same generic loop (`tiles`), built twice: the `VNNI` flag picks the few
//! instructions that differ, and the tile width follows the registers.

mod formats;
mod tiles;

use super::Isa;
use crate::model::quant::{ActBlock, ActSuper, Format, QK};
use formats::{Q8_0s, Q4K, Q4_0, Q4_1, Q5K, Q5_0, Q6K};
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
    ($name:ident, $features:literal, $rn:literal, $vnni:literal) => {
        #[target_feature(enable = $features)]
        unsafe fn $name<T: Tile>(p: Product<T::Act>) {
            tiles::body::<T, $rn, $vnni>(p)
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
            unreachable!("K-quants multiply ActSuper rows (gemm_k)")
        }
    }
}

/// The K-quants.
///
/// # Safety
/// As `gemm`.
pub(super) unsafe fn gemm_k(isa: Isa, format: Format, p: Product<ActSuper>) {
    match (isa, format) {
        (Isa::Vnni, Format::Q4K) => gemm_vnni::<Q4K>(p),
        (Isa::Vnni, Format::Q5K) => gemm_vnni::<Q5K>(p),
        (Isa::Vnni, Format::Q6K) => gemm_vnni::<Q6K>(p),
        (_, Format::Q4K) => gemm_avx2::<Q4K>(p),
        (_, Format::Q5K) => gemm_avx2::<Q5K>(p),
        (_, Format::Q6K) => gemm_avx2::<Q6K>(p),
        (_, Format::Q4_0 | Format::Q4_1 | Format::Q5_0 | Format::Q8_0) => {
            unreachable!("32-element formats multiply ActBlock rows (gemm)")
        }
    }
}
