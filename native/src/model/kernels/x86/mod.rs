//! The SIMD products, chosen at run time: AVX-512 VNNI (`vpdpbusd` on 256-bit registers) where the
//! CPU has it, else AVX2 (our x86-64-v3 baseline), on the packed layout (`kernels::packed`: 8 weight
//! rows interleaved), for every format: `lanes` computes a tile of 8 weight rows × up to RN
//! activation rows with each row's sum in its own lane, so each unpacked group of codes and each
//! broadcast activation serve several products and no horizontal sums are needed.
//!
//! This replaced a scheme of 4-row tiles on the file's layout (each row's 32 codes in one register,
//! partial sums across lanes, one horizontal sum per result): the K-quants ran at half the prefill
//! speed of candle's repacked AVX-512 kernels and decoding at 13–15 GB/s of the 24 the memory gives;
//! packed, Q4_K prefill runs at 120 GMAC/s and decoding at about 20 GB/s for every format.
//!
//! Both ISAs run the same generic loop (`lanes`), built twice: the `VNNI` flag picks the few
//! instructions that differ, and the tile width follows the registers.

mod lanes;

use super::Isa;
use crate::model::quant::{ActBlock, ActSuper, Format};
pub(super) use lanes::Packed;
use lanes::Tile;
use lanes::{Q4K, Q4_0, Q4_1, Q5K, Q5_0, Q6K, Q8_0};

macro_rules! entry {
    ($name:ident, $features:literal, $rn:literal, $vnni:literal) => {
        #[target_feature(enable = $features)]
        unsafe fn $name<T: Tile>(p: Packed<T::Act>) {
            lanes::body::<T, $rn, $vnni>(p)
        }
    };
}
// A tile keeps RN float and RN integer accumulators: AVX2 has 16 vector registers (RN = 4), VNNI
// machines 32 (RN = 8).
entry!(gemm_avx2, "avx2,fma,f16c", 4, false);
entry!(
    gemm_vnni,
    "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni",
    8,
    true
);

/// The 32-element formats.
///
/// # Safety
/// The CPU has `isa`'s features; `p`'s tiles (whole tiles of 8 rows) are inside its packed weights
/// and its activations, and its output is valid for the `rows` × `cols` results and not written by
/// anyone else meanwhile.
pub(super) unsafe fn gemm(isa: Isa, format: Format, p: Packed<ActBlock>) {
    match (isa, format) {
        (Isa::Vnni, Format::Q4_0) => gemm_vnni::<Q4_0>(p),
        (Isa::Vnni, Format::Q4_1) => gemm_vnni::<Q4_1>(p),
        (Isa::Vnni, Format::Q5_0) => gemm_vnni::<Q5_0>(p),
        (Isa::Vnni, Format::Q8_0) => gemm_vnni::<Q8_0>(p),
        (_, Format::Q4_0) => gemm_avx2::<Q4_0>(p),
        (_, Format::Q4_1) => gemm_avx2::<Q4_1>(p),
        (_, Format::Q5_0) => gemm_avx2::<Q5_0>(p),
        (_, Format::Q8_0) => gemm_avx2::<Q8_0>(p),
        (_, Format::Q4K | Format::Q5K | Format::Q6K) => {
            unreachable!("K-quants multiply ActSuper rows (gemm_k)")
        }
    }
}

/// The K-quants.
///
/// # Safety
/// As `gemm`.
pub(super) unsafe fn gemm_k(isa: Isa, format: Format, p: Packed<ActSuper>) {
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
