//! A weight matrix and its product with a batch of activation rows. Formats our kernels know (Q4_0,
//! Q4_1, Q5_0, Q8_0) keep their GGUF bytes as they are in the file and run on `kernels`; the others
//! (K-quants, f16, f32) go through candle's QMatMul.

use candle_core::quantized::ggml_file::qtensor_from_ggml;
use candle_core::quantized::{GgmlDType, QMatMul};
use candle_core::{Device, Module, Tensor};

use super::kernels;
use super::quant::{self, ActBlock, Format, QK};
use super::threads::{DisjointMut, Pool};
use crate::error::{EngineError, Result};

enum Weights {
    Blocks {
        format: Format,
        bytes: Vec<u8>,
    },
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
    /// f32 copy for `row()` on the candle path, made on first use.
    dense: std::sync::OnceLock<Vec<f32>>,
}

/// Activation rows quantized once for every Linear that reads them (q/k/v share one, gate/up too).
#[derive(Default)]
pub struct QuantizedRows {
    blocks: Vec<ActBlock>,
    rows: usize,
    cols: usize,
}

impl QuantizedRows {
    pub fn quantize(&mut self, x: &[f32], rows: usize, cols: usize) {
        self.rows = rows;
        self.cols = cols;
        if !cols.is_multiple_of(QK) {
            self.blocks.clear(); // such rows only reach the candle path, which takes f32
            return;
        }
        let nb = cols / QK;
        self.blocks.resize(rows * nb, ActBlock::default());
        for (xr, br) in x.chunks_exact(cols).zip(self.blocks.chunks_exact_mut(nb)) {
            quant::quantize_row(xr, br);
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
        let weights = match Format::from_ggml(dtype) {
            Some(format) if cols.is_multiple_of(QK) => {
                if bytes.len() != rows * cols / QK * format.block_bytes() {
                    return Err(EngineError::Down(format!(
                        "tensor {name} has {} bytes, expected {}",
                        bytes.len(),
                        rows * cols / QK * format.block_bytes()
                    )));
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
            dense: std::sync::OnceLock::new(),
        })
    }

    /// Row `r` as f32 (a token's embedding, when this is the embedding table).
    pub fn row(&self, r: usize, out: &mut [f32]) -> Result<()> {
        match &self.weights {
            Weights::Blocks { format, bytes } => {
                let rb = self.cols / QK * format.block_bytes();
                quant::dequantize_row(*format, &bytes[r * rb..(r + 1) * rb], out);
                Ok(())
            }
            Weights::Candle(parts) => {
                // Rare (an embedding table in a format without our kernels): keep an f32 copy.
                let table = match self.dense.get() {
                    Some(t) => t,
                    None => {
                        let mut v = Vec::with_capacity(self.rows * self.cols);
                        for p in parts {
                            let w = match &p.m {
                                QMatMul::QTensor(t) => t.dequantize(&Device::Cpu)?,
                                QMatMul::Tensor(w) | QMatMul::TensorF16(w) => w.clone(),
                            };
                            v.extend(
                                w.to_dtype(candle_core::DType::F32)?
                                    .flatten_all()?
                                    .to_vec1::<f32>()?,
                            );
                        }
                        self.dense.get_or_init(|| v)
                    }
                };
                out.copy_from_slice(&table[r * self.cols..(r + 1) * self.cols]);
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
                let nb = self.cols / QK;
                let rb = nb * format.block_bytes();
                // Chunks of weight rows (a multiple of the 4-row tile) claimed by the threads.
                let chunk = pool_chunk(self.rows, pool.threads());
                let tasks = self.rows.div_ceil(chunk);
                let isa = kernels::isa();
                let out_ptr = DisjointMut::new(out);
                let rows = self.rows;
                if out.len() < t * rows || q.blocks.len() < t * nb {
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
                            a: &q.blocks,
                            cols: t,
                            nb,
                        };
                        kernels::gemm_into(isa, &p, out_ptr.ptr().add(r0), rows)
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
/// fewer than 16 rows (a task must be worth its claim), always a multiple of the 4-row tile.
fn pool_chunk(rows: usize, threads: usize) -> usize {
    if threads <= 1 {
        return rows.max(1);
    }
    let chunk = rows.div_ceil(threads * 4).max(16);
    chunk.div_ceil(4) * 4
}
