//! The model's comments from a remote server: requested with `response_format` json_schema (the shape
//! our constrained decoder writes locally), then checked as if they were ours. Where the essay allows,
//! the schema lists its sentences (long ones in clauses) as the only quotes there are, so the server's
//! own grammar keeps quotes verbatim, as our decoder does locally; a small model left free invents
//! them. A quote that is still not a verbatim span of the essay is moved to the one span that matches
//! it but for case, spacing and quotation marks; when there is no such span, or more than one, the
//! comment is dropped. A response that is not JSON of the schema is asked for once more.

use serde::Deserialize;
use serde_json::{json, Value};

use std::sync::atomic::Ordering;

use super::http::{self, Format};
use super::Remote;
use crate::analysis::segment::Essay;
use crate::engine::JobCtx;
use crate::error::{EngineError, Result};
use crate::tasks::constrained::{Item, Limits, MIN_QUOTE_CHARS};
use crate::template::Message;

/// Tokens the server may write for the comments.
const MAX_TOKENS: usize = 700;

/// A quote the schema offers: a sentence, or a clause of a longer one.
const QUOTE_CHARS: usize = 160;
/// Beyond this many quotes (or characters in all), the schema would outgrow what servers take
/// (OpenAI: 500 values, 15,000 characters), and quotes are free strings, anchored afterwards.
const MAX_QUOTES: usize = 200;
const MAX_QUOTES_CHARS: usize = 14_000;

/// The JSON schema of the answer, with the local decoder's limits; its quotes are the sentences of
/// `seen` (the essay as sent) where they fit the schema.
pub fn schema(limits: &Limits, seen: &str) -> Value {
    let quote = match quotes(seen) {
        Some(q) => json!({ "type": "string", "enum": q }),
        None => json!({ "type": "string", "maxLength": limits.max_quote_bytes }),
    };
    json!({
        "type": "object",
        "properties": {
            "comments": {
                "type": "array",
                "maxItems": limits.max_items,
                "items": {
                    "type": "object",
                    "properties": {
                        "quote": quote,
                        "comment": { "type": "string", "maxLength": limits.max_comment_bytes },
                    },
                    "required": ["quote", "comment"],
                    "additionalProperties": false,
                },
            },
        },
        "required": ["comments"],
        "additionalProperties": false,
    })
}

/// The essay's sentences, long ones cut at commas, semicolons and colons into clauses of at most
/// QUOTE_CHARS (merged while they fit), and "" (a comment on the whole essay); None when there are too
/// many for a schema.
fn quotes(essay: &str) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    let mut keep = |piece: &str| {
        let piece = piece.trim();
        if (MIN_QUOTE_CHARS..=QUOTE_CHARS).contains(&piece.chars().count())
            && !out.iter().any(|q| q == piece)
        {
            out.push(piece.to_string());
        }
    };
    for sentence in Essay::segment(essay).sentences() {
        let s = sentence.text.trim();
        if s.chars().count() <= QUOTE_CHARS {
            keep(s);
            continue;
        }
        let mut start = 0;
        let mut last_cut = 0;
        for (i, c) in s.char_indices() {
            if matches!(c, ',' | ';' | ':') {
                let end = i + c.len_utf8();
                if s[start..end].chars().count() > QUOTE_CHARS && last_cut > start {
                    keep(&s[start..last_cut]);
                    start = last_cut;
                }
                last_cut = end;
            }
        }
        if s[start..].chars().count() > QUOTE_CHARS && last_cut > start {
            keep(&s[start..last_cut]);
            start = last_cut;
        }
        keep(&s[start..]);
    }
    let chars: usize = out.iter().map(|q| q.chars().count()).sum();
    (out.len() <= MAX_QUOTES && chars <= MAX_QUOTES_CHARS).then_some(out)
}

#[derive(Deserialize)]
struct Answer {
    comments: Vec<Raw>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    quote: String,
    comment: String,
}

/// The comments the server gives for `messages` (which hold `essay`), anchored in the essay.
/// `seen` is the essay as the messages hold it (its start, when it is long).
pub fn comments(
    ctx: &mut JobCtx,
    remote: &Remote,
    messages: &[Message],
    seen: &str,
    essay: &str,
    limits: &Limits,
) -> Result<Vec<Item>> {
    let schema = schema(limits, seen);
    let mut last = None;
    for _ in 0..2 {
        let out = ask(ctx, remote, messages, &schema)?;
        match serde_json::from_str::<Answer>(out.text.trim()) {
            Ok(answer) => return Ok(items(answer, essay, limits)),
            Err(e) => last = Some(e),
        }
    }
    Err(EngineError::InvalidResponse(format!(
        "The server at {} did not answer with the feedback's JSON shape, twice ({}).",
        remote.host,
        last.map_or("no answer", |e| what_was_wrong(&e))
    )))
}

/// One request for JSON of `schema`, in the json_schema form; a server that refuses that form (HTTP
/// 400, 422, 500: llama-cpp-python's) is asked in its json_object form, and from then on only in it.
fn ask(
    ctx: &mut JobCtx,
    remote: &Remote,
    messages: &[Message],
    schema: &Value,
) -> Result<http::Streamed> {
    if !remote.json_object_form.load(Ordering::Relaxed) {
        match http::answer(
            ctx,
            remote,
            messages,
            MAX_TOKENS,
            Format::JsonSchema(schema),
        ) {
            Err(EngineError::ActionFailed(_)) => {}
            done => return done,
        }
    }
    let out = http::answer(
        ctx,
        remote,
        messages,
        MAX_TOKENS,
        Format::JsonObject(schema),
    )?;
    remote.json_object_form.store(true, Ordering::Relaxed);
    Ok(out)
}

fn what_was_wrong(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "JSON of another shape",
        serde_json::error::Category::Eof => "cut-off JSON",
    }
}

fn items(answer: Answer, essay: &str, limits: &Limits) -> Vec<Item> {
    answer
        .comments
        .into_iter()
        .take(limits.max_items)
        .filter_map(|raw| {
            let quote = raw.quote.trim();
            let quote = if quote.chars().count() < MIN_QUOTE_CHARS {
                None
            } else {
                // Not in the essay, even loosely, or in several places: the comment is dropped.
                Some(anchor(quote, essay)?)
            };
            let (comment, truncated) = cut(raw.comment.trim(), limits.max_comment_bytes);
            Some(Item {
                quote,
                comment,
                truncated,
            })
        })
        .collect()
}

fn cut(s: &str, max: usize) -> (String, bool) {
    if s.len() <= max {
        return (s.to_string(), false);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (s[..end].to_string(), true)
}

/// The essay span `quote` stands for: itself where it is verbatim (its first place), else the one
/// span equal to it but for case, runs of spaces and curly quotation marks.
pub fn anchor(quote: &str, essay: &str) -> Option<(usize, String)> {
    if let Some(at) = essay.find(quote) {
        return Some((at, quote.to_string()));
    }
    let (text, offsets) = loose(essay);
    let (q, _) = loose(quote);
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let mut found = text.match_indices(q).map(|(i, _)| i);
    let start = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let from = offsets[start];
    let last = offsets[start + q.len() - 1];
    let to = last + essay[last..].chars().next().map_or(1, char::len_utf8);
    Some((from, essay[from..to].to_string()))
}

/// `s` lower-cased, with curly quotes made straight and each run of whitespace one space, and for
/// each byte of that the byte offset in `s` of the character it came from.
fn loose(s: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(s.len());
    let mut offsets = Vec::with_capacity(s.len());
    let mut space = false;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
                offsets.push(i);
            }
            space = true;
            continue;
        }
        space = false;
        let c = match c {
            '‘' | '’' => '\'',
            '“' | '”' => '"',
            c => c,
        };
        for l in c.to_lowercase() {
            let before = out.len();
            out.push(l);
            offsets.extend(std::iter::repeat_n(i, out.len() - before));
        }
    }
    (out, offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESSAY: &str =
        "My town need a new library.\nThe  old one is “too small” for us. The old one is dark.";

    #[test]
    fn quotes_are_verbatim_or_moved_to_the_one_loose_match_or_dropped() {
        assert_eq!(
            anchor("need a new library", ESSAY),
            Some((8, "need a new library".into()))
        );
        // Case, spacing and curly quotes differ: the essay's own words come back.
        let (at, q) = anchor("the old one is \"too small\"", ESSAY).unwrap_or_default();
        assert_eq!(q, "The  old one is “too small”");
        assert_eq!(&ESSAY[at..at + q.len()], q);
        // Twice in the essay, loosely: ambiguous.
        assert_eq!(anchor("the OLD one is", ESSAY), None);
        assert_eq!(anchor("a brand new library", ESSAY), None);
    }

    #[test]
    fn the_schema_offers_the_essays_sentences_and_clauses_of_long_ones_as_its_quotes() {
        let long =
            "When the library closed, the students who had studied there every evening for years, \
often until the doors were locked, had nowhere else to go; the town offered them nothing.";
        let essay = format!("{ESSAY}\n\n{long}");
        let q = quotes(&essay).unwrap_or_default();
        assert_eq!(q[0], "");
        assert!(
            q.contains(&"My town need a new library.".to_string()),
            "{q:?}"
        );
        assert!(
            q.iter().all(|p| p.is_empty() || essay.contains(p.as_str())),
            "{q:?}"
        );
        assert!(q.iter().all(|p| p.chars().count() <= QUOTE_CHARS));
        assert!(
            q.iter().any(|p| p.starts_with("When the library closed,")),
            "{q:?}"
        );
        assert!(
            q.iter()
                .any(|p| p.ends_with("the town offered them nothing.")),
            "{q:?}"
        );
        let s = schema(&MODEL_TEST_LIMITS, &essay);
        assert_eq!(
            s["properties"]["comments"]["items"]["properties"]["quote"]["enum"][1],
            "My town need a new library."
        );
        // Too many sentences for a schema: free quotes, anchored afterwards.
        let huge = "This is one more sentence here. ".repeat(400);
        let numbered: String = (0..400)
            .map(|i| format!("Sentence number {i} is here. "))
            .collect();
        assert!(
            quotes(&huge).is_some_and(|q| q.len() == 2),
            "duplicates count once"
        );
        assert!(quotes(&numbered).is_none());
        let s = schema(&MODEL_TEST_LIMITS, &numbered);
        assert_eq!(
            s["properties"]["comments"]["items"]["properties"]["quote"]["maxLength"],
            100
        );
    }

    const MODEL_TEST_LIMITS: Limits = Limits {
        max_items: 4,
        max_quote_bytes: 100,
        max_comment_bytes: 220,
        min_comment_bytes: 12,
    };

    #[test]
    fn an_answer_is_cut_to_the_limits_and_loses_the_comments_it_cannot_anchor() {
        let limits = Limits {
            max_items: 2,
            max_quote_bytes: 100,
            max_comment_bytes: 20,
            min_comment_bytes: 4,
        };
        let answer: Answer = serde_json::from_value(json!({"comments": [
            {"quote": "MY TOWN NEED", "comment": "Use 'needs': the town is singular."},
            {"quote": "invented words here", "comment": "Dropped."},
            {"quote": "", "comment": "Add a conclusion."},
            {"quote": "", "comment": "Past the limit."},
        ]}))
        .unwrap_or_else(|e| panic!("{e}"));
        let got = items(answer, ESSAY, &limits);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].quote, Some((0, "My town need".into())));
        assert!(got[0].truncated && got[0].comment.len() <= 20);
    }
}
