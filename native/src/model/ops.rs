//! The transformer's element-wise and row-wise operations on plain f32 rows, in place, with the same
//! formulas as the candle ops they replace (and as llama.cpp).

/// x ← x / sqrt(mean(x²) + eps) · w, for each row of `w.len()` values (the sum in f64, as ggml).
pub fn rms_norm(x: &mut [f32], w: &[f32], eps: f32) {
    let n = w.len();
    for row in x.chunks_exact_mut(n) {
        let ss = row.iter().map(|&v| (v * v) as f64).sum::<f64>();
        let mean = (ss / n as f64) as f32;
        let scale = 1.0 / (mean + eps).sqrt();
        for (v, w) in row.iter_mut().zip(w) {
            *v = *v * scale * w;
        }
    }
}

/// Rotary position embedding of one head at one position. `cos`/`sin` hold head_dim/2 values for that
/// position. Interleaved (llama.cpp's NORM, llama): pairs (2i, 2i+1); otherwise (NEOX, qwen2 and
/// gemma3): pairs (i, i + head_dim/2).
pub fn rope(head: &mut [f32], cos: &[f32], sin: &[f32], interleaved: bool) {
    let half = head.len() / 2;
    for i in 0..half {
        let (a, b) = if interleaved {
            (2 * i, 2 * i + 1)
        } else {
            (i, i + half)
        };
        let (x0, x1) = (head[a], head[b]);
        head[a] = x0 * cos[i] - x1 * sin[i];
        head[b] = x0 * sin[i] + x1 * cos[i];
    }
}

/// Rope's frequency ratio between neighbouring pairs: base^(-2/d), d the rotated dimensions.
pub fn rope_theta_scale(base: f32, rope_dims: usize) -> f32 {
    base.powf(-2.0 / rope_dims as f32)
}

/// How a model turns positions into rope angles.
#[derive(Debug, Clone)]
pub struct Rope {
    /// base^(-2/rope_dims).
    pub theta_scale: f32,
    /// Angles per position: rope_dims / 2.
    pub half: usize,
    /// Per-pair frequency divisors (Llama-3's rope_freqs, Phi-3's LongRoPE factors), `half` long.
    pub factors: Option<Vec<f32>>,
    /// Linear rope scaling: 1/factor.
    pub freq_scale: f32,
    /// Multiplies cos and sin (Phi-3's attention factor).
    pub mscale: f32,
}

impl Rope {
    /// cos and sin of the rope angles at `position`, appended to `cos`/`sin`: p, p·r, p·r², … by
    /// repeated multiplication in f32, each divided by its factor and scaled, exactly as ggml's
    /// rope cache (ggml_rope_cache_init, rope_yarn without YaRN).
    pub fn angles(&self, position: usize, cos: &mut Vec<f32>, sin: &mut Vec<f32>) {
        let mut theta = position as f32;
        for i in 0..self.half {
            let ff = self.factors.as_ref().map_or(1.0, |f| f[i]);
            let angle = theta / ff * self.freq_scale;
            cos.push(angle.cos() * self.mscale);
            sin.push(angle.sin() * self.mscale);
            theta *= self.theta_scale;
        }
    }
}

/// x ← tanh(x / cap)·cap (Gemma-2's soft-capping of attention scores and logits).
pub fn softcap(x: &mut [f32], cap: f32) {
    for v in x {
        *v = (*v / cap).tanh() * cap;
    }
}

/// gate ← silu(gate) · up (llama, qwen2, qwen3, phi3).
pub fn silu_mul(gate: &mut [f32], up: &[f32]) {
    for (g, u) in gate.iter_mut().zip(up) {
        *g = *g / (1.0 + (-*g).exp()) * u;
    }
}

/// gate ← gelu(gate) · up, with gelu's tanh approximation (gemma2, gemma3): 0.5·x·(1 + tanh z) written as
/// x·sigmoid(2z), one exp instead of a (slower) tanh.
pub fn gelu_mul(gate: &mut [f32], up: &[f32]) {
    const TWO_SQRT_2_OVER_PI: f32 = 2.0 * 0.797_884_6;
    for (g, u) in gate.iter_mut().zip(up) {
        let x = *g;
        let z2 = TWO_SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x);
        *g = x / (1.0 + (-z2).exp()) * u;
    }
}

/// In-place softmax.
pub fn softmax(x: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in x.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    for v in x.iter_mut() {
        *v *= inv;
    }
}

pub fn add(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rope_rotates_pairs_and_keeps_the_norm() {
        let mut h = [1.0, 0.0, 0.0, 1.0];
        let (c, s) = ([0.0f32, 1.0], [1.0f32, 0.0]);
        rope(&mut h, &c, &s, true); // pair (0,1) by 90°, pair (2,3) by 0°
        assert_eq!(h, [0.0, 1.0, 0.0, 1.0]);
        let mut h = [1.0, 0.0, 0.0, 1.0];
        rope(&mut h, &c, &s, false); // pairs (0,2) by 90°, (1,3) by 0°
        assert_eq!(h, [0.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn softmax_and_norm() {
        let mut x = [1.0, 2.0, 3.0];
        softmax(&mut x);
        assert!((x.iter().sum::<f32>() - 1.0).abs() < 1e-6 && x[2] > x[1]);
        let mut r = [3.0, 4.0];
        rms_norm(&mut r, &[1.0, 2.0], 0.0);
        let rms = (12.5f32).sqrt();
        assert!((r[0] - 3.0 / rms).abs() < 1e-6 && (r[1] - 8.0 / rms).abs() < 1e-6);
    }
}
