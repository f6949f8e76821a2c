//! Choosing the next token: greedy at temperature 0 (deterministic), otherwise temperature + top-p with
//! a seeded generator.

use candle_transformers::generation::{LogitsProcessor, Sampling};

pub struct Sampler {
    inner: Option<LogitsProcessor>,
}

impl Sampler {
    pub fn new(temperature: f64, top_p: f64, seed: u64) -> Self {
        if temperature <= 0.0 {
            return Self { inner: None };
        }
        let sampling = if top_p < 1.0 {
            Sampling::TopP {
                p: top_p,
                temperature,
            }
        } else {
            Sampling::All { temperature }
        };
        Self {
            inner: Some(LogitsProcessor::from_sampling(seed, sampling)),
        }
    }

    pub fn next(&mut self, logits: &[f32]) -> crate::error::Result<u32> {
        match &mut self.inner {
            None => Ok(argmax(logits)),
            Some(p) => {
                let t = candle_core::Tensor::new(logits, &candle_core::Device::Cpu)?;
                Ok(p.sample(&t)?)
            }
        }
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
}
