//! chat: a tutor's answer to a question about an essay, grounded in it. The system turn carries the
//! essay and what the checker found in it; a question about mistakes is answered from those findings
//! first (verbatim quotes, suggested fixes), then by the model; every quotation the model presents as
//! the student's words is checked against the essay and repaired or removed (tasks/grounding.rs);
//! without an essay, a question about "my essay" is answered by asking for it, not with an invented
//! one. With a fileId, the stored conversation about that essay is the context (oldest exchanges
//! dropped first when it outgrows the context window; the system turn and the new question always
//! stay), and the exchange is saved after it succeeds. The prompt of a follow-up question starts with
//! the previous one, so its prefix is reused.

use std::sync::Arc;

use crate::analysis::{self, Finding};
use crate::engine::{engine, JobCtx};
use crate::error::{EngineError, Result};
use crate::provider::http::Format;
use crate::provider::{self, Provider};
use crate::store::chat::{self as history, ChatMessage, Role};
use crate::store::text_hash;
use crate::tasks::check::{dialect_or_default, personal_words};
use crate::tasks::generate::{generate, Finish, GenParams};
use crate::tasks::grounding::{asks_to_quote, ground};
use crate::tasks::prompts::PROMPTS;
use crate::tasks::reader::Reader;
use crate::tasks::requests::ChatInput;
use crate::tasks::results::{Answered, ChatReply};
use crate::template::Message;

pub const CHAT_MAX_TOKENS: usize = 256;
/// Findings listed in the prompt, and in an answer about mistakes.
const PROMPT_FINDINGS: usize = 8;
const ANSWER_FINDINGS: usize = 5;

/// Words that make a question one about the essay's mistakes.
const ABOUT_MISTAKES: &[&str] = &[
    "mistake",
    "error",
    "wrong",
    "grammar",
    "spelling",
    "spelt",
    "spelled",
    "typo",
    "punctuation",
    "correct",
];
/// Words that make a question one about the student's own text.
const ABOUT_MY_TEXT: &[&str] = &[
    "my essay",
    "my text",
    "my writing",
    "my paragraph",
    "my introduction",
    "my conclusion",
    "my sentence",
    "my thesis",
    "my story",
    "my argument",
    "this essay",
    "the essay",
    "what i wrote",
    "i wrote",
];

fn mentions(question: &str, words: &[&str]) -> bool {
    let q = question.to_lowercase();
    words.iter().any(|w| q.contains(w))
}

pub fn chat(ctx: &mut JobCtx, input: ChatInput) -> Result<ChatReply> {
    let essay = input.context_text.as_deref();
    let findings: Vec<Finding> = match essay {
        Some(text) => analysis::analyze(text, dialect_or_default(None), &personal_words())
            .findings
            .into_iter()
            .filter(|f| f.category.is_mistake())
            .collect(),
        None => Vec::new(),
    };
    let canned = match essay {
        // Nothing to read: say so rather than let the model imagine an essay.
        None if mentions(&input.message, ABOUT_MY_TEXT) => Some("I can't see an essay yet. Paste it into the editor (or open it), then ask me again and I'll answer about your own words.".to_string()),
        // About mistakes, the checker's findings are the answer: exact quotes, real fixes. A small
        // model asked the same invents mistakes and quotes.
        Some(text) if mentions(&input.message, ABOUT_MISTAKES) => {
            Some(mistakes_answer(text, &findings))
        }
        _ => None,
    };
    let (reply, finish, history_used, answered) = match canned {
        Some(reply) => {
            ctx.emit(&reply);
            let answered = Answered {
                answered_by: Provider::Local.kind(),
                fallback_reason: None,
            };
            (reply, Finish::Stop, 0, answered)
        }
        None => {
            let (reply, finish, used) = answer(ctx, &input, essay, &findings)?;
            (reply, finish, used, provider::answered(ctx))
        }
    };
    if reply.is_empty() {
        return Err(EngineError::InvalidResponse(
            "The model gave an empty answer. Try rephrasing the question.".into(),
        ));
    }
    // A failed save marks the store degraded (healthCheck says why) and `saved` false; the answer is
    // still given.
    let saved = input.file_id.clone().map(|id| {
        let (hash, question, answer) = (essay.map(text_hash), input.message.clone(), reply.clone());
        engine()
            .history()
            .write(Arc::new(move |s| {
                history::save_exchange(s, &id, hash.as_deref(), &question, &answer).map(drop)
            }))
            .is_ok()
    });
    Ok(ChatReply {
        reply,
        finish_reason: finish,
        history_used,
        saved,
        answered,
    })
}

/// The model's answer (after the findings, for a question about mistakes), grounded in the essay.
fn answer(
    ctx: &mut JobCtx,
    input: &ChatInput,
    essay: Option<&str>,
    findings: &[Finding],
) -> Result<(String, Finish, usize)> {
    let past = match input.file_id.clone() {
        // A history that can't be read (the store reports why) leaves a question without context,
        // not unanswered.
        Some(id) => engine()
            .history()
            .read(move |s| history::history(s, &id))
            .unwrap_or_default(),
        None => Vec::new(),
    };
    // The prompt as the answering model can read it (a server's context is estimated, not counted).
    let prompt = |reader: &Reader| -> Result<Vec<Message>> {
        let system = system_turn(reader, essay, findings)?;
        let budget = reader.budget(CHAT_MAX_TOKENS);
        conversation(system, &past, &input.message, budget, |m| reader.count(m))
    };
    let (text, finish, messages) = provider::run(
        ctx,
        // The school's server writes the answer; the grounding below is the same.
        |ctx, remote| {
            let messages = prompt(&Reader::Server)?;
            let out =
                provider::http::answer(ctx, remote, &messages, CHAT_MAX_TOKENS, Format::Text)?;
            Ok((out.text, out.finish, messages.len()))
        },
        |ctx| {
            let model = ctx.model()?;
            let messages = prompt(&Reader::Local(model.clone()))?;
            let ids = model.chat_tokens(&messages)?;
            let params = GenParams {
                stop_on_repeat: true,
                require_text: true,
                ..GenParams::greedy(CHAT_MAX_TOKENS)
            };
            let out = generate(ctx, &ids, &params)?;
            Ok((out.text, out.finish, messages.len()))
        },
    )?;
    let reply = ground(text.trim(), essay, asks_to_quote(&input.message));
    let reply = or_nothing_left(reply, essay.is_some());
    // The past messages the answer was given with (older ones did not fit the context).
    Ok((reply, finish, messages - 2))
}

/// The tutor's system turn: the essay (as much as the model reads) and what the checker found in it.
fn system_turn(reader: &Reader, essay: Option<&str>, findings: &[Finding]) -> Result<Message> {
    Ok(match essay {
        Some(text) => {
            let fitted = reader.fit_essay(text, CHAT_MAX_TOKENS + 200, usize::MAX)?;
            let found = if findings.is_empty() {
                PROMPTS.tutor_no_findings.clone()
            } else {
                format!(
                    "{}\n{}",
                    PROMPTS.tutor_findings,
                    listed(text, findings, PROMPT_FINDINGS)
                )
            };
            Message::system(format!(
                "{}\n\n{}\n\n{fitted}\n\n{found}",
                PROMPTS.tutor, PROMPTS.tutor_essay
            ))
        }
        None => Message::system(format!("{}\n\n{}", PROMPTS.tutor, PROMPTS.tutor_no_essay)),
    })
}

/// Nothing left after grounding: the model had only invented words to offer (without an essay,
/// every quotation is invented). Say so instead of giving an empty reply.
fn or_nothing_left(reply: String, has_essay: bool) -> String {
    match (reply.is_empty(), has_essay) {
        (false, _) => reply,
        (true, true) => "I could not find that in your essay. Try naming the paragraph or the idea, and I'll look again.".to_string(),
        (true, false) => "I can't see an essay yet, so I have nothing of yours to quote. Paste it into the editor, then ask me again and I'll answer about your own words.".to_string(),
    }
}

/// The answer to "which mistakes did I make?": the checker's findings, most of them listed.
fn mistakes_answer(text: &str, findings: &[Finding]) -> String {
    if findings.is_empty() {
        return format!(
            "{} Ask me about clarity, structure or your argument if you'd like more.",
            PROMPTS.tutor_no_findings
        );
    }
    let more = findings.len().saturating_sub(ANSWER_FINDINGS);
    let rest = match more {
        0 => String::new(),
        n => format!("\n…and {n} more in the feedback panel."),
    };
    format!(
        "The checker found {} in your essay, each with the words it is about and a fix.\n{}{rest}\nEach one is underlined in the editor, where you can apply the fix.",
        counted(findings.len()),
        listed(text, findings, ANSWER_FINDINGS)
    )
}

fn counted(n: usize) -> String {
    if n == 1 {
        "1 mistake".into()
    } else {
        format!("{n} mistakes")
    }
}

/// Findings as a numbered list: the essay's exact words, what is wrong, and the fix.
fn listed(text: &str, findings: &[Finding], max: usize) -> String {
    findings
        .iter()
        .take(max)
        .enumerate()
        .map(|(i, f)| {
            let quote = text.get(f.range.clone()).unwrap_or_default();
            let fix = f
                .suggestions
                .first()
                .map(|s| format!(" Fix: “{s}”."))
                .unwrap_or_default();
            format!("{}. “{quote}”: {}{fix}", i + 1, f.message)
        })
        .collect::<Vec<_>>()
        .join("\n")
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

    #[test]
    fn a_reply_grounding_emptied_is_never_empty() {
        assert_eq!(or_nothing_left("A tip.".into(), false), "A tip.");
        // A quotation invented without an essay (the whole reply, removed) gets a plain answer.
        let no_essay = or_nothing_left(String::new(), false);
        assert!(no_essay.contains("can't see an essay"), "{no_essay}");
        let essay = or_nothing_left(String::new(), true);
        assert!(
            essay.contains("could not find that in your essay"),
            "{essay}"
        );
    }

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
