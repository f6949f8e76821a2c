//! assessEssay: the model's feedback, turned into comments of the declared shape. Inline comments quote
//! the essay verbatim; their anchors are UTF-16 offsets (JavaScript string indices).

use serde_json::{json, Value};

use crate::engine::JobCtx;
use crate::error::{EngineError, Result};
use crate::tasks::generate::{generate, GenParams};
use crate::tasks::requests::{utf16_len, Anchor, AssessInput, Comment, CommentKind};
use crate::tasks::{fit_essay, SUMMARY_MAX_TOKENS};
use crate::template::Message;

pub const ASSESS_MAX_TOKENS: usize = 300;
pub const MAX_MODEL_COMMENTS: usize = 8;
const MIN_QUOTE_CHARS: usize = 3;

const SYSTEM: &str =
    "You are a writing tutor. You give short, specific, kind feedback on student essays.";

/// Both prompts start with the same system turn and essay, so the second one reuses the KV cache.
fn essay_turn(essay: &str, task: &str) -> Vec<Message> {
    vec![
        Message::system(SYSTEM),
        Message::user(format!("Here is my essay:\n\n{essay}\n\n{task}")),
    ]
}

pub fn assess(ctx: &mut JobCtx, input: AssessInput) -> Result<Value> {
    let essay = fit_essay(ctx, &input.text, ASSESS_MAX_TOKENS)?;
    let mut task = String::from(
        "Give 3 to 5 pieces of feedback on my essay, one per line, each starting with \"- \". \
When a point is about specific words, begin the line with those exact words from the essay in double quotes, then a colon.",
    );
    if let Some(extra) = &input.instruction {
        task.push_str("\nAlso: ");
        task.push_str(extra);
    }
    let ids = ctx.model.chat_tokens(&essay_turn(&essay, &task))?;
    let out = generate(ctx, &ids, &GenParams::greedy(ASSESS_MAX_TOKENS))?;
    let comments = parse_feedback(&out.text, &input.text);
    if comments.is_empty() {
        return Err(EngineError::InvalidResponse(
            "The model's feedback could not be read as comments. Try again or use a larger model."
                .into(),
        ));
    }
    let summary = summarize(ctx, &input.text, &comments)?;
    Ok(json!({ "comments": comments, "summary": summary }))
}

pub fn summarize(ctx: &mut JobCtx, text: &str, comments: &[Comment]) -> Result<String> {
    let essay = fit_essay(ctx, text, SUMMARY_MAX_TOKENS)?;
    let mut task = String::from(
        "In two or three sentences, summarize the main strength of my essay and the most important thing to improve.",
    );
    if !comments.is_empty() {
        task.push_str(" Feedback so far:");
        for c in comments.iter().take(10) {
            task.push_str("\n- ");
            task.push_str(&c.content);
        }
    }
    let ids = ctx.model.chat_tokens(&essay_turn(&essay, &task))?;
    let out = generate(ctx, &ids, &GenParams::greedy(SUMMARY_MAX_TOKENS))?;
    let summary = out.text.trim().to_string();
    if summary.is_empty() {
        return Err(EngineError::InvalidResponse(
            "The model gave an empty summary.".into(),
        ));
    }
    Ok(summary)
}

/// Reads "- ..." lines; a leading quoted phrase that occurs verbatim in the essay makes an inline comment.
pub fn parse_feedback(output: &str, essay: &str) -> Vec<Comment> {
    let mut comments: Vec<Comment> = Vec::new();
    for line in output.lines() {
        let line = strip_bullet(line.trim());
        if line.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
            continue;
        }
        let comment = match quoted(line).and_then(|(q, rest)| anchor(essay, q).map(|a| (a, rest))) {
            Some((a, rest)) => {
                let content = rest
                    .trim_start_matches([':', '-', '–', ' ', ',', '.'])
                    .trim();
                Comment {
                    content: if content.is_empty() {
                        line.to_string()
                    } else {
                        content.to_string()
                    },
                    kind: CommentKind::Inline,
                    anchor: Some(a),
                }
            }
            None => Comment {
                content: line.to_string(),
                kind: CommentKind::Block,
                anchor: None,
            },
        };
        if !comments
            .iter()
            .any(|c| c.content.eq_ignore_ascii_case(&comment.content))
        {
            comments.push(comment);
        }
        if comments.len() >= MAX_MODEL_COMMENTS {
            break;
        }
    }
    comments
}

fn strip_bullet(line: &str) -> &str {
    let l = line.trim_start_matches(['-', '*', '•', ' ']);
    let digits = l.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && l[digits..].starts_with(['.', ')']) {
        l[digits + 1..].trim()
    } else {
        l.trim()
    }
}

/// A phrase in straight or curly double quotes, and the text after it.
fn quoted(line: &str) -> Option<(&str, &str)> {
    let open = line.find(['"', '“'])?;
    let after = &line[open + line[open..].chars().next()?.len_utf8()..];
    let close = after.find(['"', '”'])?;
    let q = after[..close].trim();
    let rest = &after[close + after[close..].chars().next()?.len_utf8()..];
    (q.chars().count() >= MIN_QUOTE_CHARS).then_some((q, rest))
}

/// The quote's position in the essay as UTF-16 offsets, if it occurs verbatim.
pub fn anchor(essay: &str, quote: &str) -> Option<Anchor> {
    let byte = essay.find(quote)?;
    let start = utf16_len(&essay[..byte]);
    Some(Anchor {
        start,
        end: start + utf16_len(quote),
        quote: quote.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_utf16_offsets() {
        let essay = "Café 😀 est très “bon”. 你好世界 ends";
        let a = anchor(essay, "你好世界").expect("found");
        let units: Vec<u16> = essay.encode_utf16().collect();
        assert_eq!(String::from_utf16_lossy(&units[a.start..a.end]), "你好世界");
    }

    #[test]
    fn parses_inline_and_block_feedback() {
        let essay = "The dog runned fast. It was a good day.";
        let out = "- \"dog runned\": use \"ran\" instead.\n- Add a conclusion.\n- \"not in essay\": hmm\n- Add a conclusion.";
        let c = parse_feedback(out, essay);
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].kind, CommentKind::Inline);
        assert_eq!(
            c[0].anchor.as_ref().map(|a| (a.start, a.end)),
            Some((4, 14))
        );
        assert_eq!(c[1].kind, CommentKind::Block);
        assert_eq!(c[2].kind, CommentKind::Block);
    }
}
