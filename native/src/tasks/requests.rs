//! Request payloads as they arrive from JS, and their validation (results: tasks/results.rs). Lengths are counted in UTF-16 code
//! units, like JavaScript's `string.length`, so main's limits and ours agree.

use serde::Deserialize;

use crate::analysis::Dialect;
use crate::error::{EngineError, Result};
pub use crate::tasks::results::{Anchor, Comment, CommentKind};

pub const MAX_TEXT_LEN: usize = 100_000;
pub const MAX_MESSAGE_LEN: usize = 8_000;
pub const MAX_INSTRUCTION_LEN: usize = 2_000;
pub const MAX_FILE_ID_LEN: usize = 200;
pub const MAX_NEW_TOKENS: u32 = 4_096;
pub const MAX_STOP_STRINGS: usize = 8;
pub const MAX_STOP_LEN: usize = 200;
pub const MAX_COMMENTS: usize = 200;
pub const MAX_LABEL_LEN: usize = 64;
pub const MAX_WORD_LEN: usize = 64;
pub const MAX_SUGGESTIONS: usize = 10;
pub const MAX_REQUEST_ID_LEN: usize = 200;
pub const MAX_TIMEOUT_MS: u64 = 3_600_000;

/// Every limit above, for JS (`limits()`): index.js and the app's zod schemas use these numbers, and a
/// test ties the schemas' copy to them.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub text: usize,
    pub message: usize,
    pub instruction: usize,
    pub file_id: usize,
    pub new_tokens: u32,
    pub stop_strings: usize,
    pub stop_length: usize,
    pub comments: usize,
    pub label: usize,
    pub word: usize,
    pub suggestions: usize,
    pub request_id: usize,
    pub timeout_ms: u64,
}

pub const LIMITS: Limits = Limits {
    text: MAX_TEXT_LEN,
    message: MAX_MESSAGE_LEN,
    instruction: MAX_INSTRUCTION_LEN,
    file_id: MAX_FILE_ID_LEN,
    new_tokens: MAX_NEW_TOKENS,
    stop_strings: MAX_STOP_STRINGS,
    stop_length: MAX_STOP_LEN,
    comments: MAX_COMMENTS,
    label: MAX_LABEL_LEN,
    word: MAX_WORD_LEN,
    suggestions: MAX_SUGGESTIONS,
    request_id: MAX_REQUEST_ID_LEN,
    timeout_ms: MAX_TIMEOUT_MS,
};

/// The per-request options every queued action takes: a requestId of 1 to MAX_REQUEST_ID_LEN
/// characters (UTF-16, like JS), and a timeout of 1 ms to MAX_TIMEOUT_MS.
pub fn validate_options(request_id: Option<&str>, timeout_ms: f64) -> Result<u64> {
    if let Some(id) = request_id {
        let n = utf16_len(id);
        if n == 0 || n > MAX_REQUEST_ID_LEN {
            return Err(EngineError::invalid(format!(
                "requestId must be 1 to {MAX_REQUEST_ID_LEN} characters."
            )));
        }
    }
    if !(timeout_ms.is_finite() && (1.0..=MAX_TIMEOUT_MS as f64).contains(&timeout_ms)) {
        return Err(EngineError::invalid(format!(
            "timeoutMs must be between 1 and {MAX_TIMEOUT_MS}."
        )));
    }
    Ok(timeout_ms as u64)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AssessInput {
    pub file_id: String,
    pub text: String,
    pub instruction: Option<String>,
    /// The English to check in; default: the configured dialect.
    pub dialect: Option<Dialect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChatInput {
    pub file_id: Option<String>,
    pub message: String,
    pub context_text: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SummaryInput {
    pub file_id: String,
    pub text: String,
    pub comments: Option<Vec<Comment>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CheckInput {
    pub text: String,
    pub dialect: Option<Dialect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CompleteInput {
    pub prompt: String,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub seed: Option<u64>,
    pub stop: Option<Vec<String>>,
    pub parse_special_tokens: Option<bool>,
    /// Keep generating past the end-of-generation token, to exactly maxTokens (benchmarks).
    pub ignore_eos: Option<bool>,
}

pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn text(name: &str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(EngineError::invalid(format!("{name} is empty.")));
    }
    let n = utf16_len(value);
    if n > max {
        return Err(EngineError::invalid(format!(
            "{name} is too long: the limit is {max} characters (it has {n}). Shorten it and try again."
        )));
    }
    Ok(())
}

fn opt_text(name: &str, value: &Option<String>, max: usize) -> Result<()> {
    match value {
        Some(v) => text(name, v, max),
        None => Ok(()),
    }
}

/// Parses a JSON payload into `T`; a wrong type, a missing or unknown field is INVALID_REQUEST.
pub fn parse<T: for<'de> Deserialize<'de>>(action: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| {
        let detail = e.to_string();
        // serde_json appends " at line 1 column N"; the field name is what helps.
        let detail = detail
            .split(" at line ")
            .next()
            .unwrap_or(&detail)
            .to_string();
        EngineError::invalid(format!("Invalid {action} request: {detail}."))
    })
}

/// A word for the personal dictionary: one word (letters, apostrophes, hyphens), at most
/// MAX_WORD_LEN characters.
pub fn validate_word(word: &str) -> Result<()> {
    let n = utf16_len(word);
    let shape = word
        .chars()
        .all(|c| c.is_alphabetic() || c == '\'' || c == '’' || c == '-')
        && word.chars().any(char::is_alphabetic);
    if n == 0 || n > MAX_WORD_LEN || !shape {
        return Err(EngineError::invalid(format!(
            "A dictionary word is one word of letters (apostrophes and hyphens allowed), at most {MAX_WORD_LEN} characters."
        )));
    }
    Ok(())
}

/// The fileId of listAssessments, listChat, clearChat and deleteEssay.
pub fn validate_file_id(file_id: &str) -> Result<()> {
    text("The essay's id", file_id, MAX_FILE_ID_LEN)
}

/// The id of deleteAssessment (as listAssessments gave it).
pub fn validate_assessment_id(id: &str) -> Result<()> {
    text("The saved assessment's id", id, MAX_FILE_ID_LEN)
}

pub trait Validate {
    fn validate(&self) -> Result<()>;
}

impl Validate for AssessInput {
    fn validate(&self) -> Result<()> {
        text("The essay's id", &self.file_id, MAX_FILE_ID_LEN)?;
        text("The essay", &self.text, MAX_TEXT_LEN)?;
        opt_text("The assignment", &self.instruction, MAX_INSTRUCTION_LEN)
    }
}

impl Validate for ChatInput {
    fn validate(&self) -> Result<()> {
        opt_text("The essay's id", &self.file_id, MAX_FILE_ID_LEN)?;
        text("Your question", &self.message, MAX_MESSAGE_LEN)?;
        opt_text(
            "The essay sent with the question",
            &self.context_text,
            MAX_TEXT_LEN,
        )
    }
}

impl Validate for SummaryInput {
    fn validate(&self) -> Result<()> {
        text("The essay's id", &self.file_id, MAX_FILE_ID_LEN)?;
        text("The essay", &self.text, MAX_TEXT_LEN)?;
        if let Some(c) = &self.comments {
            if c.len() > MAX_COMMENTS {
                return Err(EngineError::invalid(format!(
                    "At most {MAX_COMMENTS} comments are accepted."
                )));
            }
            for comment in c {
                text("A comment", &comment.content, MAX_MESSAGE_LEN)?;
                opt_text("A comment's label", &comment.source, MAX_LABEL_LEN)?;
                opt_text("A comment's label", &comment.rule, MAX_LABEL_LEN)?;
                if let Some(s) = &comment.suggestions {
                    if s.len() > MAX_SUGGESTIONS || s.iter().any(|s| utf16_len(s) > MAX_MESSAGE_LEN)
                    {
                        return Err(EngineError::invalid(format!(
                            "A comment has at most {MAX_SUGGESTIONS} suggestions of at most {MAX_MESSAGE_LEN} characters."
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

impl Validate for CheckInput {
    /// Empty text is fine (an empty editor has nothing to underline); only the size is limited.
    fn validate(&self) -> Result<()> {
        let n = utf16_len(&self.text);
        if n > MAX_TEXT_LEN {
            return Err(EngineError::invalid(format!(
                "The essay is too long: the limit is {MAX_TEXT_LEN} characters (it has {n}). Shorten it and try again."
            )));
        }
        Ok(())
    }
}

impl Validate for CompleteInput {
    fn validate(&self) -> Result<()> {
        if self.prompt.is_empty() {
            return Err(EngineError::invalid("prompt must not be empty."));
        }
        let n = utf16_len(&self.prompt);
        if n > MAX_TEXT_LEN {
            return Err(EngineError::invalid(format!(
                "prompt is {n} characters; the limit is {MAX_TEXT_LEN}."
            )));
        }
        if let Some(m) = self.max_tokens {
            if m == 0 || m > MAX_NEW_TOKENS {
                return Err(EngineError::invalid(format!(
                    "maxTokens must be between 1 and {MAX_NEW_TOKENS}."
                )));
            }
        }
        if let Some(t) = self.temperature {
            if !t.is_finite() || !(0.0..=5.0).contains(&t) {
                return Err(EngineError::invalid(
                    "temperature must be a number between 0 and 5.",
                ));
            }
        }
        if let Some(p) = self.top_p {
            if !p.is_finite() || p <= 0.0 || p > 1.0 {
                return Err(EngineError::invalid("topP must be a number in (0, 1]."));
            }
        }
        if let Some(stop) = &self.stop {
            if stop.len() > MAX_STOP_STRINGS
                || stop
                    .iter()
                    .any(|s| s.is_empty() || utf16_len(s) > MAX_STOP_LEN)
            {
                return Err(EngineError::invalid(format!(
                    "stop takes at most {MAX_STOP_STRINGS} non-empty strings of at most {MAX_STOP_LEN} characters."
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code<T: for<'de> Deserialize<'de> + Validate>(json: &str) -> Option<&'static str> {
        parse::<T>("test", json)
            .and_then(|v| v.validate())
            .err()
            .map(|e| e.code())
    }

    #[test]
    fn rejects_bad_payloads() {
        assert_eq!(
            code::<AssessInput>(r#"{"fileId":"a","text":5}"#),
            Some("INVALID_REQUEST")
        );
        assert_eq!(
            code::<AssessInput>(r#"{"fileId":"a","text":"  "}"#),
            Some("INVALID_REQUEST")
        );
        assert_eq!(
            code::<AssessInput>(r#"{"fileId":"a","text":"x","extra":1}"#),
            Some("INVALID_REQUEST")
        );
        assert_eq!(
            code::<AssessInput>(r#"{"text":"x"}"#),
            Some("INVALID_REQUEST")
        );
        assert_eq!(code::<AssessInput>(r#"{"fileId":"a","text":"ok"}"#), None);
        let big = format!(
            r#"{{"fileId":"a","text":"{}"}}"#,
            "a".repeat(MAX_TEXT_LEN + 1)
        );
        assert_eq!(code::<AssessInput>(&big), Some("INVALID_REQUEST"));
        assert_eq!(
            code::<CompleteInput>(r#"{"prompt":"x","temperature":-1}"#),
            Some("INVALID_REQUEST")
        );
        assert_eq!(
            code::<CompleteInput>(r#"{"prompt":"x","maxTokens":1000000}"#),
            Some("INVALID_REQUEST")
        );
        assert_eq!(
            code::<ChatInput>(r#"{"message":"\ud800"}"#),
            Some("INVALID_REQUEST")
        );
    }

    #[test]
    fn counts_utf16_like_javascript() {
        assert_eq!(utf16_len("a😀é"), 4);
    }
}
