//! The model's instructions, kept in prompts.json: one source, which the evaluation also reads to
//! check that no instruction text ever comes back as feedback. None of them holds an example answer:
//! a small model copies examples into its comments.

use std::collections::HashSet;

use once_cell::sync::Lazy;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Prompts {
    pub system: String,
    pub assess: String,
    pub summary: String,
    pub tutor: String,
    pub tutor_essay: String,
    pub tutor_findings: String,
    pub tutor_no_findings: String,
    pub tutor_no_essay: String,
}

/// Checked by a unit test: a broken file fails the build's tests, not a student's request.
pub static PROMPTS: Lazy<Prompts> =
    Lazy::new(|| serde_json::from_str(include_str!("prompts.json")).unwrap_or_default());

/// Words per sequence for the echo check.
pub const ECHO_WORDS: usize = 5;

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn sequences(text: &str) -> HashSet<String> {
    words(text)
        .windows(ECHO_WORDS)
        .map(|w| w.join(" "))
        .collect()
}

static PROMPT_SEQUENCES: Lazy<HashSet<String>> = Lazy::new(|| {
    let p = &*PROMPTS;
    [
        &p.system,
        &p.assess,
        &p.summary,
        &p.tutor,
        &p.tutor_essay,
        &p.tutor_findings,
        &p.tutor_no_findings,
        &p.tutor_no_essay,
    ]
    .iter()
    .flat_map(|t| sequences(t))
    .collect()
});

/// Whether `text` repeats ECHO_WORDS words in a row of any prompt: the model parroting its
/// instructions instead of reading the essay.
pub fn echoes_prompt(text: &str) -> bool {
    sequences(text).iter().any(|s| PROMPT_SEQUENCES.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompts_file_parses_and_has_every_prompt() {
        let parsed: Result<Prompts, _> = serde_json::from_str(include_str!("prompts.json"));
        let p = parsed.unwrap_or_else(|e| panic!("prompts.json: {e}"));
        assert!(!p.assess.is_empty() && !p.tutor_no_essay.is_empty());
        assert!(!PROMPTS.system.is_empty());
    }

    #[test]
    fn an_echo_of_five_words_is_caught_and_ordinary_advice_is_not() {
        assert!(echoes_prompt(
            "Please copy the exact words from my essay here."
        ));
        assert!(!echoes_prompt(
            "Your second paragraph needs an example to support its claim."
        ));
    }
}
