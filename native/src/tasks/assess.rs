//! assessEssay: the deterministic analysis (metrics, and every mistake the checker finds in the whole
//! essay, with suggestions), plus the model's comments decoded under a JSON schema
//! (tasks/constrained.rs), kept only when they are about the words they quote and don't parrot the
//! prompt, merged without duplicates, then a short summary built on both. Anchors are UTF-16 offsets
//! (JS string indices).

use std::sync::Arc;

#[cfg(test)]
use crate::analysis::Dialect;
use std::sync::mpsc;

use crate::analysis::{self, Analysis, Category, Finding};
use crate::engine::{engine, quick, JobCtx};
use crate::error::Result;
use crate::provider::{self, Provider};
use crate::store::assessments::{self, NewAssessment};
use crate::store::text_hash;
use crate::store::thread::Write;
use crate::tasks::check::{comment_of, dialect_or_default, personal_words};
use crate::tasks::constrained::{self, Item, Limits};
use crate::tasks::prompts::{echoes_prompt, PROMPTS};
use crate::tasks::reader::Reader;
use crate::tasks::requests::{utf16_len, AssessInput};
use crate::tasks::results::{Anchor, Assessment, Comment, CommentKind, TutorRead};
use crate::tasks::summary::summarize;
use crate::template::Message;

/// The model's part of the feedback: few, bounded comments, so a small model always finishes.
pub const MODEL_LIMITS: Limits = Limits {
    max_items: 4,
    max_quote_bytes: 100,
    max_comment_bytes: 220,
    min_comment_bytes: 12,
};
/// Every mistake the checker finds is shown, up to this many; style suggestions are capped lower, so
/// that they never bury the mistakes.
pub const MAX_MISTAKE_COMMENTS: usize = 80;
pub const MAX_STYLE_COMMENTS: usize = 8;
pub const MAX_COMMENTS: usize = MAX_MISTAKE_COMMENTS + MAX_STYLE_COMMENTS + MODEL_LIMITS.max_items;
/// The model reads at most this much of the essay (the analysis reads all of it): prefill time on one
/// core bounds it, under the 60 s deadline.
pub const MODEL_ESSAY_TOKENS: usize = 1024;
/// Tokens the feedback JSON can take: room kept free in the context.
const FEEDBACK_RESERVE: usize = 400;
/// Comments whose content words overlap this much (Jaccard) count as the same comment.
const NEAR_DUPLICATE: f64 = 0.6;

/// Both prompts start with the same system turn and essay, so the summary reuses the KV cache.
pub(crate) fn essay_turn(essay: &str, task: &str) -> Vec<Message> {
    vec![
        Message::system(PROMPTS.system.as_str()),
        Message::user(format!("Here is my essay:\n\n{essay}\n\n{task}")),
    ]
}

pub fn assess(ctx: &mut JobCtx, input: AssessInput) -> Result<Assessment> {
    // The checker runs on the quick thread while the model reads the essay here: on two cores it
    // adds nothing to the assessment's time.
    let checked = check_beside(&input);
    let mut task = PROMPTS.assess.clone();
    if let Some(extra) = &input.instruction {
        task.push_str("\nAlso: ");
        task.push_str(extra);
    }
    let fit = |reader: &Reader| reader.fit_essay(&input.text, FEEDBACK_RESERVE, MODEL_ESSAY_TOKENS);
    let (items, essay) = provider::run(
        ctx,
        // The school's server writes the comments under the same JSON schema; its quotes are
        // anchored in the essay as ours are.
        |ctx, remote| {
            let essay = fit(&Reader::Server)?;
            let messages = essay_turn(&essay, &task);
            let items = provider::feedback::comments(
                ctx,
                remote,
                &messages,
                &essay,
                &input.text,
                &MODEL_LIMITS,
            )?;
            Ok((items, essay))
        },
        |ctx| {
            let model = ctx.model()?;
            let essay = fit(&Reader::Local(model.clone()))?;
            let ids = model.chat_tokens(&essay_turn(&essay, &task))?;
            Ok((
                constrained::decode(ctx, &ids, &input.text, &MODEL_LIMITS)?.0,
                essay,
            ))
        },
    )?;
    let tutor_read = (essay.len() < input.text.len()).then(|| TutorRead {
        end: utf16_len(common_prefix(&input.text, &essay)),
    });
    let analysis = checked();
    let mut comments = rule_comments(&input.text, &analysis.findings);
    // A clean essay and a model with nothing usable to add give no comments: the summary says so.
    merge(&mut comments, model_comments(&input.text, items));
    let summary = summarize(ctx, &input.text, &comments, &analysis.metrics)?;
    let mut result = Assessment {
        comments,
        summary,
        metrics: analysis.metrics,
        dialect: analysis.dialect,
        tutor_read,
        saved: false,
        usage: ctx.usage,
        answered: provider::answered(ctx),
    };
    let model = match &ctx.provider {
        Provider::Remote(remote) => format!("{} ({})", remote.model, remote.host),
        Provider::Local => ctx.model()?.name.clone(),
    };
    // A failed save marks the store degraded (healthCheck says why) and `saved` false; the feedback
    // is still given.
    result.saved = engine()
        .history()
        .write(saving(&input, &model, &result))
        .is_ok();
    Ok(result)
}

/// The longest start of `text` that `cut` (the model's decoded view of it) also starts with.
fn common_prefix<'a>(text: &'a str, cut: &str) -> &'a str {
    let end = text
        .char_indices()
        .zip(cut.chars())
        .find(|((_, a), b)| a != b)
        .map_or_else(|| text.len().min(cut.len()), |((i, _), _)| i);
    text.get(..end).unwrap_or("")
}

/// The history write of an assessment (replayable: store/thread.rs).
fn saving(input: &AssessInput, model: &str, a: &Assessment) -> Write {
    let (id, file_id, hash) = (
        assessments::new_id(),
        input.file_id.clone(),
        text_hash(&input.text),
    );
    let (model, summary) = (model.to_string(), a.summary.clone());
    let comments = serde_json::to_value(&a.comments).unwrap_or_default();
    let metrics = serde_json::to_value(&a.metrics).ok();
    Arc::new(move |store| {
        assessments::save(
            store,
            &NewAssessment {
                id: &id,
                file_id: &file_id,
                text_hash: &hash,
                model: &model,
                comments: &comments,
                summary: Some(&summary),
                metrics: metrics.as_ref(),
            },
        )
        .map(drop)
    })
}

/// Starts the analysis of the essay on the quick thread; the returned function waits for it (or, if
/// the quick thread could not take it, runs it here).
fn check_beside(input: &AssessInput) -> impl FnOnce() -> Analysis {
    let (text, dialect) = (input.text.clone(), dialect_or_default(input.dialect));
    let (tx, rx) = mpsc::channel();
    let job = {
        let text = text.clone();
        move || {
            let _ = tx.send(analysis::analyze(&text, dialect, &personal_words()));
        }
    };
    let queued = quick::run(Box::new(job)).is_ok();
    move || {
        queued
            .then(|| rx.recv().ok())
            .flatten()
            .unwrap_or_else(|| analysis::analyze(&text, dialect, &personal_words()))
    }
}

/// The analysis as inline comments: every mistake (up to MAX_MISTAKE_COMMENTS), and at most
/// MAX_STYLE_COMMENTS style suggestions, shared out between rules in turns (one for every rule, then a
/// second, …) so no single habit crowds out the rest. Where there are more than fit, the ones shown are
/// spread over the whole essay, not the first ones (a long essay's last pages get feedback too).
pub(crate) fn rule_comments(text: &str, findings: &[Finding]) -> Vec<Comment> {
    let (mistakes, style): (Vec<&Finding>, Vec<&Finding>) =
        findings.iter().partition(|f| f.category.is_mistake());
    let mut chosen = spread(mistakes, MAX_MISTAKE_COMMENTS);
    let mut rules: Vec<&str> = Vec::new();
    for f in &style {
        if !rules.contains(&f.rule.as_str()) {
            rules.push(&f.rule);
        }
    }
    let of_rule =
        |r: &str| -> Vec<&Finding> { style.iter().copied().filter(|f| f.rule == r).collect() };
    let mut quota = vec![0usize; rules.len()];
    let mut left = MAX_STYLE_COMMENTS;
    'turns: for turn in 0.. {
        let mut took = false;
        for (i, r) in rules.iter().enumerate() {
            if left == 0 {
                break 'turns;
            }
            if of_rule(r).len() > turn {
                quota[i] += 1;
                left -= 1;
                took = true;
            }
        }
        if !took {
            break;
        }
    }
    for (r, q) in rules.iter().zip(quota) {
        chosen.extend(spread(of_rule(r), q));
    }
    chosen.sort_by_key(|f| (f.range.start, f.range.end));
    chosen.into_iter().map(|f| comment_of(text, f)).collect()
}

/// At most `cap` of `items` (in essay order): all of them if they fit, else the first (where a habit
/// first shows) and the rest evenly spaced up to the last.
fn spread<T: Copy>(items: Vec<T>, cap: usize) -> Vec<T> {
    let n = items.len();
    if n <= cap {
        return items;
    }
    match cap {
        0 => Vec::new(),
        1 => vec![items[0]],
        _ => (0..cap).map(|j| items[j * (n - 1) / (cap - 1)]).collect(),
    }
}

pub(crate) fn model_comments(text: &str, items: Vec<Item>) -> Vec<Comment> {
    items
        .into_iter()
        .filter_map(|item| {
            let content = tidy(&item.comment, item.truncated)?;
            if echoes_prompt(&content) {
                return None;
            }
            let (kind, anchor) = match item.quote {
                Some((start, quote)) => {
                    if !about_its_span(&content, &quote) {
                        return None;
                    }
                    (CommentKind::Inline, Some(Anchor::at(text, start, &quote)))
                }
                None => (CommentKind::Block, None),
            };
            Some(Comment {
                category: Some(model_category(&content, kind)),
                content,
                kind,
                anchor,
                source: Some("model".into()),
                rule: None,
                suggestions: Some(Vec::new()),
            })
        })
        .collect()
}

/// The words a comment names in quotation marks: ‘needs’, "town", “Their is”.
pub(crate) fn named_words(comment: &str) -> Vec<String> {
    let chars: Vec<char> = comment.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let close = match chars[i] {
            '"' => Some('"'),
            '“' => Some('”'),
            '‘' => Some('’'),
            // A straight apostrophe opens a quote only at the start of a word: not in "don't".
            '\'' if i == 0 || !chars[i - 1].is_alphanumeric() => Some('\''),
            _ => None,
        };
        if let Some(close) = close {
            let end = (i + 1..chars.len()).find(|&j| {
                chars[j] == close && chars.get(j + 1).is_none_or(|c| !c.is_alphanumeric())
            });
            if let Some(end) = end {
                let named: String = chars[i + 1..end].iter().collect();
                if !named.trim().is_empty() {
                    out.push(named.trim().to_string());
                }
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// A comment that names words must name at least one that is in the span it quotes; otherwise it is
/// about something else (often the prompt, or another essay).
pub(crate) fn about_its_span(comment: &str, quote: &str) -> bool {
    let named = named_words(comment);
    let quote = quote.to_lowercase();
    named.is_empty() || named.iter().any(|w| quote.contains(&w.to_lowercase()))
}

/// The category of a model comment from what it talks about.
fn model_category(comment: &str, kind: CommentKind) -> Category {
    let c = comment.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| c.contains(w));
    if has(&["spell"]) {
        Category::Spelling
    } else if has(&["comma", "punctuat", "apostrophe", "full stop", "period"]) {
        Category::Punctuation
    } else if has(&["grammar", "verb", "tense", "singular", "plural", "agree"]) {
        Category::Grammar
    } else if kind == CommentKind::Block
        || has(&[
            "paragraph",
            "structure",
            "introduction",
            "conclusion",
            "order",
            "organi",
        ])
    {
        Category::Structure
    } else {
        Category::Clarity
    }
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A comment for the tests here and in summary.rs.
    pub(crate) fn comment(content: &str, span: Option<(usize, usize)>, source: &str) -> Comment {
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
            category: None,
            suggestions: None,
        }
    }

    fn finding(rule: &str, category: Category, at: usize) -> Finding {
        Finding {
            rule: rule.into(),
            range: at..at + 1,
            message: format!("{rule} here"),
            category,
            suggestions: Vec::new(),
        }
    }

    #[test]
    fn anchors_are_utf16_offsets() {
        let essay = "Café 😀 est très “bon”. 你好世界 ends";
        let byte = essay.find("你好世界").unwrap_or_default();
        let a = Anchor::at(essay, byte, "你好世界");
        let units: Vec<u16> = essay.encode_utf16().collect();
        assert_eq!(String::from_utf16_lossy(&units[a.start..a.end]), "你好世界");
    }

    #[test]
    fn every_mistake_is_kept_and_style_rules_take_turns() {
        let text = "x".repeat(200);
        let mut findings: Vec<Finding> = (0..30)
            .map(|i| finding("spelling", Category::Spelling, i))
            .collect();
        findings.extend((100..120).map(|i| finding("passive-voice", Category::Style, i)));
        findings.push(finding("repeated-opening", Category::Style, 150));
        let c = rule_comments(&text, &findings);
        let count = |rule: &str| c.iter().filter(|c| c.rule.as_deref() == Some(rule)).count();
        assert_eq!(count("spelling"), 30, "every mistake");
        assert_eq!(
            count("passive-voice") + count("repeated-opening"),
            MAX_STYLE_COMMENTS
        );
        assert_eq!(count("repeated-opening"), 1, "each style rule gets a turn");
        assert!(c.windows(2).all(
            |w| w[0].anchor.as_ref().map(|a| a.start) <= w[1].anchor.as_ref().map(|a| a.start)
        ));
    }

    #[test]
    fn in_a_long_essay_the_comments_shown_cover_all_of_it() {
        // An 18,000-word essay used to get its comments on the first pages only.
        let text = "x".repeat(100_000);
        let mut findings: Vec<Finding> = (0..400)
            .map(|i| finding("spelling", Category::Spelling, i * 250))
            .collect();
        findings.extend((0..60).map(|i| finding("long-sentence", Category::Style, 30 + i * 1_600)));
        findings.extend((0..40).map(|i| finding("passive-voice", Category::Style, 60 + i * 2_400)));
        findings.sort_by_key(|f| f.range.start);
        let c = rule_comments(&text, &findings);
        let starts = |rule: &str| -> Vec<usize> {
            c.iter()
                .filter(|c| c.rule.as_deref() == Some(rule))
                .filter_map(|c| c.anchor.as_ref().map(|a| a.start))
                .collect()
        };
        for rule in ["spelling", "long-sentence", "passive-voice"] {
            let s = starts(rule);
            assert!(!s.is_empty(), "{rule}");
            let last = s.iter().max().copied().unwrap_or_default();
            assert!(last > 75_000, "{rule}: the last comment shown is at {last}");
            let first_half = s.iter().filter(|&&x| x < 50_000).count();
            assert!(
                first_half * 3 < s.len() * 2,
                "{rule}: {first_half} of {} in the first half",
                s.len()
            );
        }
        assert_eq!(starts("spelling").len(), MAX_MISTAKE_COMMENTS);
        assert_eq!(
            starts("long-sentence").len() + starts("passive-voice").len(),
            MAX_STYLE_COMMENTS
        );
    }

    #[test]
    fn the_part_the_tutor_read_ends_where_the_cut_text_stops_matching() {
        assert_eq!(common_prefix("Café au lait, merci.", "Café au"), "Café au");
        assert_eq!(common_prefix("abc", "abd"), "ab");
        assert_eq!(common_prefix("abc", "abcdef"), "abc");
        assert_eq!(utf16_len(common_prefix("😀 smile", "😀 sm")), 5);
    }

    #[test]
    fn rule_comments_anchor_the_exact_words() {
        let text = "Their going to the libary tomorow, and it is realy far away from there house.";
        let findings = analysis::analyze(text, Dialect::Auto, &Default::default()).findings;
        let c = rule_comments(text, &findings);
        assert!(c.len() >= 3, "{c:?}");
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
    fn truncated_model_comments_keep_whole_sentences() {
        assert_eq!(
            tidy("Use a comma here. Also the", true),
            Some("Use a comma here.".into())
        );
        assert_eq!(tidy("Good", false), None);
    }

    #[test]
    fn a_model_comment_must_name_words_of_its_span() {
        assert_eq!(
            named_words("Use 'needs', because 'town' is singular."),
            ["needs", "town"]
        );
        assert_eq!(
            named_words("Don't write “their is”; it's wrong."),
            ["their is"]
        );
        assert!(named_words("Don't repeat yourself; it's dull.").is_empty());
        // The prompt example that leaked into essays about libraries: names nothing in the span.
        assert!(!about_its_span(
            "Use 'needs', because 'town' is singular.",
            "Libraries also lend"
        ));
        assert!(about_its_span(
            "Use 'needs', because 'town' is singular.",
            "My town need"
        ));
        assert!(about_its_span(
            "Split this sentence in two.",
            "anything at all"
        ));
    }

    #[test]
    fn model_comments_that_parrot_the_prompt_or_miss_their_span_are_dropped() {
        let text = "My town need a new library. It is old.";
        let item = |quote: Option<&str>, comment: &str| Item {
            quote: quote.map(|q| (text.find(q).unwrap_or(0), q.to_string())),
            comment: comment.into(),
            truncated: false,
        };
        let kept = model_comments(
            text,
            vec![
                item(
                    Some("My town need"),
                    "Use 'needs', because 'town' is singular.",
                ),
                item(
                    Some("It is old."),
                    "Use 'needs', because 'town' is singular.",
                ),
                item(None, "Copy the exact words from my essay that it is about."),
                item(None, "Add a second reason to support your argument."),
            ],
        );
        let contents: Vec<&str> = kept.iter().map(|c| c.content.as_str()).collect();
        assert_eq!(
            contents,
            [
                "Use 'needs', because 'town' is singular.",
                "Add a second reason to support your argument."
            ]
        );
        assert_eq!(kept[0].category, Some(Category::Grammar));
        assert_eq!(kept[1].category, Some(Category::Structure));
    }
}
