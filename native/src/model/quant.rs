//! GGUF's block formats that our own kernels run on, and the int8 activation blocks they multiply
//! with: the 32-element formats Q4_0, Q4_1, Q5_0, Q8_0 (the bulk of SmolLM2, Qwen2.5 and Gemma-3
//! files) and the 256-element K-quants Q4_K, Q5_K, Q6_K (the "_M" files' ffn_down, attn_output,
//! attn_v). On x86-64 every matrix in these formats runs on our SIMD kernels, repacked at load
//! (`kernels::packed`), or on the scalar reference below on the file's layout; elsewhere `linear`
//! sends the ones candle has NEON kernels for to candle.
//!
//! Layouts (ggml-common.h; little-endian, f16 scales, only 2-byte aligned):
//! - Q4_0 `d, qs[16]` = d·(q−8); Q4_1 `d, m, qs[16]` = d·q + m; Q5_0 `d, qh[4], qs[16]` = d·(q5−16);
//!   Q8_0 `d, qs[32]` = d·q. Byte j of `qs` holds element j (low nibble) and j+16 (high nibble); the
//!   5th bit of element j is bit j of `qh`.
//! - Q4_K `d, dmin, scales[12], qs[128]` (144 bytes) and Q5_K `d, dmin, scales[12], qh[32], qs[128]`
//!   (176): 8 sub-blocks of 32, each with a 6-bit scale sc and min m packed in `scales`; element l
//!   of sub-block s = d·sc_s·q − dmin·m_s. Its 4 low bits are in byte 32·(s/2) + l of `qs` (low
//!   nibble for even s, high for odd); Q5_K's 5th bit is bit s of `qh[l]`.
//! - Q6_K `ql[128], qh[64], scales[16] (i8), d` (210 bytes, d last): element = d·sc·(q6 − 32) with
//!   one scale per 16 elements. Half n (128 elements) uses `ql[64n..]`, `qh[32n..]`, `scales[8n..]`;
//!   element l of its sub-block s (0..4) has 4 low bits in `ql[64n + 32·(s&1) + l]` (low nibble for
//!   s < 2, high otherwise), 2 high bits at bits 2s, 2s+1 of `qh[32n + l]`, and scale
//!   `scales[8n + 2s + l/16]`.
//!
//! Activations: rows multiplied by the 32-element formats are quantized like ggml's Q8_0 (`ActBlock`,
//! per 32 with an f16 scale); rows multiplied by the K-quants like ggml's Q8_K (`ActSuper`, per 256
//! with an f32 scale and the sums of each 16), as llama.cpp does, so that our integer sums are
//! exactly llama.cpp's.

use candle_core::quantized::GgmlDType;

/// Elements per block of the 32-element formats (and per `ActBlock`).
pub const QK: usize = 32;
/// Elements per super-block of the K-quants (and per `ActSuper`).
pub const QK_K: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Q4_0,
    Q4_1,
    Q5_0,
    Q8_0,
    Q4K,
    Q5K,
    Q6K,
}

/// How a format's activation rows are quantized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActKind {
    /// `ActBlock`s (ggml's Q8_0/Q8_1): the 32-element formats.
    Blocks,
    /// `ActSuper`s (ggml's Q8_K): the K-quants.
    Supers,
}

impl Format {
    pub fn from_ggml(t: GgmlDType) -> Option<Format> {
        match t {
            GgmlDType::Q4_0 => Some(Format::Q4_0),
            GgmlDType::Q4_1 => Some(Format::Q4_1),
            GgmlDType::Q5_0 => Some(Format::Q5_0),
            GgmlDType::Q8_0 => Some(Format::Q8_0),
            GgmlDType::Q4K => Some(Format::Q4K),
            GgmlDType::Q5K => Some(Format::Q5K),
            GgmlDType::Q6K => Some(Format::Q6K),
            _ => None,
        }
    }

    /// Bytes of one block (super-block for the K-quants).
    pub const fn block_bytes(self) -> usize {
        match self {
            Format::Q4_0 => 18,
            Format::Q4_1 => 20,
            Format::Q5_0 => 22,
            Format::Q8_0 => 34,
            Format::Q4K => 144,
            Format::Q5K => 176,
            Format::Q6K => 210,
        }
    }

    /// Elements of one block.
    pub const fn block_len(self) -> usize {
        match self.acts() {
            ActKind::Blocks => QK,
            ActKind::Supers => QK_K,
        }
    }

    pub const fn acts(self) -> ActKind {
        match self {
            Format::Q4_0 | Format::Q4_1 | Format::Q5_0 | Format::Q8_0 => ActKind::Blocks,
            Format::Q4K | Format::Q5K | Format::Q6K => ActKind::Supers,
        }
    }

    /// Bytes of a row of `cols` elements (a multiple of `block_len`).
    pub const fn row_bytes(self, cols: usize) -> usize {
        cols / self.block_len() * self.block_bytes()
    }
}

/// One block of a quantized activation row: x ≈ d·qs. `sum` = Σqs lets the kernels add the offset of
/// unsigned weight codes (Q4_0, Q5_0) to the integer dot product once per block; `s` is d·Σqs rounded
/// to f16, as in ggml's Q8_1 blocks, which is what Q4_1's minimum multiplies in llama.cpp (this model
/// family is sensitive enough to such roundings that we follow llama.cpp's arithmetic exactly).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ActBlock {
    pub qs: [i8; QK],
    pub d: f32,
    pub s: f32,
    pub sum: i32,
}

/// 256 activations quantized as ggml's Q8_K (what llama.cpp multiplies the K-quants with): x ≈ d·qs
/// with one f32 scale, and `bsums[h]` = Σ qs[16h..16h+16] for the K-quants' minimums and offsets.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ActSuper {
    pub qs: [i8; QK_K],
    pub bsums: [i16; QK_K / 16],
    pub d: f32,
}

impl Default for ActSuper {
    fn default() -> Self {
        ActSuper {
            qs: [0; QK_K],
            bsums: [0; QK_K / 16],
            d: 0.0,
        }
    }
}

#[inline]
pub fn f16_to_f32(bits: u16) -> f32 {
    half::f16::from_bits(bits).to_f32()
}

#[inline]
fn read_f16(b: &[u8], at: usize) -> f32 {
    f16_to_f32(u16::from_le_bytes([b[at], b[at + 1]]))
}

/// Quantizes `x` (a multiple of 32 long) into int8 blocks as ggml's quantize_row_q8_0 does on x86:
/// d = max|x|/127 rounded to f16, q = round-half-even(x·127/max|x|). In SIMD where the CPU has it
/// (`kernels::quantize_activations`), bit for bit the same as `quantize_row_scalar`.
pub fn quantize_row(x: &[f32], out: &mut [ActBlock]) {
    debug_assert_eq!(x.len(), out.len() * QK);
    super::kernels::quantize_activations(super::kernels::isa(), x, out);
}

/// `quantize_row` in plain scalar code: the reference, and the fallback on CPUs without AVX2.
pub fn quantize_row_scalar(x: &[f32], out: &mut [ActBlock]) {
    debug_assert_eq!(x.len(), out.len() * QK);
    for (block, xs) in out.iter_mut().zip(x.chunks_exact(QK)) {
        let amax = xs.iter().fold(0f32, |m, v| m.max(v.abs()));
        let d = half::f16::from_f32(amax / 127.0).to_f32();
        let id = if amax != 0.0 { 127.0 / amax } else { 0.0 };
        let mut sum = 0i32;
        for (q, &v) in block.qs.iter_mut().zip(xs) {
            // round_ties_even matches _mm256_cvtps_epi32 under the default rounding mode.
            let r = (v * id).round_ties_even().clamp(-127.0, 127.0) as i8;
            *q = r;
            sum += r as i32;
        }
        block.d = d;
        block.sum = sum;
        block.s = half::f16::from_f32(d * sum as f32).to_f32();
    }
}

/// Quantizes `x` (a multiple of 256 long) as ggml's quantize_row_q8_K_ref (which llama.cpp runs on
/// x86): the value of largest magnitude `max` (the first one) sets iscale = −127/max, q =
/// round-half-even(x·iscale) (so `max` itself becomes −127), d = 1/iscale in f32.
pub fn quantize_row_k(x: &[f32], out: &mut [ActSuper]) {
    debug_assert_eq!(x.len(), out.len() * QK_K);
    for (block, xs) in out.iter_mut().zip(x.chunks_exact(QK_K)) {
        // Two passes that vectorize: the largest magnitude, then the first value that has it.
        let amax = xs.iter().fold(0f32, |m, v| m.max(v.abs()));
        let max = xs.iter().copied().find(|v| v.abs() == amax).unwrap_or(0.0);
        if amax == 0.0 {
            *block = ActSuper::default();
            continue;
        }
        let iscale = -127.0 / max;
        for (q, &v) in block.qs.iter_mut().zip(xs) {
            *q = (iscale * v).round_ties_even().clamp(-128.0, 127.0) as i8;
        }
        for (s, qs) in block.bsums.iter_mut().zip(block.qs.chunks_exact(16)) {
            *s = qs.iter().map(|&q| q as i16).sum();
        }
        block.d = 1.0 / iscale;
    }
}

/// The 6-bit scales and mins of a Q4_K/Q5_K super-block (its 12 `scales` bytes) as 8 bytes each,
/// sub-block s in byte s: sub-blocks 0..4 are the low 6 bits of bytes 0..4 (scales) and 4..8 (mins);
/// sub-blocks 4..8 take their low 4 bits from the nibbles of bytes 8..12 and their top 2 bits from
/// the top bits of bytes 0..4 (scales) and 4..8 (mins). Three 32-bit words do all four sub-blocks
/// of each half at once.
#[inline(always)]
pub fn k_scales(b: [u8; 12]) -> (u64, u64) {
    let w = |i: usize| u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
    let (w0, w1, w2) = (w(0), w(1), w(2));
    const LOW6: u32 = 0x3f3f_3f3f;
    const LOW4: u32 = 0x0f0f_0f0f;
    const TOP2: u32 = 0x0303_0303;
    let sc = (w0 & LOW6) as u64 | (((w2 & LOW4) | (((w0 >> 6) & TOP2) << 4)) as u64) << 32;
    let m = (w1 & LOW6) as u64 | ((((w2 >> 4) & LOW4) | (((w1 >> 6) & TOP2) << 4)) as u64) << 32;
    (sc, m)
}

/// The 12 `scales` bytes of the K-quant super-block `b` (Q4_K, Q5_K).
#[inline(always)]
fn scale_bytes(b: &[u8]) -> [u8; 12] {
    let mut s = [0u8; 12];
    s.copy_from_slice(&b[4..16]);
    s
}

/// The integer codes of a K-quant super-block, element by element, with Q4_K/Q5_K's (sc, m) or
/// Q6_K's scale of each element's group: what the scalar reference and the dequantization share.
fn k_codes(format: Format, b: &[u8], codes: &mut [i32; QK_K]) {
    match format {
        Format::Q4K | Format::Q5K => {
            let (qh, qs) = match format {
                Format::Q5K => (Some(&b[16..48]), &b[48..176]),
                _ => (None, &b[16..144]),
            };
            for s in 0..8 {
                for l in 0..32 {
                    let byte = qs[32 * (s / 2) + l];
                    let low = if s % 2 == 0 { byte & 0x0f } else { byte >> 4 };
                    let high = qh.map_or(0, |h| ((h[l] >> s) & 1) << 4);
                    codes[32 * s + l] = (low | high) as i32;
                }
            }
        }
        _ => {
            // Q6_K: codes − 32.
            for n in 0..2 {
                let (ql, qh) = (&b[64 * n..64 * n + 64], &b[128 + 32 * n..160 + 32 * n]);
                for s in 0..4 {
                    for l in 0..32 {
                        let byte = ql[32 * (s & 1) + l];
                        let low = if s < 2 { byte & 0x0f } else { byte >> 4 };
                        let high = ((qh[l] >> (2 * s)) & 3) << 4;
                        codes[128 * n + 32 * s + l] = (low | high) as i32 - 32;
                    }
                }
            }
        }
    }
}

/// Dequantizes one row of `n` elements (e.g. a token's embedding), with ggml's arithmetic.
pub fn dequantize_row(format: Format, bytes: &[u8], out: &mut [f32]) {
    if format.acts() == ActKind::Supers {
        let mut codes = [0i32; QK_K];
        for (b, ys) in bytes
            .chunks_exact(format.block_bytes())
            .zip(out.chunks_exact_mut(QK_K))
        {
            k_codes(format, b, &mut codes);
            if format == Format::Q6K {
                let d = read_f16(b, 208);
                for (h, (ys, cs)) in ys
                    .chunks_exact_mut(16)
                    .zip(codes.chunks_exact(16))
                    .enumerate()
                {
                    // Group h: half h/8, its scales[2s + l/16] in order.
                    let sc = b[192 + h] as i8 as f32;
                    for (y, &c) in ys.iter_mut().zip(cs) {
                        *y = d * sc * c as f32;
                    }
                }
            } else {
                let (d, dmin) = (read_f16(b, 0), read_f16(b, 2));
                let (sc, m) = k_scales(scale_bytes(b));
                for (s, (ys, cs)) in ys
                    .chunks_exact_mut(32)
                    .zip(codes.chunks_exact(32))
                    .enumerate()
                {
                    let d1 = d * ((sc >> (8 * s)) & 0xff) as f32;
                    let m1 = dmin * ((m >> (8 * s)) & 0xff) as f32;
                    for (y, &c) in ys.iter_mut().zip(cs) {
                        *y = d1 * c as f32 - m1;
                    }
                }
            }
        }
        return;
    }
    let bb = format.block_bytes();
    for (b, ys) in bytes.chunks_exact(bb).zip(out.chunks_exact_mut(QK)) {
        let d = read_f16(b, 0);
        match format {
            Format::Q4_0 | Format::Q4_1 => {
                let (m, qs, off) = match format {
                    Format::Q4_1 => (read_f16(b, 2), &b[4..20], 0.0),
                    _ => (0.0, &b[2..18], -8.0),
                };
                for j in 0..16 {
                    ys[j] = d * ((qs[j] & 0x0f) as f32 + off) + m;
                    ys[j + 16] = d * ((qs[j] >> 4) as f32 + off) + m;
                }
            }
            Format::Q5_0 => {
                let qh = u32::from_le_bytes([b[2], b[3], b[4], b[5]]);
                let qs = &b[6..22];
                for j in 0..16 {
                    let lo = (qs[j] & 0x0f) | ((((qh >> j) & 1) as u8) << 4);
                    let hi = (qs[j] >> 4) | ((((qh >> (j + 16)) & 1) as u8) << 4);
                    ys[j] = d * (lo as f32 - 16.0);
                    ys[j + 16] = d * (hi as f32 - 16.0);
                }
            }
            _ => {
                for (y, &q) in ys.iter_mut().zip(&b[2..34]) {
                    *y = d * (q as i8) as f32;
                }
            }
        }
    }
}

/// The reference dot product of a weight row and an activation row, in plain scalar code: what the
/// SIMD kernels must reproduce (tests, and the fallback on CPUs without AVX2). 32-element formats.
pub fn dot_scalar(format: Format, w: &[u8], a: &[ActBlock]) -> f32 {
    let bb = format.block_bytes();
    let mut sum = 0f32;
    for (b, ab) in w.chunks_exact(bb).zip(a) {
        // Integer dot of the raw weight codes with the activation, then scale and offset, as the
        // kernels do (so rounding differs only in summation order).
        let d = read_f16(b, 0);
        let (codes, offset, min): ([i32; QK], i32, f32) = match format {
            Format::Q8_0 => {
                let mut c = [0i32; QK];
                for (c, &q) in c.iter_mut().zip(&b[2..34]) {
                    *c = q as i8 as i32;
                }
                (c, 0, 0.0)
            }
            _ => {
                let (qs, high, offset, min) = match format {
                    Format::Q4_0 => (&b[2..18], 0u32, -8, 0.0),
                    Format::Q4_1 => (&b[4..20], 0, 0, read_f16(b, 2)),
                    _ => (
                        &b[6..22],
                        u32::from_le_bytes([b[2], b[3], b[4], b[5]]),
                        -16,
                        0.0,
                    ),
                };
                let mut c = [0i32; QK];
                for j in 0..16 {
                    c[j] = (qs[j] & 0x0f) as i32 | ((((high >> j) & 1) << 4) as i32);
                    c[j + 16] = (qs[j] >> 4) as i32 | ((((high >> (j + 16)) & 1) << 4) as i32);
                }
                (c, offset, min)
            }
        };
        // Σ(code + offset)·q exactly in integers, as ggml does for Q4_0 and Q5_0; Q4_1's minimum
        // multiplies the f16-rounded d·Σq.
        let idot: i32 = codes
            .iter()
            .zip(&ab.qs)
            .map(|(&c, &q)| c * q as i32)
            .sum::<i32>()
            + offset * ab.sum;
        sum += d * ab.d * idot as f32 + min * ab.s;
    }
    sum
}

/// `dot_scalar` for the K-quants, as llama.cpp computes them: per super-block the integer
/// Σ_s sc_s·Σ(q·a) (Q6_K: per 16, codes − 32) times d·d_a, minus dmin·d_a times the integer
/// Σ_s m_s·Σa (Q4_K, Q5_K).
pub fn dot_scalar_k(format: Format, w: &[u8], a: &[ActSuper]) -> f32 {
    let mut sum = 0f32;
    let mut codes = [0i32; QK_K];
    for (b, ab) in w.chunks_exact(format.block_bytes()).zip(a) {
        k_codes(format, b, &mut codes);
        let dots = codes
            .chunks_exact(16)
            .zip(ab.qs.chunks_exact(16))
            .map(|(c, q)| c.iter().zip(q).map(|(&c, &q)| c * q as i32).sum::<i32>());
        if format == Format::Q6K {
            let isum: i32 = dots
                .enumerate()
                .map(|(h, dot)| b[192 + h] as i8 as i32 * dot)
                .sum();
            sum += read_f16(b, 208) * ab.d * isum as f32;
        } else {
            let (sc, m) = k_scales(scale_bytes(b));
            let byte = |v: u64, s: usize| ((v >> (8 * s)) & 0xff) as i32;
            let isum: i32 = dots.enumerate().map(|(h, dot)| byte(sc, h / 2) * dot).sum();
            let msum: i32 = (0..8)
                .map(|s| byte(m, s) * (ab.bsums[2 * s] as i32 + ab.bsums[2 * s + 1] as i32))
                .sum();
            sum += read_f16(b, 0) * ab.d * isum as f32 - read_f16(b, 2) * ab.d * msum as f32;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantized_activations_round_trip_within_half_a_step() {
        let x: Vec<f32> = (0..64).map(|i| ((i as f32) * 0.77).sin() * 3.0).collect();
        let mut q = vec![ActBlock::default(); 2];
        quantize_row(&x, &mut q);
        for (b, xs) in q.iter().zip(x.chunks(QK)) {
            let sum: i32 = b.qs.iter().map(|&v| v as i32).sum();
            assert_eq!(b.sum, sum);
            assert!((b.s - b.d * sum as f32).abs() <= 1e-3 * b.s.abs() + 1e-6);
            for (&v, &orig) in b.qs.iter().zip(xs) {
                assert!((v as f32 * b.d - orig).abs() <= b.d * 0.51 + 1e-3);
            }
        }
    }

    /// `k_scales` against the layout spelled out byte by byte (ggml's get_scale_min_k4).
    #[test]
    fn k_scales_unpack_every_6_bit_pattern() {
        for seed in 0u32..64 {
            let mut b = [0u8; 12];
            for (i, v) in b.iter_mut().enumerate() {
                *v = (seed.wrapping_mul(2654435761).rotate_left(i as u32 * 5) >> 7) as u8
                    ^ (i as u8 * 37);
            }
            let (sc, m) = k_scales(b);
            for j in 0..8 {
                let (want_sc, want_m) = if j < 4 {
                    (b[j] & 63, b[j + 4] & 63)
                } else {
                    (
                        (b[j + 4] & 0x0f) | ((b[j - 4] >> 6) << 4),
                        (b[j + 4] >> 4) | ((b[j] >> 6) << 4),
                    )
                };
                assert_eq!(((sc >> (8 * j)) & 0xff) as u8, want_sc, "{b:?} scale {j}");
                assert_eq!(((m >> (8 * j)) & 0xff) as u8, want_m, "{b:?} min {j}");
            }
        }
    }

    #[test]
    fn q8_k_activations_follow_ggml() {
        let mut x: Vec<f32> = (0..512).map(|i| ((i as f32) * 0.31).cos() * 2.0).collect();
        x[300] = -7.5; // the largest magnitude of the second block, negative
        x[400] = 7.5; // as large, later: the first one sets the scale
        let mut q = vec![ActSuper::default(); 2];
        quantize_row_k(&x, &mut q);
        assert_eq!(q[1].qs[300 - 256], -127);
        assert_eq!(q[1].qs[400 - 256], 127);
        assert!(q[1].d > 0.0 && (q[1].d - 7.5 / 127.0).abs() < 1e-6);
        for (b, xs) in q.iter().zip(x.chunks(QK_K)) {
            for (h, s) in b.bsums.iter().enumerate() {
                let want: i32 = b.qs[16 * h..16 * h + 16].iter().map(|&v| v as i32).sum();
                assert_eq!(*s as i32, want);
            }
            for (&v, &orig) in b.qs.iter().zip(xs) {
                assert!((v as f32 * b.d - orig).abs() <= b.d.abs() * 0.51);
            }
        }
        let mut zero = vec![ActSuper::default(); 1];
        quantize_row_k(&[0.0; QK_K], &mut zero);
        assert!(zero[0].d == 0.0 && zero[0].qs.iter().all(|&v| v == 0));
    }
}
