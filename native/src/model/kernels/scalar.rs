//! The reference product: one row by one row with `dot_scalar` (`dot_scalar_k` for the K-quants).
//! It runs on x86 CPUs without AVX2 and, elsewhere, for the formats candle has no SIMD kernel for;
//! the SIMD kernels are tested against it.

use super::{Acts, GemmInputs};
use crate::model::quant::{dot_scalar, dot_scalar_k};

/// `gemm_into` without SIMD.
///
/// # Safety
/// As `gemm_into`: `out[j * out_stride + i]` valid for writes for every i < rows, j < cols, and not
/// written by anyone else meanwhile.
pub(super) unsafe fn gemm(p: &GemmInputs, out: *mut f32, out_stride: usize) {
    let (row_bytes, nb) = (p.row_bytes(), p.nb);
    for j in 0..p.cols {
        for i in 0..p.rows {
            let w = &p.w[i * row_bytes..(i + 1) * row_bytes];
            let v = match p.a {
                Acts::Blocks(a) => dot_scalar(p.format, w, &a[j * nb..(j + 1) * nb]),
                Acts::Supers(a) => dot_scalar_k(p.format, w, &a[j * nb..(j + 1) * nb]),
            };
            // SAFETY: the caller vouches for `out`.
            unsafe { *out.add(j * out_stride + i) = v };
        }
    }
}
