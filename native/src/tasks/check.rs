//! checkText and the personal dictionary: the deterministic checker alone, no model. They run on the
//! quick thread (engine/quick.rs), never behind an inference.

use std::collections::HashSet;

use std::sync::Arc;

use crate::analysis::{self, Dialect, Finding};
use crate::engine::engine;
use crate::error::Result;
use crate::store::thread::Write;
use crate::store::words;
use crate::tasks::requests::CheckInput;
use crate::tasks::results::{Anchor, Checked, Comment, CommentKind};

/// The student's dictionary. A store that can't be read (healthCheck says why) checks without it.
pub fn personal_words() -> HashSet<String> {
    engine().history().read(words::set).unwrap_or_default()
}

/// The dialect asked for, else the configured one.
pub fn dialect_or_default(dialect: Option<Dialect>) -> Dialect {
    dialect.unwrap_or_else(|| engine().config().dialect)
}

pub fn check_text(input: CheckInput) -> Result<Checked> {
    let dialect = dialect_or_default(input.dialect);
    let analysis = analysis::analyze(&input.text, dialect, &personal_words());
    let comments: Vec<Comment> = analysis
        .findings
        .iter()
        .map(|f| comment_of(&input.text, f))
        .collect();
    Ok(Checked {
        comments,
        dialect: analysis.dialect,
        words: analysis.metrics.words,
    })
}

/// A finding as an inline comment with its UTF-16 anchor.
pub fn comment_of(text: &str, f: &Finding) -> Comment {
    Comment {
        content: f.message.clone(),
        kind: CommentKind::Inline,
        anchor: Some(Anchor::at(text, f.range.start, &text[f.range.clone()])),
        source: Some("rules".into()),
        rule: Some(f.rule.clone()),
        category: Some(f.category),
        suggestions: Some(f.suggestions.clone()),
    }
}

pub fn add_word(word: String) -> Write {
    Arc::new(move |s| words::add(s, &word))
}

pub fn remove_word(word: String) -> Write {
    Arc::new(move |s| words::remove(s, &word).map(drop))
}
