//! chat: a tutor's answer to a question about an essay. With a fileId, the stored conversation about
//! that essay is the context (oldest exchanges dropped first when it outgrows the context window; the
//! system turn with the essay and the new question always stay), and the exchange is saved after it
//! succeeds. The prompt of a follow-up question starts with the previous one, so its prefix is reused.

use serde_json::{json, Value};

use crate::engine::JobCtx;
use crate::error::{EngineError, Result};
use crate::store::chat::{self as history, ChatMessage, Role};
use crate::store::text_hash;
use crate::tasks::fit_essay;
use crate::tasks::generate::{generate, prompt_budget, GenParams};
use crate::tasks::requests::ChatInput;
use crate::template::Message;

pub const CHAT_MAX_TOKENS: usize = 256;

const TUTOR: &str =
    "You are a friendly, honest writing tutor. Answer the student's question about their essay \
briefly and specifically, in plain language.";

pub fn chat(ctx: &mut JobCtx, input: ChatInput) -> Result<Value> {
    let system = match &input.context_text {
        Some(essay) => {
            let essay = fit_essay(ctx, essay, CHAT_MAX_TOKENS, usize::MAX)?;
            Message::system(format!("{TUTOR}\n\nThe student's essay:\n\n{essay}"))
        }
        None => Message::system(TUTOR),
    };
    let past = match (&input.file_id, &ctx.store) {
        // A history that can't be read (the store reports why) leaves a question without context,
        // not unanswered.
        (Some(id), Some(store)) => history::history(store, id).unwrap_or_default(),
        _ => Vec::new(),
    };
    let budget = prompt_budget(ctx, CHAT_MAX_TOKENS);
    let model = ctx.model.clone();
    let messages = conversation(system, &past, &input.message, budget, |m| {
        model.chat_tokens(m).map(|ids| ids.len())
    })?;
    let ids = model.chat_tokens(&messages)?;
    let out = generate(ctx, &ids, &GenParams::greedy(CHAT_MAX_TOKENS))?;
    let reply = out.text.trim();
    if reply.is_empty() {
        return Err(EngineError::InvalidResponse(
            "The model gave an empty answer. Try rephrasing the question.".into(),
        ));
    }
    if let (Some(id), Some(store)) = (&input.file_id, &ctx.store) {
        let hash = input.context_text.as_deref().map(text_hash);
        // A failed save marks the store degraded (healthCheck says so); the answer is still given.
        let _ = history::save_exchange(store, id, hash.as_deref(), &input.message, reply);
    }
    // The past messages the answer was given with (older ones did not fit the context).
    let history_used = messages.len() - 2;
    Ok(json!({ "reply": reply, "historyUsed": history_used }))
}

/// The prompt's messages: the system turn, as many of the latest past exchanges as fit in `budget`
/// tokens (counted by `count`), and the question. Whole exchanges are dropped, oldest first.
pub fn conversation(
    system: Message,
    past: &[ChatMessage],
    question: &str,
    budget: usize,
    count: impl Fn(&[Message]) -> Result<usize>,
) -> Result<Vec<Message>> {
    let build = |from: usize| -> Vec<Message> {
        let mut m = Vec::with_capacity(past.len() - from + 2);
        m.push(system.clone());
        m.extend(past[from..].iter().map(|p| match p.role {
            Role::User => Message::user(p.content.clone()),
            Role::Assistant => Message::assistant(p.content.clone()),
        }));
        m.push(Message::user(question));
        m
    };
    // Where an exchange starts (a user message), and "all dropped" last: the prompt only gets shorter
    // along this list, so the first start that fits is found by bisection.
    let mut starts: Vec<usize> = (0..past.len())
        .filter(|&i| past[i].role == Role::User)
        .collect();
    starts.push(past.len());
    let (mut lo, mut hi) = (0, starts.len() - 1);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if count(&build(starts[mid]))? <= budget {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(build(starts[lo]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(role: Role, content: &str) -> ChatMessage {
        ChatMessage {
            id: 0,
            role,
            content: content.into(),
            created_at: String::new(),
        }
    }

    /// Counts characters instead of tokens: enough to check what is kept.
    fn chars(m: &[Message]) -> Result<usize> {
        Ok(m.iter().map(|m| m.content.len()).sum())
    }

    #[test]
    fn keeps_everything_that_fits_and_drops_oldest_exchanges_first() -> Result<()> {
        let past = vec![
            msg(Role::User, "q1....."),
            msg(Role::Assistant, "a1....."),
            msg(Role::User, "q2"),
            msg(Role::Assistant, "a2"),
        ];
        let all = conversation(Message::system("SYS"), &past, "q3", 100, chars)?;
        let contents: Vec<&str> = all.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(contents, ["SYS", "q1.....", "a1.....", "q2", "a2", "q3"]);
        // 3 + 4 + 2 = 9 fits only without the first exchange.
        let cut = conversation(Message::system("SYS"), &past, "q3", 12, chars)?;
        let contents: Vec<&str> = cut.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(contents, ["SYS", "q2", "a2", "q3"]);
        // Nothing of the past fits: the system turn and the question stay.
        let bare = conversation(Message::system("SYS"), &past, "q3", 1, chars)?;
        let contents: Vec<&str> = bare.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(contents, ["SYS", "q3"]);
        assert_eq!(bare[0].role, "system");
        Ok(())
    }
}
