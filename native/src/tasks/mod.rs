//! What each action does on the worker. Each function validates nothing (done before queueing) and
//! returns its typed result (tasks/results.rs).

pub mod assess;
pub mod chat;
pub mod check;
pub mod complete;
pub mod constrained;
pub mod generate;
pub mod grounding;
pub mod history;
pub mod prompts;
pub mod requests;
pub mod results;
pub mod settings;
pub mod summary;

use crate::engine::JobCtx;
use crate::error::Result;

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
