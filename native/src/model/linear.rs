//! A weight matrix and its product with a batch of activation rows, and which engine multiplies it
//! (`route`):
//! - x86-64: every quantized format of the verified list (Q4_0, Q4_1, Q5_0, Q8_0, Q4_K, Q5_K, Q6_K)
//!   runs on `kernels` (AVX-512 VNNI or AVX2, chosen at run time), repacked at load with 8 rows
//!   interleaved (`kernels::packed`: the same size, +2.8 % for Q4_K and Q5_K's scales); on CPUs
//!   without AVX2 the scalar kernel reads the file's bytes as they are;
//! - other targets (aarch64): the formats candle has NEON kernels for (Q4_0, Q8_0, Q4_K, Q5_K, Q6_K)
//!   go through candle's QMatMul, and only Q4_1 and Q5_0, which candle also multiplies in scalar
//!   code, take our scalar kernel (which follows llama.cpp's arithmetic);
//! - everywhere, F32, F16 and BF16 go through candle (its f32 matrix product; it expands f16 and
//!   bf16 to f32 at load).
//!
//! `Linear::row` (a token's embedding) dequantizes one row from the quantized bytes on every path
//! (packed: the row's blocks unpacked to the file's bytes first): no f32 copy of the table is made.

use candle_core::quantized::ggml_file::qtensor_from_ggml;
use candle_core::quantized::{GgmlDType, QMatMul};
use candle_core::{Device, IndexOp, Module, Tensor};

use super::kernels::{self, Acts};
use super::quant::{self, ActBlock, ActKind, ActSuper, Format, QK, QK_K};
use super::threads::{DisjointMut, Pool};
use crate::error::{EngineError, Result};

/// Which engine multiplies a matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Our kernels (`kernels`), on the file's bytes.
    Ours(Format),
    /// candle's QMatMul.
    Candle,
}

/// The engine for a matrix of GGUF type `dtype` on the target this is built for (module comment).
pub fn route(dtype: GgmlDType) -> Route {
    match Format::from_ggml(dtype) {
        Some(format) if ours_here(format) => Route::Ours(format),
        _ => Route::Candle,
    }
}

/// x86-64: our SIMD kernels for every format we know.
#[cfg(target_arch = "x86_64")]
fn ours_here(_: Format) -> bool {
    true
}

/// Elsewhere our kernels are scalar: candle takes the formats it has NEON kernels for
/// (candle-core 0.11 k_quants.rs: Q4_0, Q8_0 and the K-quants; Q4_1 and Q5_0 are scalar there too).
#[cfg(not(target_arch = "x86_64"))]
fn ours_here(format: Format) -> bool {
    matches!(format, Format::Q4_1 | Format::Q5_0)
}

enum Weights {
    /// The file's bytes, for `kernels::gemm`.
    Blocks { format: Format, bytes: Vec<u8> },
    /// Repacked for the SIMD kernels (`kernels::packed`).
    #[cfg(target_arch = "x86_64")]
    Packed { format: Format, tiles: Vec<u8> },
    /// candle's product, in row ranges that our pool runs in parallel: candle itself runs on one
    /// thread (its own pool busy-waits, and would fight ours for the cores).
    Candle(Vec<Part>),
}

struct Part {
    row0: usize,
    rows: usize,
    m: QMatMul,
}

pub struct Linear {
    /// Output features (weight rows).
    pub rows: usize,
    /// Input features.
    pub cols: usize,
    weights: Weights,
    bias: Option<Vec<f32>>,
}

/// Activation rows quantized once for every Linear that reads them (q/k/v share one, gate/up too),
/// in the kinds those Linears multiply (`ActBlock`s for the 32-element formats, `ActSuper`s for the
/// K-quants; candle's products take the f32 rows).
#[derive(Default)]
pub struct QuantizedRows {
    blocks: Vec<ActBlock>,
    supers: Vec<ActSuper>,
    /// Which of the two hold the current rows.
    has_blocks: bool,
    has_supers: bool,
    rows: usize,
    cols: usize,
}

impl QuantizedRows {
    /// Quantizes `x` (`rows` × `cols`) for the products of `by`.
    pub fn quantize(&mut self, x: &[f32], rows: usize, cols: usize, by: &[&Linear]) {
        self.rows = rows;
        self.cols = cols;
        let needs = |kind| by.iter().any(|l| l.acts() == Some(kind));
        self.has_blocks = needs(ActKind::Blocks) && cols.is_multiple_of(QK);
        self.has_supers = needs(ActKind::Supers) && cols.is_multiple_of(QK_K);
        if self.has_blocks {
            let nb = cols / QK;
            self.blocks.resize(rows * nb, ActBlock::default());
            for (xr, br) in x.chunks_exact(cols).zip(self.blocks.chunks_exact_mut(nb)) {
                quant::quantize_row(xr, br);
            }
        }
        if self.has_supers {
            let nb = cols / QK_K;
            self.supers.resize(rows * nb, ActSuper::default());
            for (xr, br) in x.chunks_exact(cols).zip(self.supers.chunks_exact_mut(nb)) {
                quant::quantize_row_k(xr, br);
            }
        }
    }

    /// The rows in `kind`, if they were quantized for it.
    fn acts(&self, kind: ActKind) -> Option<Acts<'_>> {
        match kind {
            ActKind::Blocks if self.has_blocks => Some(Acts::Blocks(&self.blocks)),
            ActKind::Supers if self.has_supers => Some(Acts::Supers(&self.supers)),
            _ => None,
        }
    }
}

impl Linear {
    /// A matrix from its GGUF type, shape (rows, cols) and bytes, for a pool of `threads`.
    pub fn new(
        dtype: GgmlDType,
        dims: &[usize],
        bytes: Vec<u8>,
        bias: Option<Vec<f32>>,
        name: &str,
        threads: usize,
    ) -> Result<Linear> {
        let &[rows, cols] = dims else {
            return Err(EngineError::Down(format!(
                "tensor {name} is not a matrix (shape {dims:?})"
            )));
        };
        if let Some(b) = &bias {
            if b.len() != rows {
                return Err(EngineError::Down(format!(
                    "tensor {name}: bias has {} values for {rows} rows",
                    b.len()
                )));
            }
        }
        let weights = match route(dtype) {
            Route::Ours(format) if cols.is_multiple_of(format.block_len()) => {
                if bytes.len() != rows * format.row_bytes(cols) {
                    return Err(EngineError::Down(format!(
                        "tensor {name} has {} bytes, expected {}",
                        bytes.len(),
                        rows * format.row_bytes(cols)
                    )));
                }
                #[cfg(target_arch = "x86_64")]
                if kernels::packs() {
                    let nb = cols / format.block_len();
                    let tiles = kernels::packed::pack(format, bytes, rows, nb);
                    return Ok(Linear {
                        rows,
                        cols,
                        weights: Weights::Packed { format, tiles },
                        bias,
                    });
                }
                Weights::Blocks { format, bytes }
            }
            _ => Weights::Candle(candle_parts(dtype, rows, cols, &bytes, threads, name)?),
        };
        Ok(Linear {
            rows,
            cols,
            weights,
            bias,
        })
    }

    /// The activation kind our kernels multiply this matrix with (None: candle, on f32 rows).
    pub fn acts(&self) -> Option<ActKind> {
        match &self.weights {
            Weights::Blocks { format, .. } => Some(format.acts()),
            #[cfg(target_arch = "x86_64")]
            Weights::Packed { format, .. } => Some(format.acts()),
            Weights::Candle(_) => None,
        }
    }

    /// Row `r` as f32 (a token's embedding, when this is the embedding table), dequantized from the
    /// matrix as it is stored: no f32 copy of the table.
    pub fn row(&self, r: usize, out: &mut [f32]) -> Result<()> {
        match &self.weights {
            Weights::Blocks { format, bytes } => {
                let rb = format.row_bytes(self.cols);
                quant::dequantize_row(*format, &bytes[r * rb..(r + 1) * rb], out);
                Ok(())
            }
            #[cfg(target_arch = "x86_64")]
            Weights::Packed { format, tiles } => {
                let nb = self.cols / format.block_len();
                let mut block = [0u8; 256];
                let block = &mut block[..format.block_bytes()];
                for (l, ys) in out
                    .chunks_exact_mut(format.block_len())
                    .enumerate()
                    .take(nb)
                {
                    kernels::packed::unpack_block(*format, tiles, nb, r, l, block);
                    quant::dequantize_row(*format, block, ys);
                }
                Ok(())
            }
            Weights::Candle(parts) => {
                let part = parts
                    .iter()
                    .find(|p| (p.row0..p.row0 + p.rows).contains(&r))
                    .ok_or_else(|| {
                        EngineError::ActionFailed(format!("row {r} of {} rows", self.rows))
                    })?;
                let local = r - part.row0;
                match &part.m {
                    QMatMul::QTensor(t) => {
                        let format = Format::from_ggml(t.dtype()).ok_or_else(|| {
                            EngineError::ActionFailed(format!("no row lookup for {:?}", t.dtype()))
                        })?;
                        let rb = format.row_bytes(self.cols);
                        let data = t.data()?;
                        let bytes = data.get(local * rb..(local + 1) * rb).ok_or_else(|| {
                            EngineError::ActionFailed(format!("row {r}: outside the tensor"))
                        })?;
                        quant::dequantize_row(format, bytes, out);
                    }
                    QMatMul::Tensor(w) | QMatMul::TensorF16(w) => {
                        let row = w
                            .i(local)?
                            .to_dtype(candle_core::DType::F32)?
                            .to_vec1::<f32>()?;
                        out.copy_from_slice(&row);
                    }
                }
                Ok(())
            }
        }
    }

    /// `out[t][rows] = x[t][cols] · Wᵀ (+ bias)` for the `x.rows` rows; `q` must hold `x` quantized.
    pub fn forward(
        &self,
        x: &[f32],
        q: &QuantizedRows,
        out: &mut [f32],
        pool: &Pool,
    ) -> Result<()> {
        let t = q.rows;
        debug_assert_eq!(q.cols, self.cols);
        debug_assert!(x.len() >= t * self.cols && out.len() >= t * self.rows);
        match &self.weights {
            Weights::Blocks { format, bytes } => {
                let nb = self.cols / format.block_len();
                let rb = format.row_bytes(self.cols);
                let acts = q.acts(format.acts()).ok_or_else(|| {
                    EngineError::ActionFailed(format!(
                        "matrix product: activations not quantized for {format:?}"
                    ))
                })?;
                // Chunks of weight rows claimed by the threads.
                let chunk = pool_chunk(self.rows, pool.threads());
                let tasks = self.rows.div_ceil(chunk);
                let out_ptr = DisjointMut::new(out);
                let rows = self.rows;
                if out.len() < t * rows || acts.len() < t * nb {
                    return Err(EngineError::ActionFailed(format!(
                        "matrix product with {t} rows: buffers too small"
                    )));
                }
                let body = |task: usize| {
                    let r0 = task * chunk;
                    let r1 = (r0 + chunk).min(rows);
                    // SAFETY: `out` holds t·rows values (checked above) and each task writes only
                    // columns r0..r1 of each output row, which no other task touches.
                    unsafe {
                        let p = kernels::GemmInputs {
                            format: *format,
                            w: &bytes[r0 * rb..r1 * rb],
                            rows: r1 - r0,
                            a: acts,
                            cols: t,
                            nb,
                        };
                        kernels::gemm_into(&p, out_ptr.ptr().add(r0), rows)
                    };
                };
                pool.run(tasks, &body);
            }
            #[cfg(target_arch = "x86_64")]
            Weights::Packed { format, tiles } => {
                let nb = self.cols / format.block_len();
                let acts = q.acts(format.acts()).ok_or_else(|| {
                    EngineError::ActionFailed(format!(
                        "matrix product: activations not quantized for {format:?}"
                    ))
                })?;
                let tile_bytes = nb * kernels::packed::layout(*format).bytes;
                // Chunks of weight rows (a multiple of the 8-row tile) claimed by the threads.
                let chunk = pool_chunk(self.rows, pool.threads());
                let tasks = self.rows.div_ceil(chunk);
                let isa = kernels::isa();
                let out_ptr = DisjointMut::new(out);
                let rows = self.rows;
                if out.len() < t * rows || acts.len() < t * nb {
                    return Err(EngineError::ActionFailed(format!(
                        "matrix product with {t} rows: buffers too small"
                    )));
                }
                let per_tile = kernels::packed::ROWS;
                let body = |task: usize| {
                    let r0 = task * chunk;
                    let r1 = (r0 + chunk).min(rows);
                    let tiles =
                        &tiles[r0 / per_tile * tile_bytes..r1.div_ceil(per_tile) * tile_bytes];
                    // SAFETY: `out` holds t·rows values (checked above) and each task writes only
                    // columns r0..r1 of each output row, which no other task touches.
                    unsafe {
                        let p = kernels::PackedInputs {
                            format: *format,
                            tiles,
                            rows: r1 - r0,
                            a: acts,
                            cols: t,
                            nb,
                        };
                        kernels::gemm_packed_into(isa, &p, out_ptr.ptr().add(r0), rows)
                    };
                };
                pool.run(tasks, &body);
            }
            Weights::Candle(parts) => {
                let xt = Tensor::from_slice(&x[..t * self.cols], (t, self.cols), &Device::Cpu)?;
                if out.len() < t * self.rows {
                    return Err(EngineError::ActionFailed(format!(
                        "matrix product with {t} rows: buffers too small"
                    )));
                }
                let rows = self.rows;
                let out_parts = DisjointMut::new(out);
                let failure = std::sync::Mutex::new(None);
                pool.run(parts.len(), &|i| {
                    let p = &parts[i];
                    let y =
                        p.m.forward(&xt)
                            .and_then(|y| y.flatten_all()?.to_vec1::<f32>());
                    match y {
                        Ok(y) => {
                            for (j, row) in y.chunks_exact(p.rows).enumerate() {
                                // SAFETY: part i writes only its columns row0..row0+rows of each
                                // output row, inside `out` (checked above).
                                unsafe { out_parts.part(j * rows + p.row0, p.rows) }
                                    .copy_from_slice(row);
                            }
                        }
                        Err(e) => {
                            *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                        }
                    }
                });
                if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
                    return Err(e.into());
                }
            }
        }
        if let Some(b) = &self.bias {
            for row in out[..t * self.rows].chunks_exact_mut(self.rows) {
                for (y, b) in row.iter_mut().zip(b) {
                    *y += b;
                }
            }
        }
        Ok(())
    }
}

/// A matrix in a format without our kernels, as candle products over row ranges (one per pool task;
/// multiples of 16 rows, which candle's repacked AVX-512 kernels need).
fn candle_parts(
    dtype: GgmlDType,
    rows: usize,
    cols: usize,
    bytes: &[u8],
    threads: usize,
    name: &str,
) -> Result<Vec<Part>> {
    let block = dtype.block_size();
    if !cols.is_multiple_of(block) || bytes.len() != rows * cols / block * dtype.type_size() {
        return Err(EngineError::Down(format!(
            "tensor {name} has {} bytes for {rows}x{cols} {dtype:?}",
            bytes.len()
        )));
    }
    let row_bytes = cols / block * dtype.type_size();
    let per_part = if threads <= 1 {
        rows
    } else {
        // One part per thread: each part quantizes the whole input again (candle's Q8_K, scalar).
        rows.div_ceil(threads).div_ceil(16) * 16
    };
    let mut parts = Vec::new();
    let mut row0 = 0;
    while row0 < rows {
        let n = per_part.min(rows - row0);
        let t = qtensor_from_ggml(
            dtype,
            &bytes[row0 * row_bytes..(row0 + n) * row_bytes],
            vec![n, cols],
            &Device::Cpu,
        )?;
        parts.push(Part {
            row0,
            rows: n,
            m: QMatMul::from_qtensor(t)?,
        });
        row0 += n;
    }
    Ok(parts)
}

/// Rows per task: about 4 tasks per thread so a slow thread's share is picked up by the others, never
/// fewer than 16 rows (a task must be worth its claim), always a multiple of the tiles (4 rows, 8 for
/// the packed K-quants).
fn pool_chunk(rows: usize, threads: usize) -> usize {
    if threads <= 1 {
        return rows.max(1);
    }
    let chunk = rows.div_ceil(threads * 4).max(16);
    chunk.div_ceil(8) * 8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kernels::tests::pseudo;
    use candle_core::quantized::QTensor;
    use GgmlDType::*;

    /// Which engine multiplies each weight type, per target: on x86-64 every quantized format runs
    /// on our kernels; elsewhere (aarch64) candle takes the formats it has NEON kernels for, and only
    /// Q4_1 and Q5_0 (scalar in candle too) stay on our scalar kernel. F32, F16 and BF16 are candle's
    /// everywhere. This runs on x86 here and on arm64 in the release CI.
    #[test]
    fn each_weight_type_takes_its_documented_path() {
        let table = [
            // (type, x86-64, other targets)
            (Q4_0, Route::Ours(Format::Q4_0), Route::Candle),
            (Q4_1, Route::Ours(Format::Q4_1), Route::Ours(Format::Q4_1)),
            (Q5_0, Route::Ours(Format::Q5_0), Route::Ours(Format::Q5_0)),
            (Q8_0, Route::Ours(Format::Q8_0), Route::Candle),
            (Q4K, Route::Ours(Format::Q4K), Route::Candle),
            (Q5K, Route::Ours(Format::Q5K), Route::Candle),
            (Q6K, Route::Ours(Format::Q6K), Route::Candle),
            (F32, Route::Candle, Route::Candle),
            (F16, Route::Candle, Route::Candle),
            (BF16, Route::Candle, Route::Candle),
        ];
        for (dtype, x86, other) in table {
            let want = if cfg!(target_arch = "x86_64") {
                x86
            } else {
                other
            };
            assert_eq!(route(dtype), want, "{dtype:?}");
        }
    }

    /// Every weight type, whichever engine takes it on this target, multiplies like the f32 matrix
    /// candle dequantizes from the same bytes and looks up the same rows: 1 and 5 activation rows,
    /// weight rows not a multiple of the tile, 1 and 2 threads.
    #[test]
    fn every_weight_type_multiplies_and_looks_up_rows() -> Result<()> {
        let (rows, cols) = (37, 512);
        for dtype in [Q4_0, Q4_1, Q5_0, Q8_0, Q4K, Q5K, Q6K, F32, F16, BF16] {
            let wf = Tensor::from_vec(pseudo(rows * cols, 3), (rows, cols), &Device::Cpu)?;
            let qt = QTensor::quantize(&wf, dtype)?;
            let bytes = qt.data()?.into_owned();
            let deq: Vec<f32> = qt.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1()?;
            for threads in [1, 2] {
                let pool = Pool::new(threads);
                let lin = Linear::new(dtype, &[rows, cols], bytes.clone(), None, "w", threads)?;
                let mut row = vec![0f32; cols];
                for r in [0, 17, rows - 1] {
                    lin.row(r, &mut row)?;
                    assert_eq!(row, deq[r * cols..(r + 1) * cols], "{dtype:?} row {r}");
                }
                for t in [1, 5] {
                    let x = pseudo(t * cols, 4 + t as u32);
                    let mut q = QuantizedRows::default();
                    q.quantize(&x, t, cols, &[&lin]);
                    let mut out = vec![f32::NAN; t * rows];
                    lin.forward(&x, &q, &mut out, &pool)?;
                    for j in 0..t {
                        for i in 0..rows {
                            let pairs = deq[i * cols..(i + 1) * cols]
                                .iter()
                                .zip(&x[j * cols..(j + 1) * cols]);
                            let exact: f32 = pairs.clone().map(|(w, x)| w * x).sum();
                            let magnitude: f32 = pairs.map(|(w, x)| (w * x).abs()).sum();
                            let got = out[j * rows + i];
                            assert!(
                                (got - exact).abs() < 0.01 * magnitude + 1e-3,
                                "{dtype:?} {threads} threads, {t} rows: {got} vs {exact}"
                            );
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
