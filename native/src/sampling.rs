//! Choosing the next token: greedy at temperature 0 (deterministic), otherwise temperature + top-p with
//! a seeded generator.

pub struct Sampler {
    /// None: greedy.
    random: Option<Random>,
}

struct Random {
    temperature: f64,
    top_p: f64,
    /// xorshift64* state (never 0).
    state: u64,
}

impl Random {
    /// A uniform number in [0, 1).
    fn uniform(&mut self) -> f64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        (self.state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Sampler {
    pub fn new(temperature: f64, top_p: f64, seed: u64) -> Self {
        if temperature <= 0.0 {
            return Self { random: None };
        }
        Self {
            random: Some(Random {
                temperature,
                top_p,
                // splitmix64 of the seed: nearby seeds give unrelated streams, and the state is never 0.
                state: {
                    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
                    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                    (z ^ (z >> 31)) | 1
                },
            }),
        }
    }

    pub fn next(&mut self, logits: &[f32]) -> crate::error::Result<u32> {
        let Some(r) = &mut self.random else {
            return Ok(argmax(logits));
        };
        // Softmax at the temperature, then the smallest set of most likely tokens whose probability
        // reaches top_p, then one draw from that set.
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
        let mut probs: Vec<(f64, u32)> = logits
            .iter()
            .enumerate()
            .map(|(i, &l)| (((l as f64 - max) / r.temperature).exp(), i as u32))
            .filter(|(p, _)| *p > 0.0 && p.is_finite())
            .collect();
        if probs.is_empty() {
            return Ok(argmax(logits));
        }
        probs.sort_by(|a, b| b.0.total_cmp(&a.0));
        let total: f64 = probs.iter().map(|p| p.0).sum();
        let mut kept = 0.0;
        let mut n = 0;
        while n < probs.len() && (n == 0 || kept < r.top_p * total) {
            kept += probs[n].0;
            n += 1;
        }
        let mut x = r.uniform() * kept;
        for &(p, id) in &probs[..n] {
            if x < p {
                return Ok(id);
            }
            x -= p;
        }
        Ok(probs[n - 1].1)
    }
}

/// First index of the largest logit (llama.cpp's greedy sampler picks the same one).
pub fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0usize;
    for (i, &v) in logits.iter().enumerate() {
        if v > logits[best] {
            best = i;
        }
    }
    best as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_picks_first_max() {
        assert_eq!(argmax(&[0.1, 0.9, 0.9, -1.0]), 1);
    }

    #[test]
    fn seeded_sampling_is_repeatable() {
        let logits: Vec<f32> = (0..50).map(|i| (i as f32 * 0.37).sin()).collect();
        let run = || {
            let mut s = Sampler::new(0.8, 0.9, 42);
            (0..20)
                .map(|_| s.next(&logits).unwrap_or(0))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn top_p_keeps_only_the_likely_tokens_and_temperature_spreads_them() {
        // Token 0 has ~88 % of the mass at temperature 1: top_p 0.5 leaves only it.
        let logits = [4.0f32, 2.0, 0.0, -2.0];
        let mut s = Sampler::new(1.0, 0.5, 7);
        assert!((0..200).all(|_| s.next(&logits).unwrap_or(9) == 0));
        // With all tokens allowed and a high temperature, every token shows up.
        let mut s = Sampler::new(5.0, 1.0, 7);
        let mut seen = [0usize; 4];
        for _ in 0..2000 {
            seen[s.next(&logits).unwrap_or(0) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 50), "{seen:?}");
        assert!(seen[0] > seen[3], "{seen:?}");
    }
}
