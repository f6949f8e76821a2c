//! Deterministic essay analysis: paragraphs, sentences and words by Unicode rules, readability
//! metrics, and the checker's findings with exact anchors: Harper's grammar, usage and punctuation
//! rules with our own spelling, agreement and confused-word linters (checker.rs), and our style rules
//! where Harper has none (rules.rs). It sees the whole essay, also when the model only sees the part
//! that fits its context, and it never needs the model.

mod agreement;
mod apostrophes;
pub mod checker;
mod confusions;
mod metrics;
mod rules;
pub(crate) mod segment;
mod sentence_start;
mod spelling;
mod tokens;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::ops::Range;

use serde::{Deserialize, Serialize};

pub use checker::Dialect;
pub use metrics::Metrics;
pub use segment::Essay;

/// What a comment is about, as a student would sort them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Spelling,
    Grammar,
    Usage,
    Punctuation,
    Style,
    Clarity,
    Structure,
}

impl Category {
    /// Spelling, grammar, usage and punctuation say the text is wrong; the others suggest.
    pub fn is_mistake(self) -> bool {
        matches!(
            self,
            Category::Spelling | Category::Grammar | Category::Usage | Category::Punctuation
        )
    }
}

/// One problem at an exact place in the essay.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable rule id, e.g. "subject-verb-agreement", "an-a", "passive-voice".
    pub rule: String,
    /// Bytes of the essay; the caller turns them into a UTF-16 anchor.
    pub range: Range<usize>,
    pub message: String,
    pub category: Category,
    /// Replacements for the range, best first (may be empty).
    pub suggestions: Vec<String>,
}

pub struct Analysis {
    pub metrics: Metrics,
    pub findings: Vec<Finding>,
    /// The dialect the essay was checked in (found from the essay when asked for `Auto`).
    pub dialect: Dialect,
}

/// Metrics alone (no checker).
pub fn metrics(text: &str) -> Metrics {
    Metrics::of(&Essay::segment(text))
}

/// Metrics and every finding of the checker and the style rules, in text order.
pub fn analyze(text: &str, dialect: Dialect, personal: &HashSet<String>) -> Analysis {
    let essay = Essay::segment(text);
    let (mut findings, dialect) = checker::check(text, dialect, personal);
    findings.extend(rules::check(&essay));
    findings.sort_by_key(|f| (f.range.start, f.range.end));
    Analysis {
        metrics: Metrics::of(&essay),
        findings,
        dialect,
    }
}
