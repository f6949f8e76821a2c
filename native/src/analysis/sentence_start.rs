//! A sentence that starts with a small letter after a full stop, where Harper's own rule stays quiet
//! (it skips words that also exist in capitals, like "in" beside "IN", and short paragraphs).

use std::sync::Arc;

use harper_core::linting::{Lint, LintKind, Linter};
use harper_core::spell::{Dictionary, FstDictionary};
use harper_core::Document;

use super::tokens::{replace, sentences};

pub struct SentenceStart {
    dict: Arc<FstDictionary>,
}

impl SentenceStart {
    pub fn new(dict: Arc<FstDictionary>) -> Self {
        Self { dict }
    }
}

/// Abbreviations whose full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "prof", "st", "approx", "no", "cf", "al",
];

impl Linter for SentenceStart {
    fn lint(&mut self, doc: &Document) -> Vec<Lint> {
        let sentences = sentences(doc);
        let mut out = Vec::new();
        for pair in sentences.windows(2) {
            let (before, s) = (&pair[0], &pair[1]);
            let n = before.len();
            let ended = n >= 2
                && matches!(before[n - 1].text.as_str(), "." | "!" | "?")
                && before[n - 2].is_word()
                && !before[n - 2].is_any(ABBREVIATIONS)
                && before[n - 2].text.chars().count() > 1;
            let Some(first) = s.first().filter(|w| w.is_word()) else {
                continue;
            };
            let lower = first.text.chars().next().is_some_and(char::is_lowercase);
            if ended && lower && self.dict.contains_exact_word_str(&first.text) {
                let capital = {
                    let mut c = first.text.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect::<String>())
                        .unwrap_or_default()
                };
                out.push(replace(
                    first,
                    LintKind::Capitalization,
                    &[capital.as_str()],
                    "A sentence starts with a capital letter.".into(),
                ));
            }
        }
        out
    }

    fn description(&self) -> &str {
        "A sentence that starts with a small letter after a full stop."
    }
}
