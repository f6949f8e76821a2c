//! The reference product: one row by one row with `dot_scalar`. It runs on CPUs without AVX2, and the
//! SIMD kernels are tested against it.

use super::GemmInputs;
use crate::model::quant::dot_scalar;

/// `gemm_into` without SIMD.
///
/// # Safety
/// As `gemm_into`: `out[j * out_stride + i]` valid for writes for every i < rows, j < cols, and not
/// written by anyone else meanwhile.
pub(super) unsafe fn gemm(p: &GemmInputs, out: *mut f32, out_stride: usize) {
    let (row_bytes, nb) = (p.row_bytes(), p.nb);
    for j in 0..p.cols {
        let act = &p.a[j * nb..(j + 1) * nb];
        for i in 0..p.rows {
            let v = dot_scalar(p.format, &p.w[i * row_bytes..(i + 1) * row_bytes], act);
            // SAFETY: the caller vouches for `out`.
            unsafe { *out.add(j * out_stride + i) = v };
        }
    }
}
