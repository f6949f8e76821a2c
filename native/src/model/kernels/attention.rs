//! Attention of the query heads that share one KV head (grouped-query attention) over that head's
//! cached positions.

use super::f16::{axpy_f16, dot_f16};
use crate::model::ops;

/// `heads` query heads that share one KV head, and the cached positions `lo..=hi` they attend to.
#[derive(Debug, Clone, Copy)]
pub struct HeadGroup<'a> {
    /// The heads one after another (`heads × hd`).
    pub q: &'a [f32],
    pub heads: usize,
    /// Head dimension (a multiple of 8).
    pub hd: usize,
    /// That KV head's keys and values: positions one after another, `hd` f16 values each.
    pub k: &'a [u16],
    pub v: &'a [u16],
    pub lo: usize,
    pub hi: usize,
    /// Applied to the scores before the softmax.
    pub scale: f32,
    /// Gemma-2: scaled scores become tanh(s / cap)·cap.
    pub softcap: Option<f32>,
}

/// The attention of `g`'s heads into `out` (`heads × hd`); `scores` is scratch. Each key and value
/// row is read once for all the heads.
pub fn attend_group(g: &HeadGroup, scores: &mut Vec<f32>, out: &mut [f32]) {
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
    assert!(q.len() >= heads * hd && out.len() >= heads * hd && hd.is_multiple_of(8));
    assert!(k.len() >= (hi + 1) * hd && v.len() >= (hi + 1) * hd);
    scores.clear();
    scores.resize(heads * n, 0.0);
    for (j, kr) in k[lo * hd..(hi + 1) * hd].chunks_exact(hd).enumerate() {
        for h in 0..heads {
            scores[h * n + j] = dot_f16(&q[h * hd..(h + 1) * hd], kr) * scale;
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
