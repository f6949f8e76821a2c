//! Request payloads as they arrive from JS, and their validation. Lengths are counted in UTF-16 code
//! units, like JavaScript's `string.length`, so main's limits and ours agree.

use serde::{Deserialize, Serialize};

use crate::analysis::{Category, Dialect};
use crate::error::{EngineError, Result};

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

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    pub start: usize,
    pub end: usize,
    pub quote: String,
}

impl Anchor {
    /// The anchor of `quote` found at byte offset `start` of `text`, in UTF-16 offsets.
    pub fn at(text: &str, start: usize, quote: &str) -> Anchor {
        let start16 = text.get(..start).map_or(0, utf16_len);
        Anchor {
            start: start16,
            end: start16 + utf16_len(quote),
            quote: quote.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CommentKind {
    Inline,
    Block,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub content: String,
    pub kind: CommentKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
    /// "rules" (the deterministic analysis) or "model".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The rule that found it, e.g. "subject-verb-agreement" (deterministic comments only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Replacements for the anchored span, best first (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<Vec<String>>,
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
        return Err(EngineError::invalid(format!("{name} must not be empty.")));
    }
    let n = utf16_len(value);
    if n > max {
        return Err(EngineError::invalid(format!(
            "{name} is {n} characters; the limit is {max}."
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

/// The fileId of listAssessments, listChat and clearChat.
pub fn validate_file_id(file_id: &str) -> Result<()> {
    text("fileId", file_id, MAX_FILE_ID_LEN)
}

pub trait Validate {
    fn validate(&self) -> Result<()>;
}

impl Validate for AssessInput {
    fn validate(&self) -> Result<()> {
        text("fileId", &self.file_id, MAX_FILE_ID_LEN)?;
        text("text", &self.text, MAX_TEXT_LEN)?;
        opt_text("instruction", &self.instruction, MAX_INSTRUCTION_LEN)
    }
}

impl Validate for ChatInput {
    fn validate(&self) -> Result<()> {
        opt_text("fileId", &self.file_id, MAX_FILE_ID_LEN)?;
        text("message", &self.message, MAX_MESSAGE_LEN)?;
        opt_text("contextText", &self.context_text, MAX_TEXT_LEN)
    }
}

impl Validate for SummaryInput {
    fn validate(&self) -> Result<()> {
        text("fileId", &self.file_id, MAX_FILE_ID_LEN)?;
        text("text", &self.text, MAX_TEXT_LEN)?;
        if let Some(c) = &self.comments {
            if c.len() > MAX_COMMENTS {
                return Err(EngineError::invalid(format!(
                    "At most {MAX_COMMENTS} comments are accepted."
                )));
            }
            for comment in c {
                text("comments[].content", &comment.content, MAX_MESSAGE_LEN)?;
                opt_text("comments[].source", &comment.source, MAX_LABEL_LEN)?;
                opt_text("comments[].rule", &comment.rule, MAX_LABEL_LEN)?;
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
                "The text is {n} characters; the limit is {MAX_TEXT_LEN}."
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
