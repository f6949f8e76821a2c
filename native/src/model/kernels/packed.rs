//! Weight matrices repacked at load for the SIMD kernels: 8 weight rows interleaved per block, so
//! that one 256-bit register holds 4 consecutive codes of each of 8 rows and a u8×i8 dot product
//! (`vpdpbusd`, or `vpmaddubsw` + `vpmaddwd`) against 4 activations broadcast to every lane leaves
//! each row's partial sum in its own lane: no horizontal sums, every scale a vector of 8 rows'
//! scales, 8 results stored at once. The sizes do not change, but for the K-quants' 6-bit scales,
//! unpacked to bytes (Q4_K and Q5_K grow by 4 bytes per row and super-block: 2.8 % and 2.3 %).
//!
//! A tile is 8 rows (the last one padded with zero rows) and its blocks follow each other, so
//! decoding reads the matrix as one sequential stream, and each block in one ascending pass (Q6_K's
//! top bits 1 KB after its low bits, read alongside them, ran at a third of the memory bandwidth).
//! Per tile and block (`layout`), with groups g of 8 elements (4 per block of 32, 32 per K-quant
//! super-block of 256):
//!
//! - `d[8]` (f16), then Q4_1's `m[8]` (f16), or the K-quants' `dmin[8]` (f16), `sc[8 sub-blocks][8
//!   rows]`, `m[8][8]` (u8; Q6_K: `sc[16 groups of 16][8 rows]`, i8);
//! - per group, `qs[8 rows][4]`: byte j = low 4 bits of element 8g + j | those of element 8g + 4 + j
//!   << 4 (Q4_0, Q4_1, Q5_0 codes as they are, Q8_0: two such registers of whole bytes, q + 128);
//!   Q5_0 and Q5_K follow each group's `qs` with its fifth bits, two u32 masks: bit 4r + j of the
//!   first is the fifth bit of element 8g + j of row r, of the second element 8g + 4 + j;
//! - Q6_K: after each pair of groups (2p, 2p + 1), `qh[8 rows][4]`: byte j holds the top 2 bits of
//!   elements 16p + j, 16p + 4 + j, 16p + 8 + j, 16p + 12 + j at bits 0, 2, 4, 6.
//!
//! `unpack_block` gives back the GGUF bytes of one row's block exactly (embedding lookups, tests).

use crate::model::quant::{k_scales, Format, QK_K};

/// Rows per tile.
pub const ROWS: usize = 8;

/// Byte offsets within a tile's block.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub bytes: usize,
    pub d: usize,
    /// Q4_1: m; the K-quants: dmin.
    pub dmin: usize,
    /// The K-quants' scales and (Q4_K, Q5_K) minimums.
    pub sc: usize,
    pub m: usize,
    /// Where the groups start.
    pub qs: usize,
    /// Bytes of a group (with Q5_0/Q5_K's masks) and of a pair of groups (with Q6_K's top bits).
    pub group: usize,
    pub pair: usize,
}

impl Layout {
    /// Where group g's codes start.
    #[inline(always)]
    pub const fn qs_at(&self, g: usize) -> usize {
        self.qs + self.pair * (g / 2) + self.group * (g % 2)
    }

    /// Q5_0, Q5_K: group g's two fifth-bit masks.
    #[inline(always)]
    pub const fn masks_at(&self, g: usize) -> usize {
        self.qs_at(g) + 32
    }

    /// Q6_K: the top bits of groups 2p and 2p + 1.
    #[inline(always)]
    pub const fn top_at(&self, p: usize) -> usize {
        self.qs + self.pair * p + 64
    }
}

pub const fn layout(format: Format) -> Layout {
    let (header, group, pair, bytes) = match format {
        Format::Q4_0 => (16, 32, 64, 16 + 4 * 32),
        Format::Q4_1 => (32, 32, 64, 32 + 4 * 32),
        Format::Q5_0 => (16, 40, 80, 16 + 4 * 40),
        Format::Q8_0 => (16, 64, 128, 16 + 4 * 64),
        Format::Q4K => (160, 32, 64, 160 + 32 * 32),
        Format::Q5K => (160, 40, 80, 160 + 32 * 40),
        Format::Q6K => (144, 32, 96, 144 + 16 * 96),
    };
    let q6 = matches!(format, Format::Q6K);
    Layout {
        bytes,
        d: 0,
        dmin: 16,
        sc: if q6 { 16 } else { 32 },
        m: 96,
        qs: header,
        group,
        pair,
    }
}

/// Bytes of `rows` rows of `nb` blocks, packed.
pub const fn packed_len(format: Format, rows: usize, nb: usize) -> usize {
    rows.div_ceil(ROWS) * nb * layout(format).bytes
}

/// One row's block, unpacked: f16 bits of d and of Q4_1's m or the K-quants' dmin, the K-quants' 8
/// (Q6_K: 16) scales and 8 minimums, the codes as they go into the dot product (Q4_0, Q4_1, Q4_K
/// 0..15, Q5_0, Q5_K 0..31, Q6_K 0..63 for q − 32, Q8_0 q + 128).
#[derive(Clone, Copy)]
struct Block {
    d: [u8; 2],
    dmin: [u8; 2],
    sc: [u8; 16],
    m: [u8; 8],
    q: [u8; QK_K],
}

impl Block {
    const ZERO: Block = Block {
        d: [0; 2],
        dmin: [0; 2],
        sc: [0; 16],
        m: [0; 8],
        q: [0; QK_K],
    };
}

/// Where a 32-element format's 16 bytes of 4-bit codes start in its GGUF block (after d, and Q4_1's m
/// or Q5_0's fifth bits).
fn codes_at(format: Format) -> usize {
    match format {
        Format::Q4_0 => 2,
        Format::Q4_1 => 4,
        _ => 6,
    }
}

/// A GGUF block of `format` (`b`: its bytes) unpacked.
fn decode(format: Format, b: &[u8]) -> Block {
    let mut k = Block::ZERO;
    k.d = [b[0], b[1]];
    match format {
        Format::Q4_0 | Format::Q4_1 | Format::Q5_0 => {
            let qs = codes_at(format);
            if format == Format::Q4_1 {
                k.dmin = [b[2], b[3]];
            }
            let qh = u32::from_le_bytes([b[2], b[3], b[4], b[5]]);
            for j in 0..16 {
                k.q[j] = b[qs + j] & 0x0f;
                k.q[j + 16] = b[qs + j] >> 4;
                if format == Format::Q5_0 {
                    k.q[j] |= (((qh >> j) & 1) as u8) << 4;
                    k.q[j + 16] |= (((qh >> (j + 16)) & 1) as u8) << 4;
                }
            }
        }
        Format::Q8_0 => {
            for (q, &v) in k.q.iter_mut().zip(&b[2..34]) {
                *q = v ^ 0x80; // q + 128
            }
        }
        Format::Q6K => {
            k.d = [b[208], b[209]];
            k.sc.copy_from_slice(&b[192..208]);
            for n in 0..2 {
                for t in 0..4 {
                    for l in 0..32 {
                        let byte = b[64 * n + 32 * (t & 1) + l];
                        let low = if t < 2 { byte & 0x0f } else { byte >> 4 };
                        let high = (b[128 + 32 * n + l] >> (2 * t)) & 3;
                        k.q[128 * n + 32 * t + l] = low | high << 4;
                    }
                }
            }
        }
        Format::Q4K | Format::Q5K => {
            k.dmin = [b[2], b[3]];
            let mut s = [0u8; 12];
            s.copy_from_slice(&b[4..16]);
            let (sc, m) = k_scales(s);
            k.sc[..8].copy_from_slice(&sc.to_le_bytes());
            k.m.copy_from_slice(&m.to_le_bytes());
            let qs = if format == Format::Q5K { 48 } else { 16 };
            for c in 0..4 {
                for l in 0..32 {
                    let byte = b[qs + 32 * c + l];
                    k.q[64 * c + l] = byte & 0x0f;
                    k.q[64 * c + 32 + l] = byte >> 4;
                }
            }
            if format == Format::Q5K {
                for s in 0..8 {
                    for l in 0..32 {
                        k.q[32 * s + l] |= ((b[16 + l] >> s) & 1) << 4;
                    }
                }
            }
        }
    }
    k
}

/// `decode` backwards: the GGUF bytes of a block.
fn encode(format: Format, k: &Block, b: &mut [u8]) {
    b[0..2].copy_from_slice(&k.d);
    match format {
        Format::Q4_0 | Format::Q4_1 | Format::Q5_0 => {
            let qs = codes_at(format);
            if format == Format::Q4_1 {
                b[2..4].copy_from_slice(&k.dmin);
            }
            let mut qh = 0u32;
            for j in 0..16 {
                b[qs + j] = (k.q[j] & 0x0f) | (k.q[j + 16] & 0x0f) << 4;
                qh |= ((k.q[j] >> 4) as u32 & 1) << j | ((k.q[j + 16] >> 4) as u32 & 1) << (j + 16);
            }
            if format == Format::Q5_0 {
                b[2..6].copy_from_slice(&qh.to_le_bytes());
            }
        }
        Format::Q8_0 => {
            for (v, &q) in b[2..34].iter_mut().zip(&k.q) {
                *v = q ^ 0x80;
            }
        }
        Format::Q6K => {
            b[208..210].copy_from_slice(&k.d);
            b[192..208].copy_from_slice(&k.sc);
            b[..192].fill(0);
            for n in 0..2 {
                for t in 0..4 {
                    for l in 0..32 {
                        let q = k.q[128 * n + 32 * t + l];
                        let at = 64 * n + 32 * (t & 1) + l;
                        b[at] |= if t < 2 { q & 0x0f } else { (q & 0x0f) << 4 };
                        b[128 + 32 * n + l] |= (q >> 4) << (2 * t);
                    }
                }
            }
        }
        Format::Q4K | Format::Q5K => {
            b[2..4].copy_from_slice(&k.dmin);
            // The 6-bit scales and minimums back into 12 bytes (`quant::k_scales` backwards).
            for j in 0..4 {
                b[4 + j] = (k.sc[j] & 63) | (k.sc[j + 4] >> 4) << 6;
                b[8 + j] = (k.m[j] & 63) | (k.m[j + 4] >> 4) << 6;
                b[12 + j] = (k.sc[j + 4] & 0x0f) | (k.m[j + 4] & 0x0f) << 4;
            }
            let qs = if format == Format::Q5K { 48 } else { 16 };
            for c in 0..4 {
                for l in 0..32 {
                    b[qs + 32 * c + l] =
                        (k.q[64 * c + l] & 0x0f) | (k.q[64 * c + 32 + l] & 0x0f) << 4;
                }
            }
            if format == Format::Q5K {
                for l in 0..32 {
                    b[16 + l] = (0..8).fold(0, |h, s| h | ((k.q[32 * s + l] >> 4) & 1) << s);
                }
            }
        }
    }
}

/// Scale groups per block whose scales the header holds per row (K-quants).
const fn scale_groups(format: Format) -> usize {
    match format {
        Format::Q6K => 16,
        Format::Q4K | Format::Q5K => 8,
        _ => 0,
    }
}

/// Packs `rows` rows of `nb` GGUF blocks each (`bytes`, of `format`), in the same buffer: a packed
/// tile is never smaller than the 8 rows it holds, so tiles are written from the last one back, each
/// over bytes whose rows have been read (the whole matrix is never held twice; Gemma-3's embedding
/// table is 178 MB).
pub fn pack(format: Format, mut bytes: Vec<u8>, rows: usize, nb: usize) -> Vec<u8> {
    let (tile_bytes, row_bytes) = (nb * layout(format).bytes, nb * format.block_bytes());
    let tiles = rows.div_ceil(ROWS);
    debug_assert!(tile_bytes >= ROWS * row_bytes && bytes.len() >= rows * row_bytes);
    bytes.resize(tiles * tile_bytes, 0);
    let mut src = vec![0u8; ROWS * row_bytes];
    for t in (0..tiles).rev() {
        let n = (rows - t * ROWS).min(ROWS);
        src[..n * row_bytes]
            .copy_from_slice(&bytes[t * ROWS * row_bytes..(t * ROWS + n) * row_bytes]);
        let dst = &mut bytes[t * tile_bytes..(t + 1) * tile_bytes];
        dst.fill(0);
        pack_tile(format, &src[..n * row_bytes], n, nb, dst);
    }
    bytes
}

/// One tile: `n` ≤ 8 rows of `nb` GGUF blocks (`src`) into `dst` (zeroed).
fn pack_tile(format: Format, src: &[u8], n: usize, nb: usize, dst: &mut [u8]) {
    let (lay, bb) = (layout(format), format.block_bytes());
    if format.block_len() == 32 {
        // The 32-element formats, the bulk of the weights (embedding tables of up to 178 MB): each
        // packed byte straight from the file's, without unpacking the block first.
        let (qs, q5) = match format {
            Format::Q4_0 => (2, false),
            Format::Q4_1 => (4, false),
            Format::Q5_0 => (6, true),
            _ => (2, false),
        };
        for (l, sb) in dst.chunks_exact_mut(lay.bytes).enumerate() {
            for r in 0..n {
                let b = &src[(r * nb + l) * bb..(r * nb + l + 1) * bb];
                sb[lay.d + 2 * r..lay.d + 2 * r + 2].copy_from_slice(&b[0..2]);
                if format == Format::Q4_1 {
                    sb[lay.dmin + 2 * r..lay.dmin + 2 * r + 2].copy_from_slice(&b[2..4]);
                }
                let qh = u32::from_le_bytes([b[2], b[3], b[4], b[5]]);
                // Element e's low 4 bits: byte e of qs (e < 16, low nibble) or e − 16 (high).
                let nib = |e: usize| {
                    if e < 16 {
                        b[qs + e] & 0x0f
                    } else {
                        b[qs + e - 16] >> 4
                    }
                };
                for g in 0..4 {
                    let at = lay.qs_at(g) + 4 * r;
                    for j in 0..4 {
                        let (e0, e1) = (8 * g + j, 8 * g + 4 + j);
                        if format == Format::Q8_0 {
                            sb[at + j] = b[2 + e0] ^ 0x80;
                            sb[at + 32 + j] = b[2 + e1] ^ 0x80;
                        } else {
                            sb[at + j] = nib(e0) | nib(e1) << 4;
                        }
                    }
                    if q5 {
                        // Bits 4r..4r+4 of the group's masks: the fifth bits of its 4 + 4 elements.
                        let masks = lay.masks_at(g);
                        let (lo, hi) = ((qh >> (8 * g)) & 0xf, (qh >> (8 * g + 4)) & 0xf);
                        let (byte, shift) = (r / 2, 4 * (r % 2));
                        sb[masks + byte] |= (lo as u8) << shift;
                        sb[masks + 4 + byte] |= (hi as u8) << shift;
                    }
                }
            }
        }
        return;
    }
    let groups = format.block_len() / 8;
    for (l, sb) in dst.chunks_exact_mut(lay.bytes).enumerate() {
        for r in 0..n {
            let at = (r * nb + l) * bb;
            let k = decode(format, &src[at..at + bb]);
            sb[lay.d + 2 * r..lay.d + 2 * r + 2].copy_from_slice(&k.d);
            if matches!(format, Format::Q4_1 | Format::Q4K | Format::Q5K) {
                sb[lay.dmin + 2 * r..lay.dmin + 2 * r + 2].copy_from_slice(&k.dmin);
            }
            for h in 0..scale_groups(format) {
                sb[lay.sc + ROWS * h + r] = k.sc[h];
            }
            if matches!(format, Format::Q4K | Format::Q5K) {
                for h in 0..8 {
                    sb[lay.m + ROWS * h + r] = k.m[h];
                }
            }
            for g in 0..groups {
                for j in 0..4 {
                    let (lo, hi) = (k.q[8 * g + j], k.q[8 * g + 4 + j]);
                    let at = lay.qs_at(g) + 4 * r + j;
                    if format == Format::Q8_0 {
                        sb[at] = lo;
                        sb[at + 32] = hi;
                    } else {
                        sb[at] = (lo & 0x0f) | (hi & 0x0f) << 4;
                    }
                    if matches!(format, Format::Q5_0 | Format::Q5K) {
                        let (bit, masks) = (4 * r + j, lay.masks_at(g));
                        sb[masks + bit / 8] |= (lo >> 4) << (bit % 8);
                        sb[masks + 4 + bit / 8] |= (hi >> 4) << (bit % 8);
                    }
                }
            }
            if format == Format::Q6K {
                for p in 0..16 {
                    for j in 0..4 {
                        let e = 16 * p + j;
                        sb[lay.top_at(p) + 4 * r + j] = (k.q[e] >> 4)
                            | (k.q[e + 4] >> 4) << 2
                            | (k.q[e + 8] >> 4) << 4
                            | (k.q[e + 12] >> 4) << 6;
                    }
                }
            }
        }
    }
}

/// The GGUF bytes of block `l` of row `row` of a packed matrix of `nb` blocks per row.
pub fn unpack_block(
    format: Format,
    packed: &[u8],
    nb: usize,
    row: usize,
    l: usize,
    out: &mut [u8],
) {
    let lay = layout(format);
    let (t, r) = (row / ROWS, row % ROWS);
    let at = (t * nb + l) * lay.bytes;
    let sb = &packed[at..at + lay.bytes];
    let mut k = Block::ZERO;
    k.d = [sb[lay.d + 2 * r], sb[lay.d + 2 * r + 1]];
    if matches!(format, Format::Q4_1 | Format::Q4K | Format::Q5K) {
        k.dmin = [sb[lay.dmin + 2 * r], sb[lay.dmin + 2 * r + 1]];
    }
    for h in 0..scale_groups(format) {
        k.sc[h] = sb[lay.sc + ROWS * h + r];
    }
    if matches!(format, Format::Q4K | Format::Q5K) {
        for h in 0..8 {
            k.m[h] = sb[lay.m + ROWS * h + r];
        }
    }
    for g in 0..format.block_len() / 8 {
        for j in 0..4 {
            let at = lay.qs_at(g) + 4 * r + j;
            let (mut lo, mut hi) = if format == Format::Q8_0 {
                (sb[at], sb[at + 32])
            } else {
                (sb[at] & 0x0f, sb[at] >> 4)
            };
            if matches!(format, Format::Q5_0 | Format::Q5K) {
                let (bit, masks) = (4 * r + j, lay.masks_at(g));
                lo |= ((sb[masks + bit / 8] >> (bit % 8)) & 1) << 4;
                hi |= ((sb[masks + 4 + bit / 8] >> (bit % 8)) & 1) << 4;
            }
            k.q[8 * g + j] = lo;
            k.q[8 * g + 4 + j] = hi;
        }
    }
    if format == Format::Q6K {
        for p in 0..16 {
            for j in 0..4 {
                let h = sb[lay.top_at(p) + 4 * r + j];
                let e = 16 * p + j;
                for (n, off) in [0, 4, 8, 12].into_iter().enumerate() {
                    k.q[e + off] |= ((h >> (2 * n)) & 3) << 4;
                }
            }
        }
    }
    encode(format, &k, out);
}
