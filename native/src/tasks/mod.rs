//! What each action does on the worker. Each function validates nothing (done before queueing) and
//! returns the JSON result of the declared shape.

pub mod assess;
pub mod chat;
pub mod check;
pub mod constrained;
pub mod generate;
pub mod grounding;
pub mod history;
pub mod prompts;
pub mod requests;

use serde_json::{json, Value};

use crate::engine::JobCtx;
use crate::error::Result;
use generate::{generate, GenParams};
use requests::{CompleteInput, SummaryInput};

/// Prompt tokens kept for instructions and the chat turn around an essay.
const PROMPT_OVERHEAD: usize = 200;

/// The essay as the model sees it: at most `cap` tokens, and cut to fit the context with `reserve`
/// tokens to spare (the analysis still sees all of it).
pub fn fit_essay(ctx: &JobCtx, text: &str, reserve: usize, cap: usize) -> Result<String> {
    let budget = generate::prompt_budget(ctx, reserve + PROMPT_OVERHEAD).min(cap);
    let ids = ctx.model.codec.encode(text, false)?;
    if ids.len() <= budget {
        return Ok(text.to_string());
    }
    let cut = ctx.model.codec.decode(&ids[..budget])?;
    Ok(cut.trim_end_matches('\u{FFFD}').to_string())
}

pub fn complete(ctx: &mut JobCtx, input: CompleteInput) -> Result<Value> {
    let ids = ctx
        .model
        .codec
        .encode(&input.prompt, input.parse_special_tokens.unwrap_or(false))?;
    let ids = ctx.model.with_bos(ids)?;
    let params = GenParams {
        max_tokens: input.max_tokens.unwrap_or(128) as usize,
        temperature: input.temperature.unwrap_or(0.8),
        top_p: input.top_p.unwrap_or(0.95),
        seed: input.seed.unwrap_or_else(random_seed),
        stop: input.stop.unwrap_or_default(),
        ignore_eos: input.ignore_eos.unwrap_or(false),
        stop_on_repeat: false,
    };
    let out = generate(ctx, &ids, &params)?;
    Ok(json!({ "text": out.text, "tokens": out.tokens, "finishReason": out.finish.as_str() }))
}

pub fn summary(ctx: &mut JobCtx, input: SummaryInput) -> Result<Value> {
    let comments = input.comments.unwrap_or_default();
    let metrics = crate::analysis::metrics(&input.text);
    let summary = assess::summarize(ctx, &input.text, &comments, &metrics)?;
    Ok(json!({ "summary": summary }))
}

fn random_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    (t as u64) ^ 0x9E37_79B9_7F4A_7C15
}
