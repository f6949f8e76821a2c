//! Our CPU kernels: products of GGUF block weights with int8 activation blocks, in SIMD chosen at run
//! time, and the f16 arithmetic of attention over the KV cache.
//!
//! - `cpu`: which kernel set this CPU runs (`isa()`).
//! - `packed`: the layout the SIMD products read, every quantized matrix repacked at load with 8 rows
//!   interleaved (`pack`; `unpack_block` back to the file's bytes). x86-64 only.
//! - `x86`: the AVX2 and AVX-512 VNNI products on it (`gemm_packed`), for every format of
//!   `quant::Format`: one loop, built for each ISA.
//! - `scalar`: the reference product on the file's layout (`gemm`), for x86 CPUs without AVX2, for
//!   the formats that stay ours on other targets (Q4_1, Q5_0: `linear::route`), and as the tests'
//!   yardstick.
//! - `f16`: f32 ↔ f16 rows (the KV cache), in F16C where the build targets it.
//! - `attention`: one group of query heads over one KV head's cache (`attention_x86`: in AVX-512 or
//!   AVX2, chosen at run time).
//! - `act`: activation rows to int8 blocks, in AVX-512 or AVX2, chosen at run time.

mod act;
mod attention;
#[cfg(target_arch = "x86_64")]
mod attention_x86;
mod cpu;
mod f16;
#[cfg(target_arch = "x86_64")]
pub mod packed;
mod scalar;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use act::quantize_activations;
pub use attention::{
    attend_group, attend_group_scalar, key_buffer_len, key_index, store_key, HeadGroup, KEY_BLOCK,
};
pub use cpu::{isa, Isa};
pub use f16::{axpy_f16, dot_f16, to_f16};

use super::quant::{ActBlock, ActKind, ActSuper, Format};

/// Quantized activation rows, in the kind the weight format multiplies (`Format::acts`).
#[derive(Debug, Clone, Copy)]
pub enum Acts<'a> {
    Blocks(&'a [ActBlock]),
    Supers(&'a [ActSuper]),
}

impl Acts<'_> {
    pub fn kind(&self) -> ActKind {
        match self {
            Acts::Blocks(_) => ActKind::Blocks,
            Acts::Supers(_) => ActKind::Supers,
        }
    }

    /// Blocks (of either kind).
    pub fn len(&self) -> usize {
        match self {
            Acts::Blocks(a) => a.len(),
            Acts::Supers(a) => a.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The operands of one product: `rows` weight rows in `w` (each `nb` blocks of `format`) and `cols`
/// activation rows in `a` (each `nb` blocks of the format's activation kind). Either slice may be
/// longer than that.
#[derive(Debug, Clone, Copy)]
pub struct GemmInputs<'a> {
    pub format: Format,
    pub w: &'a [u8],
    pub rows: usize,
    pub a: Acts<'a>,
    pub cols: usize,
    pub nb: usize,
}

impl GemmInputs<'_> {
    /// Bytes of one weight row.
    pub fn row_bytes(&self) -> usize {
        self.nb * self.format.block_bytes()
    }
}

/// `out[j * out_stride + i] = Σ_k W[i][k] · A[j][k]` for the weight rows i and activation rows j of
/// `p`, on the file's layout: the scalar kernel (the SIMD ones read packed matrices, `gemm_packed`).
pub fn gemm(p: &GemmInputs, out: &mut [f32], out_stride: usize) {
    assert!(p.cols == 0 || p.rows == 0 || out.len() >= (p.cols - 1) * out_stride + p.rows);
    // SAFETY: `out` holds every element the product writes (checked above).
    unsafe { gemm_into(p, out.as_mut_ptr(), out_stride) }
}

/// `gemm` into a raw output, so that threads can each fill their own columns of one buffer.
///
/// # Safety
/// `out[j * out_stride + i]` must be valid for writes for every i < rows, j < cols, and not written by
/// anyone else meanwhile.
pub unsafe fn gemm_into(p: &GemmInputs, out: *mut f32, out_stride: usize) {
    assert!(p.w.len() >= p.rows * p.row_bytes() && p.a.len() >= p.cols * p.nb);
    assert!(
        p.a.kind() == p.format.acts(),
        "{:?} needs {:?} activations",
        p.format,
        p.format.acts()
    );
    assert!(out_stride >= p.rows);
    // SAFETY: the caller vouches for `out`.
    unsafe { scalar::gemm(p, out, out_stride) }
}

/// Whether matrices are packed (`packed`) for this CPU: wherever the SIMD kernels run.
pub fn packs() -> bool {
    cfg!(target_arch = "x86_64") && isa() != Isa::Scalar
}

/// A product with a packed matrix: `rows` weight rows (from a tile boundary) in `tiles`, each `nb`
/// blocks of `format`, and `cols` activation rows of `nb` blocks in `a`.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
pub struct PackedInputs<'a> {
    pub format: Format,
    pub tiles: &'a [u8],
    pub rows: usize,
    pub a: Acts<'a>,
    pub cols: usize,
    pub nb: usize,
}

/// `gemm` for a packed matrix (`isa` must not be `Scalar`: `packs`).
#[cfg(target_arch = "x86_64")]
pub fn gemm_packed(isa: Isa, p: &PackedInputs, out: &mut [f32], out_stride: usize) {
    assert!(p.cols == 0 || p.rows == 0 || out.len() >= (p.cols - 1) * out_stride + p.rows);
    // SAFETY: `out` holds every element the product writes (checked above).
    unsafe { gemm_packed_into(isa, p, out.as_mut_ptr(), out_stride) }
}

/// `gemm_into` for a packed matrix.
///
/// # Safety
/// As `gemm_into`.
#[cfg(target_arch = "x86_64")]
pub unsafe fn gemm_packed_into(isa: Isa, p: &PackedInputs, out: *mut f32, out_stride: usize) {
    assert!(isa != Isa::Scalar && p.a.kind() == p.format.acts());
    assert!(p.tiles.len() >= packed::packed_len(p.format, p.rows, p.nb));
    assert!(p.a.len() >= p.cols * p.nb && out_stride >= p.rows);
    fn product<A>(p: &PackedInputs, a: &[A], out: *mut f32, out_stride: usize) -> x86::Packed<A> {
        x86::Packed {
            w: p.tiles.as_ptr(),
            rows: p.rows,
            a: a.as_ptr(),
            cols: p.cols,
            nb: p.nb,
            out,
            out_stride,
        }
    }
    // SAFETY: the CPU has the features (isa() checked them at run time); the asserts above keep the
    // tiles inside `tiles` and `a` (whose kind is the format's), the caller vouches for `out`.
    unsafe {
        match p.a {
            Acts::Blocks(a) => x86::gemm(isa, p.format, product(p, a, out, out_stride)),
            Acts::Supers(a) => x86::gemm_k(isa, p.format, product(p, a, out, out_stride)),
        }
    }
}
