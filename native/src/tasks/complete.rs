//! complete: a raw completion of a prompt (no chat template), for scripts and benchmarks.

use crate::engine::JobCtx;
use crate::error::Result;
use crate::tasks::generate::{generate, GenParams};
use crate::tasks::requests::CompleteInput;
use crate::tasks::results::Completion;

pub fn complete(ctx: &mut JobCtx, input: CompleteInput) -> Result<Completion> {
    let model = ctx.model()?;
    let ids = model
        .codec
        .encode(&input.prompt, input.parse_special_tokens.unwrap_or(false))?;
    let ids = model.with_bos(ids)?;
    let params = GenParams {
        max_tokens: input.max_tokens.unwrap_or(128) as usize,
        temperature: input.temperature.unwrap_or(0.8),
        top_p: input.top_p.unwrap_or(0.95),
        seed: input.seed.unwrap_or_else(random_seed),
        stop: input.stop.unwrap_or_default(),
        ignore_eos: input.ignore_eos.unwrap_or(false),
        stop_on_repeat: false,
        require_text: false,
    };
    let out = generate(ctx, &ids, &params)?;
    Ok(Completion {
        text: out.text,
        tokens: out.tokens,
        finish_reason: out.finish,
    })
}

fn random_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    (t as u64) ^ 0x9E37_79B9_7F4A_7C15
}
