//! What each action answers, as serde types: the JSON JS receives is these, serialized once in
//! lib.rs's glue. `native/index.d.ts` declares the same shapes.

use serde::{Deserialize, Serialize};

use crate::analysis::{Category, Dialect, Metrics};
pub use crate::engine::Usage;
use crate::tasks::generate::Finish;
use crate::tasks::requests::utf16_len;

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

/// assessEssay.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    pub comments: Vec<Comment>,
    pub summary: String,
    pub metrics: Metrics,
    pub dialect: Dialect,
    /// Present when the model read only the start of the essay (the checker always reads all of it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tutor_read: Option<TutorRead>,
    /// Whether it went into the history (false: healthCheck().store.error says why).
    pub saved: bool,
    /// Tokens the model ran: the essay prompts and the comments and summary it wrote.
    pub usage: Usage,
    #[serde(flatten)]
    pub answered: Answered,
}

/// Which provider wrote the model's part of a result: "local" or "openai-compatible", and, when the
/// server failed and the local model answered instead (fallbackToLocal), why.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Answered {
    pub answered_by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
}

/// The part of the essay the model read: from the start to `end` (a UTF-16 offset).
#[derive(Debug, Serialize)]
pub struct TutorRead {
    pub end: usize,
}

/// checkText.
#[derive(Debug, Serialize)]
pub struct Checked {
    pub comments: Vec<Comment>,
    pub dialect: Dialect,
    /// The words as the metrics count them, so the editor's counter agrees with the assessment.
    pub words: usize,
}

/// chat.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatReply {
    pub reply: String,
    pub finish_reason: Finish,
    pub history_used: usize,
    /// With a fileId: whether the exchange went into the history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved: Option<bool>,
    #[serde(flatten)]
    pub answered: Answered,
}

/// generateFeedbackSummary.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub summary: String,
    #[serde(flatten)]
    pub answered: Answered,
}

/// complete.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Completion {
    pub text: String,
    pub tokens: Vec<u32>,
    pub finish_reason: Finish,
}
