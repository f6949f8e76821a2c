//! generateFeedbackSummary, and the summary of every assessment: the model's one sentence on the
//! essay's main strength (when it is a usable sentence of its own), then what the analysis measured
//! and found, so a summary is never empty or generic.

use crate::analysis::{self, Category, Metrics};
use crate::engine::JobCtx;
use crate::error::Result;
use crate::provider;
use crate::provider::http::Format;
use crate::tasks::assess::{essay_turn, MODEL_ESSAY_TOKENS};
use crate::tasks::generate::{generate, GenParams};
use crate::tasks::prompts::{echoes_prompt, PROMPTS};
use crate::tasks::reader::Reader;
use crate::tasks::requests::SummaryInput;
use crate::tasks::results::{Comment, Summary};

pub const SUMMARY_MAX_TOKENS: usize = 60;

pub fn summary(ctx: &mut JobCtx, input: SummaryInput) -> Result<Summary> {
    let comments = input.comments.unwrap_or_default();
    let metrics = analysis::metrics(&input.text);
    let summary = summarize(ctx, &input.text, &comments, &metrics)?;
    Ok(Summary {
        summary,
        answered: provider::answered(ctx),
    })
}

/// A short, specific summary: the model's sentence on the essay's main strength (when it gives a usable
/// one), then what the analysis measured and found, so the summary is never empty or generic.
pub fn summarize(
    ctx: &mut JobCtx,
    text: &str,
    comments: &[Comment],
    metrics: &Metrics,
) -> Result<String> {
    let prompt = |reader: &Reader| -> Result<_> {
        let essay = reader.fit_essay(text, SUMMARY_MAX_TOKENS, MODEL_ESSAY_TOKENS)?;
        Ok(essay_turn(&essay, &PROMPTS.summary))
    };
    let said = provider::run(
        ctx,
        |ctx, remote| {
            let messages = prompt(&Reader::Server)?;
            Ok(
                provider::http::answer(ctx, remote, &messages, SUMMARY_MAX_TOKENS, Format::Text)?
                    .text,
            )
        },
        |ctx| {
            let model = ctx.model()?;
            let ids = model.chat_tokens(&prompt(&Reader::Local(model.clone()))?)?;
            Ok(generate(ctx, &ids, &GenParams::greedy(SUMMARY_MAX_TOKENS))?.text)
        },
    )?;
    let mut summary = strength_sentence(&said, text).unwrap_or_default();
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
    ((5..=40).contains(&words.len()) && !copies_essay && !starts_badly && !echoes_prompt(s))
        .then(|| s.to_string())
}

/// What the analysis measured and the kinds of problems found, most important first.
fn facts(comments: &[Comment], m: &Metrics) -> String {
    // Reading ease means little under three sentences, and the formula leaves 0–100 on odd text.
    let ease = m.flesch_reading_ease.clamp(0.0, 100.0);
    let readability = if m.sentences >= 3 {
        format!(" (reading ease {ease:.0} of 100, {})", ease_label(ease))
    } else {
        String::new()
    };
    let mut s = format!(
        "It has {} in {}, with sentences of {} words on average{readability}.",
        counted(m.words, "word"),
        counted(m.paragraphs, "paragraph"),
        m.avg_sentence_length,
    );
    let mut found: Vec<String> = Vec::new();
    for (category, one, many) in CATEGORY_NAMES {
        let n = comments
            .iter()
            .filter(|c| c.source.as_deref() == Some("rules") && c.category == Some(category))
            .count();
        match n {
            0 => {}
            1 => found.push(format!("1 {one}")),
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

/// Kinds of findings in the order a student should fix them, with their names for the summary.
const CATEGORY_NAMES: [(Category, &str, &str); 7] = [
    (Category::Spelling, "spelling mistake", "spelling mistakes"),
    (Category::Grammar, "grammar mistake", "grammar mistakes"),
    (
        Category::Usage,
        "word-choice mistake",
        "word-choice mistakes",
    ),
    (
        Category::Punctuation,
        "punctuation mistake",
        "punctuation mistakes",
    ),
    (Category::Clarity, "clarity point", "clarity points"),
    (Category::Style, "style suggestion", "style suggestions"),
    (Category::Structure, "structure point", "structure points"),
];

fn ease_label(score: f64) -> &'static str {
    match score {
        s if s >= 80.0 => "easy",
        s if s >= 60.0 => "plain",
        s if s >= 40.0 => "fairly difficult",
        _ => "difficult",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::assess::tests::comment;

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
        let m = analysis::metrics(essay);
        let mut c = comment("x", Some((0, 1)), "rules");
        c.category = Some(Category::Spelling);
        let f = facts(&[c.clone(), c, comment("Say more.", None, "model")], &m);
        assert!(f.contains("11 words in 1 paragraph,"), "{f}");
        assert!(
            f.ends_with("Fix first: 2 spelling mistakes and 1 suggestion from the tutor."),
            "{f}"
        );
        assert!(facts(&[], &m).ends_with("No common problems were found."));
    }
}
