//! assessEssay: the deterministic analysis (metrics and rule-based comments over the whole essay),
//! plus the model's comments decoded under a JSON schema (tasks/constrained.rs), merged without
//! duplicates, then a short summary built on both. Anchors are UTF-16 offsets (JS string indices).

use serde_json::{json, Value};

use crate::analysis::{self, Finding, Metrics};
use crate::engine::JobCtx;
use crate::error::{EngineError, Result};
use crate::store::assessments::{self, NewAssessment};
use crate::store::text_hash;
use crate::tasks::constrained::{self, Item, Limits};
use crate::tasks::fit_essay;
use crate::tasks::generate::{generate, GenParams};
use crate::tasks::requests::{utf16_len, Anchor, AssessInput, Comment, CommentKind};
use crate::template::Message;

/// The model's part of the feedback: few, bounded comments, so a small model always finishes.
pub const MODEL_LIMITS: Limits = Limits {
    max_items: 4,
    max_quote_bytes: 100,
    max_comment_bytes: 220,
    min_comment_bytes: 12,
};
/// At most this many comments from the analysis rules, and in all.
pub const MAX_RULE_COMMENTS: usize = 12;
pub const MAX_COMMENTS: usize = 16;
/// The model reads at most this much of the essay (the analysis reads all of it): prefill time on one
/// core bounds it, under the 60 s deadline.
pub const MODEL_ESSAY_TOKENS: usize = 1024;
/// Tokens the feedback JSON can take: room kept free in the context.
const FEEDBACK_RESERVE: usize = 400;
pub const SUMMARY_MAX_TOKENS: usize = 60;
/// Comments whose content words overlap this much (Jaccard) count as the same comment.
const NEAR_DUPLICATE: f64 = 0.6;

const SYSTEM: &str =
    "You are a writing tutor. You give short, specific, kind feedback on student essays.";

const TASK: &str = "Give up to 4 specific suggestions to improve my essay. For each one, copy the exact words \
from my essay that it is about, and say in one sentence what to change and why. Answer only with JSON, \
like this answer about another essay: \
{\"comments\":[{\"quote\":\"My town need\",\"comment\":\"Use 'needs', because 'town' is singular.\"},\
{\"quote\":\"Their is no place\",\"comment\":\"Write 'There is'; 'their' means belonging to them.\"}]}";

/// Both prompts start with the same system turn and essay, so the summary reuses the KV cache.
fn essay_turn(essay: &str, task: &str) -> Vec<Message> {
    vec![
        Message::system(SYSTEM),
        Message::user(format!("Here is my essay:\n\n{essay}\n\n{task}")),
    ]
}

pub fn assess(ctx: &mut JobCtx, input: AssessInput) -> Result<Value> {
    let analysis = analysis::analyze(&input.text);
    let mut comments = rule_comments(&input.text, &analysis.findings);

    let essay = fit_essay(ctx, &input.text, FEEDBACK_RESERVE, MODEL_ESSAY_TOKENS)?;
    let mut task = String::from(TASK);
    if let Some(extra) = &input.instruction {
        task.push_str("\nAlso: ");
        task.push_str(extra);
    }
    let ids = ctx.model.chat_tokens(&essay_turn(&essay, &task))?;
    let (items, _json) = constrained::decode(ctx, &ids, &input.text, &MODEL_LIMITS)?;
    merge(&mut comments, model_comments(&input.text, items));
    if comments.is_empty() {
        return Err(EngineError::InvalidResponse(
            "Neither the analysis nor the model produced a usable comment. Try again or use a larger model."
                .into(),
        ));
    }
    let summary = summarize(ctx, &input.text, &comments, &analysis.metrics)?;
    let result = json!({ "comments": comments, "summary": summary, "metrics": analysis.metrics });
    if let Some(store) = &ctx.store {
        // A failed save marks the store degraded (healthCheck says so); the feedback is still given.
        let _ = assessments::save(
            store,
            &NewAssessment {
                file_id: &input.file_id,
                text_hash: &text_hash(&input.text),
                model: &ctx.model.name,
                comments: &result["comments"],
                summary: Some(&summary),
                metrics: Some(&result["metrics"]),
            },
        );
    }
    Ok(result)
}

/// Rule findings as inline comments, at most MAX_RULE_COMMENTS: the first finding of every rule, then
/// the second of every rule, and so on, so no single habit crowds out the rest.
pub(crate) fn rule_comments(text: &str, findings: &[Finding]) -> Vec<Comment> {
    let mut ranked: Vec<(usize, &Finding)> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| (findings[..i].iter().filter(|g| g.rule == f.rule).count(), f))
        .collect();
    ranked.sort_by_key(|(rank, f)| (*rank, f.range.start));
    ranked.truncate(MAX_RULE_COMMENTS);
    ranked.sort_by_key(|(_, f)| (f.range.start, f.range.end));
    ranked
        .into_iter()
        .map(|(_, f)| Comment {
            content: f.message.clone(),
            kind: CommentKind::Inline,
            anchor: Some(anchor_at(text, f.range.start, &text[f.range.clone()])),
            source: Some("rules".into()),
            rule: Some(f.rule.into()),
        })
        .collect()
}

pub(crate) fn model_comments(text: &str, items: Vec<Item>) -> Vec<Comment> {
    items
        .into_iter()
        .filter_map(|item| {
            let content = tidy(&item.comment, item.truncated)?;
            let (kind, anchor) = match item.quote {
                Some((start, quote)) => (CommentKind::Inline, Some(anchor_at(text, start, &quote))),
                None => (CommentKind::Block, None),
            };
            Some(Comment {
                content,
                kind,
                anchor,
                source: Some("model".into()),
                rule: None,
            })
        })
        .collect()
}

/// A comment cut by its length limit keeps its complete sentences; too little text is dropped.
fn tidy(comment: &str, truncated: bool) -> Option<String> {
    let mut c = comment.trim();
    if truncated {
        if let Some(end) = c.rfind(['.', '!', '?']) {
            c = &c[..=end];
        }
    }
    let c = c.trim();
    (c.split_whitespace().count() >= 3).then(|| c.to_string())
}

/// Adds the model's comments that say something new; orders inline comments by position, then the
/// comments on the whole essay; caps the total.
fn merge(comments: &mut Vec<Comment>, extra: Vec<Comment>) {
    for c in extra {
        if !comments.iter().any(|d| same_comment(d, &c)) {
            comments.push(c);
        }
    }
    comments.sort_by_key(|c| c.anchor.as_ref().map_or(usize::MAX, |a| a.start));
    comments.truncate(MAX_COMMENTS);
}

/// Two comments are the same when their words mostly overlap, or when the model says something about
/// the very span it already commented on.
pub fn same_comment(a: &Comment, b: &Comment) -> bool {
    let same_span = matches!((&a.anchor, &b.anchor), (Some(x), Some(y)) if x.start == y.start && x.end == y.end);
    if same_span && a.source == b.source {
        return true;
    }
    jaccard(&content_words(&a.content), &content_words(&b.content)) >= NEAR_DUPLICATE
}

fn content_words(s: &str) -> Vec<String> {
    let mut w: Vec<String> = s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 2)
        .map(str::to_lowercase)
        .collect();
    w.sort();
    w.dedup();
    w
}

fn jaccard(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.iter().filter(|w| b.contains(w)).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// A short, specific summary: the model's sentence on the essay's main strength (when it gives a usable
/// one), then what the analysis measured and found, so the summary is never empty or generic.
pub fn summarize(
    ctx: &mut JobCtx,
    text: &str,
    comments: &[Comment],
    metrics: &Metrics,
) -> Result<String> {
    let essay = fit_essay(ctx, text, SUMMARY_MAX_TOKENS, MODEL_ESSAY_TOKENS)?;
    let task = "In one sentence, tell me the main strength of my essay. Do not repeat the essay.";
    let ids = ctx.model.chat_tokens(&essay_turn(&essay, task))?;
    let out = generate(ctx, &ids, &GenParams::greedy(SUMMARY_MAX_TOKENS))?;
    let mut summary = strength_sentence(&out.text, text).unwrap_or_default();
    if !summary.is_empty() {
        summary.push(' ');
    }
    summary.push_str(&facts(comments, metrics));
    Ok(summary)
}

/// The model's first sentence, if it is a sentence of its own: not a copy of the essay, not a
/// heading or a list, 5 to 40 words.
fn strength_sentence(raw: &str, essay: &str) -> Option<String> {
    let first_line = raw.trim().lines().next()?.trim();
    let end = first_line
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '.' | '!')
                && first_line[i + 1..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace)
        })
        .map(|(i, _)| i + 1)?;
    let s = &first_line[..end];
    let words: Vec<&str> = s.split_whitespace().collect();
    let copies_essay = words.windows(6).any(|w| essay.contains(&w.join(" ")));
    let starts_badly = ["Here", "Sure", "#", "*", "-", "Essay"]
        .iter()
        .any(|p| s.starts_with(p));
    ((5..=40).contains(&words.len()) && !copies_essay && !starts_badly).then(|| s.to_string())
}

/// What the analysis measured and the kinds of problems found, most important first.
fn facts(comments: &[Comment], m: &Metrics) -> String {
    let mut s = format!(
        "It has {} in {}, with sentences of {} words on average (reading ease {}, {}).",
        counted(m.words, "word"),
        counted(m.paragraphs, "paragraph"),
        m.avg_sentence_length,
        m.flesch_reading_ease,
        ease_label(m.flesch_reading_ease)
    );
    let mut found: Vec<String> = Vec::new();
    for (rule, one, many) in RULE_NAMES {
        let n = comments
            .iter()
            .filter(|c| c.rule.as_deref() == Some(rule))
            .count();
        match n {
            0 => {}
            1 => found.push(format!("a {one}")),
            n => found.push(format!("{n} {many}")),
        }
    }
    let suggestions = comments
        .iter()
        .filter(|c| c.source.as_deref() != Some("rules"))
        .count();
    if suggestions > 0 {
        found.push(format!(
            "{suggestions} suggestion{} from the tutor",
            if suggestions == 1 { "" } else { "s" }
        ));
    }
    match found.len() {
        0 => s.push_str(" No common problems were found."),
        _ => {
            let last = found.pop().unwrap_or_default();
            let list = if found.is_empty() {
                last
            } else {
                format!("{} and {last}", found.join(", "))
            };
            s.push_str(&format!(" Fix first: {list}."));
        }
    }
    s
}

fn counted(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Rules in the order a student should fix them, with their names for the summary.
const RULE_NAMES: [(&str, &str, &str); 7] = [
    ("misspelling", "misspelling", "misspellings"),
    ("double-word", "doubled word", "doubled words"),
    ("long-sentence", "very long sentence", "very long sentences"),
    (
        "repeated-opening",
        "run of sentences with the same opening",
        "runs of sentences with the same opening",
    ),
    ("passive-voice", "possible passive", "possible passives"),
    (
        "repeated-word",
        "word repeated too soon",
        "words repeated too soon",
    ),
    (
        "one-sentence-paragraph",
        "one-sentence paragraph",
        "one-sentence paragraphs",
    ),
];

fn ease_label(score: f64) -> &'static str {
    match score {
        s if s >= 80.0 => "easy",
        s if s >= 60.0 => "plain",
        s if s >= 40.0 => "fairly difficult",
        _ => "difficult",
    }
}

/// The anchor of `quote` found at byte offset `start`, in UTF-16 offsets.
fn anchor_at(text: &str, start: usize, quote: &str) -> Anchor {
    let start16 = utf16_len(&text[..start]);
    Anchor {
        start: start16,
        end: start16 + utf16_len(quote),
        quote: quote.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(content: &str, span: Option<(usize, usize)>, source: &str) -> Comment {
        Comment {
            content: content.into(),
            kind: if span.is_some() {
                CommentKind::Inline
            } else {
                CommentKind::Block
            },
            anchor: span.map(|(start, end)| Anchor {
                start,
                end,
                quote: String::new(),
            }),
            source: Some(source.into()),
            rule: None,
        }
    }

    #[test]
    fn anchors_are_utf16_offsets() {
        let essay = "Café 😀 est très “bon”. 你好世界 ends";
        let byte = essay.find("你好世界").unwrap_or_default();
        let a = anchor_at(essay, byte, "你好世界");
        let units: Vec<u16> = essay.encode_utf16().collect();
        assert_eq!(String::from_utf16_lossy(&units[a.start..a.end]), "你好世界");
    }

    #[test]
    fn rule_comments_take_turns_between_rules() {
        let text = "I recieve. ".repeat(30);
        let findings = analysis::analyze(&text).findings;
        let c = rule_comments(&text, &findings);
        assert!(c.len() <= MAX_RULE_COMMENTS);
        let rules: Vec<&str> = c.iter().filter_map(|c| c.rule.as_deref()).collect();
        assert!(
            rules.contains(&"misspelling") && rules.contains(&"repeated-opening"),
            "{rules:?}"
        );
        for c in &c {
            let a = c.anchor.as_ref().unwrap_or_else(|| panic!("inline"));
            let units: Vec<u16> = text.encode_utf16().collect();
            assert_eq!(String::from_utf16_lossy(&units[a.start..a.end]), a.quote);
        }
    }

    #[test]
    fn near_duplicates_are_merged() {
        let mut base = vec![comment(
            "This sentence is too long; split it in two.",
            Some((0, 10)),
            "rules",
        )];
        merge(
            &mut base,
            vec![
                comment(
                    "Split this sentence in two, it is too long.",
                    Some((20, 30)),
                    "model",
                ),
                comment(
                    "Add a counter-argument before the conclusion.",
                    None,
                    "model",
                ),
                comment(
                    "Add a counter-argument before your conclusion.",
                    None,
                    "model",
                ),
            ],
        );
        assert_eq!(base.len(), 2, "{base:?}");
        assert_eq!(base[1].kind, CommentKind::Block);
    }

    #[test]
    fn summaries_keep_one_own_sentence_and_add_the_facts() {
        let essay = "Schools should start later because teenagers need more sleep at night.";
        assert_eq!(
            strength_sentence(
                "Your argument is clear and well supported. More text.",
                essay
            ),
            Some("Your argument is clear and well supported.".into())
        );
        assert_eq!(strength_sentence("Here is your essay: ...", essay), None);
        assert_eq!(
            strength_sentence(
                "Schools should start later because teenagers need more sleep.",
                essay
            ),
            None,
            "a copy of the essay is not a summary"
        );
        let m = analysis::analyze(essay).metrics;
        let mut c = comment("x", Some((0, 1)), "rules");
        c.rule = Some("misspelling".into());
        let f = facts(&[c.clone(), c, comment("Say more.", None, "model")], &m);
        assert!(f.contains("11 words in 1 paragraph,"), "{f}");
        assert!(
            f.ends_with("Fix first: 2 misspellings and 1 suggestion from the tutor."),
            "{f}"
        );
        assert!(facts(&[], &m).ends_with("No common problems were found."));
    }

    #[test]
    fn truncated_model_comments_keep_whole_sentences() {
        assert_eq!(
            tidy("Use a comma here. Also the", true),
            Some("Use a comma here.".into())
        );
        assert_eq!(tidy("Good", false), None);
    }
}
