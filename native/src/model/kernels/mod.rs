//! Our CPU kernels: products of GGUF block weights with int8 activation blocks (`gemm`), in SIMD
//! chosen at run time, and the f16 arithmetic of attention over the KV cache.
//!
//! - `cpu`: which kernel set this CPU runs (`isa()`).
//! - `scalar`: the reference product, for CPUs without AVX2 and as the tests' yardstick.
//! - `x86`: the AVX2 and AVX-512 VNNI products (one tiled kernel, built for each ISA).
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
mod scalar;
#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use act::quantize_activations;
pub use attention::{
    attend_group, attend_group_scalar, key_buffer_len, key_index, store_key, HeadGroup, KEY_BLOCK,
};
pub use cpu::{isa, Isa};
pub use f16::{axpy_f16, dot_f16, to_f16};

use super::quant::{ActBlock, Format};

/// The operands of one product: `rows` weight rows in `w` (each `nb` blocks of `format`) and `cols`
/// activation rows in `a` (each `nb` blocks). Either slice may be longer than that.
#[derive(Debug, Clone, Copy)]
pub struct GemmInputs<'a> {
    pub format: Format,
    pub w: &'a [u8],
    pub rows: usize,
    pub a: &'a [ActBlock],
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
/// `p`.
pub fn gemm(isa: Isa, p: &GemmInputs, out: &mut [f32], out_stride: usize) {
    assert!(p.cols == 0 || p.rows == 0 || out.len() >= (p.cols - 1) * out_stride + p.rows);
    // SAFETY: `out` holds every element the product writes (checked above).
    unsafe { gemm_into(isa, p, out.as_mut_ptr(), out_stride) }
}

/// `gemm` into a raw output, so that threads can each fill their own columns of one buffer.
///
/// # Safety
/// `out[j * out_stride + i]` must be valid for writes for every i < rows, j < cols, and not written by
/// anyone else meanwhile.
pub unsafe fn gemm_into(isa: Isa, p: &GemmInputs, out: *mut f32, out_stride: usize) {
    let row_bytes = p.row_bytes();
    assert!(p.w.len() >= p.rows * row_bytes && p.a.len() >= p.cols * p.nb);
    assert!(out_stride >= p.rows);
    #[cfg(target_arch = "x86_64")]
    if isa != Isa::Scalar {
        // SAFETY: the CPU has the features (isa() checked them at run time); the asserts above keep
        // the tiles inside `w` and `a`, the caller vouches for `out`.
        unsafe {
            x86::gemm(
                isa,
                p.format,
                x86::Product {
                    w: p.w.as_ptr(),
                    row_bytes,
                    rows: p.rows,
                    a: p.a.as_ptr(),
                    cols: p.cols,
                    nb: p.nb,
                    out,
                    out_stride,
                },
            )
        };
        return;
    }
    let _ = isa;
    // SAFETY: the caller vouches for `out`.
    unsafe { scalar::gemm(p, out, out_stride) }
}
