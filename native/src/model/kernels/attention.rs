//! Attention of the query heads that share one KV head (grouped-query attention) over that head's
//! cached positions: in AVX-512 or AVX2 with F16C, chosen at run time (`Isa`), else scalar.
//!
//! Both compute, for each head h of the group and each cached position j in `lo..=hi`:
//! s = (q_h · k_j)·scale, Gemma-2's soft-cap tanh(s/cap)·cap, p = softmax(s) over j, and
//! out_h = Σ_j p_j·v_j. The SIMD version (`attention_x86`) reads each key and value once for all
//! the group's heads, keeps the partial sums in registers, and divides by the softmax's sum at the
//! end instead of normalizing every p; only the summation order differs from the scalar one.
//!
//! Keys are stored in blocks of `KEY_BLOCK` positions, dimension-major inside a block
//! (`key_index`): the scores of 16 positions are then one vector per head, built by multiply-adds
//! of q's components with the block's rows, with no horizontal sums (which cost more than the
//! products at head dimension 64). Values are stored by position (the weighted sum adds whole rows).

use super::f16::{axpy_f16, to_f16};
use super::Isa;
use crate::model::ops;

/// Positions per block of the key cache.
pub const KEY_BLOCK: usize = 16;

/// Where component `d` of position `j`'s key is in a head's key buffer ([block][d][position in
/// block]).
#[inline]
pub fn key_index(j: usize, d: usize, hd: usize) -> usize {
    (j / KEY_BLOCK) * hd * KEY_BLOCK + d * KEY_BLOCK + j % KEY_BLOCK
}

/// Values a head's key buffer needs for `positions` positions (whole blocks).
#[inline]
pub fn key_buffer_len(positions: usize, hd: usize) -> usize {
    positions.div_ceil(KEY_BLOCK) * KEY_BLOCK * hd
}

/// Stores `key` (f32, `hd` long) as position `j` of a head's key buffer, in f16.
pub fn store_key(buf: &mut [u16], j: usize, key: &[f32]) {
    let hd = key.len();
    let mut h = [0u16; 512];
    for (part, chunk) in key.chunks(512).enumerate() {
        let h = &mut h[..chunk.len()];
        to_f16(chunk, h);
        for (i, &x) in h.iter().enumerate() {
            buf[key_index(j, part * 512 + i, hd)] = x;
        }
    }
}

/// `heads` query heads that share one KV head, and the cached positions `lo..=hi` they attend to.
#[derive(Debug, Clone, Copy)]
pub struct HeadGroup<'a> {
    /// The heads one after another (`heads × hd`).
    pub q: &'a [f32],
    pub heads: usize,
    /// Head dimension (a multiple of 8).
    pub hd: usize,
    /// That KV head's keys in f16, in blocks of `KEY_BLOCK` positions (`key_index`).
    pub k: &'a [u16],
    /// Its values in f16: positions one after another, `hd` values each.
    pub v: &'a [u16],
    pub lo: usize,
    pub hi: usize,
    /// Applied to the scores before the softmax.
    pub scale: f32,
    /// Gemma-2: scaled scores become tanh(s / cap)·cap.
    pub softcap: Option<f32>,
}

impl HeadGroup<'_> {
    /// Panics unless every slice holds what the group reads (the SIMD code relies on it).
    fn check(&self, out: &[f32]) {
        let &HeadGroup {
            q,
            heads,
            hd,
            k,
            v,
            lo,
            hi,
            ..
        } = self;
        assert!(lo <= hi && hd > 0 && hd.is_multiple_of(8));
        assert!(q.len() >= heads * hd && out.len() >= heads * hd);
        assert!(k.len() >= key_buffer_len(hi + 1, hd) && v.len() >= (hi + 1) * hd);
    }
}

/// The attention of `g`'s heads into `out` (`heads × hd`) with `isa`'s kernels; `scores` is scratch.
pub fn attend_group(isa: Isa, g: &HeadGroup, scores: &mut Vec<f32>, out: &mut [f32]) {
    g.check(out);
    #[cfg(target_arch = "x86_64")]
    if isa != Isa::Scalar {
        // SAFETY: `isa` was detected at run time (`cpu::isa`), so the CPU has its features; `check`
        // verified the slices.
        unsafe { super::attention_x86::attend(isa, g, scores, out) };
        return;
    }
    let _ = isa;
    attend_group_scalar(g, scores, out);
}

/// The reference: scores, softmax and weighted sum one after another, in plain loops (the weighted
/// sum in F16C where the build targets it).
pub fn attend_group_scalar(g: &HeadGroup, scores: &mut Vec<f32>, out: &mut [f32]) {
    g.check(out);
    let &HeadGroup {
        q,
        heads,
        hd,
        k,
        v,
        lo,
        hi,
        scale,
        softcap,
    } = g;
    let n = hi + 1 - lo;
    scores.clear();
    scores.resize(heads * n, 0.0);
    // Block by block: the block in f32 once, then each head's 16 dot products side by side (each
    // summed over d in order), which compilers vectorize.
    let mut block = vec![0f32; hd * KEY_BLOCK];
    for b in lo / KEY_BLOCK..=hi / KEY_BLOCK {
        let at = b * hd * KEY_BLOCK;
        for (x, &h) in block.iter_mut().zip(&k[at..at + hd * KEY_BLOCK]) {
            *x = half::f16::from_bits(h).to_f32();
        }
        for h in 0..heads {
            let mut acc = [0f32; KEY_BLOCK];
            for (&qd, row) in q[h * hd..(h + 1) * hd]
                .iter()
                .zip(block.chunks_exact(KEY_BLOCK))
            {
                for (a, &x) in acc.iter_mut().zip(row) {
                    *a += qd * x;
                }
            }
            for (i, &a) in acc.iter().enumerate() {
                let j = b * KEY_BLOCK + i;
                if (lo..=hi).contains(&j) {
                    scores[h * n + j - lo] = a * scale;
                }
            }
        }
    }
    if let Some(cap) = softcap {
        ops::softcap(scores, cap);
    }
    for h in 0..heads {
        ops::softmax(&mut scores[h * n..(h + 1) * n]);
    }
    out[..heads * hd].fill(0.0);
    for (j, vr) in v[lo * hd..(hi + 1) * hd].chunks_exact(hd).enumerate() {
        for h in 0..heads {
            axpy_f16(&mut out[h * hd..(h + 1) * hd], scores[h * n + j], vr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kernels::cpu::detect;
    use crate::model::kernels::tests::pseudo;
    use crate::model::kernels::to_f16;

    fn halves(x: &[f32]) -> Vec<u16> {
        let mut h = vec![0u16; x.len()];
        to_f16(x, &mut h);
        h
    }

    /// Rows of `hd` keys in the blocked layout.
    fn keys(x: &[f32], hd: usize) -> Vec<u16> {
        let n = x.len() / hd;
        let mut k = vec![0u16; key_buffer_len(n, hd)];
        for (j, row) in x.chunks_exact(hd).enumerate() {
            store_key(&mut k, j, row);
        }
        k
    }

    #[test]
    fn keys_are_stored_in_blocks_of_sixteen_positions() {
        let hd = 8;
        let x: Vec<f32> = (0..20 * hd).map(|i| i as f32).collect();
        let k = keys(&x, hd);
        assert_eq!(k.len(), 32 * hd);
        for j in 0..20 {
            for d in 0..hd {
                let got = half::f16::from_bits(k[key_index(j, d, hd)]).to_f32();
                assert_eq!(got, (j * hd + d) as f32);
            }
        }
        assert_eq!(key_index(17, 3, hd), 16 * hd + 3 * 16 + 1);
    }

    /// The ISAs this CPU runs besides the scalar one.
    fn simd_isas() -> Vec<Isa> {
        match detect() {
            Isa::Vnni => vec![Isa::Avx2, Isa::Vnni],
            Isa::Avx2 => vec![Isa::Avx2],
            Isa::Scalar => vec![],
        }
    }

    /// One group against the scalar reference on every SIMD ISA; returns the largest |Δ|.
    #[allow(clippy::too_many_arguments)]
    fn compare(
        hd: usize,
        heads: usize,
        len: usize,
        lo: usize,
        hi: usize,
        softcap: Option<f32>,
        spread: f32,
        seed: u32,
    ) -> f32 {
        let q: Vec<f32> = pseudo(heads * hd, seed)
            .iter()
            .map(|v| v * spread)
            .collect();
        let k = keys(&pseudo(len * hd, seed + 1), hd);
        let v = halves(&pseudo(len * hd, seed + 2));
        let g = HeadGroup {
            q: &q,
            heads,
            hd,
            k: &k,
            v: &v,
            lo,
            hi,
            scale: 1.0 / (hd as f32).sqrt(),
            softcap,
        };
        let mut scores = Vec::new();
        let mut want = vec![0f32; heads * hd];
        attend_group_scalar(&g, &mut scores, &mut want);
        let mut worst = 0f32;
        for isa in simd_isas() {
            let mut got = vec![f32::NAN; heads * hd];
            attend_group(isa, &g, &mut scores, &mut got);
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                let d = (a - b).abs();
                assert!(
                    d <= 2e-5 + 2e-5 * b.abs(),
                    "{isa:?} hd {hd} heads {heads} lo {lo} hi {hi} cap {softcap:?}: out[{i}] {a} vs {b}"
                );
                worst = worst.max(d);
            }
        }
        worst
    }

    #[test]
    fn simd_attention_matches_the_scalar_reference() {
        let mut seed = 1;
        for hd in [8, 16, 24, 64, 96, 128, 256] {
            for heads in 1..=9 {
                for (len, window) in [
                    (1usize, None),
                    (2, None),
                    (3, Some(2)),
                    (17, None),
                    (40, Some(16)),
                    (130, None),
                    (700, Some(512)),
                ] {
                    let hi = len - 1;
                    let lo = window.map_or(0, |w: usize| (hi + 1).saturating_sub(w));
                    for cap in [None, Some(50.0)] {
                        compare(hd, heads, len, lo, hi, cap, 1.0, seed);
                        seed += 1;
                    }
                }
            }
        }
    }

    /// Long contexts, sharp and flat softmaxes, and a soft-cap that bites.
    #[test]
    fn simd_attention_matches_at_depth() {
        let mut worst = 0f32;
        for (hd, heads) in [(64, 3), (64, 7), (128, 2), (256, 4), (256, 8)] {
            for len in [1000, 2048, 4097, 5000] {
                let mut w = compare(hd, heads, len, 0, len - 1, None, 1.0, len as u32);
                w = w.max(compare(hd, heads, len, len - 512, len - 1, None, 8.0, 7));
                w = w.max(compare(hd, heads, len, 0, len - 1, Some(10.0), 30.0, 9));
                // A middle stretch of the cache (a position not at the end, as in prefill).
                w = w.max(compare(hd, heads, len, len / 3, len / 2, None, 4.0, 11));
                worst = worst.max(w);
            }
        }
        eprintln!("largest |SIMD - scalar| at depth: {worst:e}");
    }

    /// `cargo test --release --lib attention_speed -- --ignored --nocapture`: one decode step's group
    /// (SmolLM2, Qwen2.5, Gemma-3 shapes) at 2,048 positions, scalar against each SIMD ISA.
    #[test]
    #[ignore = "timing, not a check"]
    fn attention_speed() {
        let n = 2048;
        for (name, hd, heads) in [("SmolLM2", 64, 3), ("Qwen2.5", 64, 7), ("Gemma-3", 256, 4)] {
            let q = pseudo(heads * hd, 1);
            let (k, v) = (keys(&pseudo(n * hd, 2), hd), halves(&pseudo(n * hd, 3)));
            let g = HeadGroup {
                q: &q,
                heads,
                hd,
                k: &k,
                v: &v,
                lo: 0,
                hi: n - 1,
                scale: 0.125,
                softcap: None,
            };
            let (mut scores, mut out) = (Vec::new(), vec![0f32; heads * hd]);
            let time = |f: &mut dyn FnMut()| {
                let reps = 400;
                f();
                let t = std::time::Instant::now();
                for _ in 0..reps {
                    f();
                }
                t.elapsed().as_secs_f64() * 1e6 / reps as f64
            };
            let scalar = time(&mut || attend_group_scalar(&g, &mut scores, &mut out));
            let mut line =
                format!("{name} (hd {hd}, {heads} heads, {n} positions): scalar {scalar:.1} µs");
            for isa in simd_isas() {
                let t = time(&mut || attend_group(isa, &g, &mut scores, &mut out));
                line += &format!(", {isa:?} {t:.1} µs ({:.1}×)", scalar / t);
            }
            eprintln!("{line}");
        }
    }
}
