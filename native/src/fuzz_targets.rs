//! Entry points for the fuzzers: `native/fuzz` (cargo-fuzz, libFuzzer, nightly) runs them for minutes,
//! and `native/tests/fuzz_smoke.rs` replays a corpus plus random inputs on stable in every test run.
//! Each takes arbitrary bytes, must never panic, and asserts what must hold for what it accepts.

use std::collections::HashMap;
use std::path::Path;

use candle_core::quantized::gguf_file::{Content, Value};

use crate::analysis;
use crate::model::gguf::Meta;
use crate::model::gguf_header::{self, HeaderError};
use crate::tasks::assess::model_comments;
use crate::tasks::constrained::{quote_from_pieces, Item, Limits};
use crate::tasks::requests::{
    self, AssessInput, ChatInput, CheckInput, CompleteInput, SummaryInput, Validate,
};
use crate::tokenizer::TextCodec;

/// GGUF header check: a header it accepts lies inside the file and candle parses it without
/// panicking to the same counts; a prefix that is too short only ever asks for more.
pub fn gguf_header(data: &[u8]) {
    let file_len = data.len() as u64;
    match gguf_header::check(data, file_len) {
        Ok(h) => {
            assert!(h.len <= data.len());
            let content = Content::read(&mut std::io::Cursor::new(&data[..h.len]))
                .unwrap_or_else(|e| panic!("candle refuses a header the check accepted: {e}"));
            assert_eq!(content.tensor_infos.len(), h.tensors);
            assert!(content.metadata.len() <= h.keys, "duplicate keys collapse");
            // And from any shorter prefix: the same answer, or a request for more bytes.
            let half = &data[..data.len() / 2];
            match gguf_header::check(half, file_len) {
                Ok(h2) => assert_eq!(h2, h),
                Err(HeaderError::NeedMore(n)) => assert!(n > half.len() && n <= data.len()),
                Err(HeaderError::Bad(m)) => panic!("a prefix of a good header is bad: {m}"),
            }
        }
        Err(HeaderError::NeedMore(n)) => panic!("the whole file is there, yet {n} bytes asked"),
        Err(HeaderError::Bad(_)) => {}
    }
}

/// Splits fuzz bytes into short strings (0xFF separates them).
fn strings(data: &[u8], max: usize) -> Vec<String> {
    data.split(|&b| b == 0xFF)
        .take(max)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Tokenizer construction from GGUF metadata: a vocabulary, merges, scores, token types and special
/// ids derived from the bytes; construction fails with an error or gives a codec that encodes and
/// decodes text without panicking.
pub fn tokenizer_metadata(data: &[u8]) {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let (vocab_part, text_part) = rest.split_at(rest.len() * 3 / 4);
    let tokens = strings(vocab_part, 512);
    let n = tokens.len();
    let byte = |i: usize| vocab_part.get(i).copied().unwrap_or(0);
    let mut map: HashMap<String, Value> = HashMap::new();
    let model = ["gpt2", "llama", "bert"][(head % 3) as usize];
    let pre = ["default", "qwen2", "smollm", "gpt-4o"][(head / 3 % 4) as usize];
    map.insert("tokenizer.ggml.model".into(), Value::String(model.into()));
    map.insert("tokenizer.ggml.pre".into(), Value::String(pre.into()));
    map.insert(
        "tokenizer.ggml.tokens".into(),
        Value::Array(tokens.iter().cloned().map(Value::String).collect()),
    );
    if head & 0x10 == 0 {
        let types = (0..n).map(|i| Value::I32((byte(i) % 7) as i32)).collect();
        map.insert("tokenizer.ggml.token_type".into(), Value::Array(types));
    }
    if head & 0x20 == 0 {
        let scores = (0..n).map(|i| Value::F32(-(byte(i * 3) as f32))).collect();
        map.insert("tokenizer.ggml.scores".into(), Value::Array(scores));
    }
    let merges = tokens
        .windows(2)
        .map(|w| Value::String(format!("{} {}", w[0], w[1])))
        .collect();
    map.insert("tokenizer.ggml.merges".into(), Value::Array(merges));
    for (i, key) in ["bos", "eos", "eot", "unknown"].iter().enumerate() {
        let id = byte(i * 5) as u32 % (n as u32 + 3);
        map.insert(format!("tokenizer.ggml.{key}_token_id"), Value::U32(id));
    }
    let meta = Meta {
        map: &map,
        path: Path::new("fuzz.gguf"),
    };
    let Ok(codec) = TextCodec::from_gguf(&meta) else {
        return;
    };
    assert_eq!(codec.vocab_size, n);
    assert!(codec.bos.is_none_or(|b| (b as usize) < n));
    let text = String::from_utf8_lossy(text_part);
    for special in [false, true] {
        if let Ok(ids) = codec.encode(&text, special) {
            assert!(ids.iter().all(|&id| (id as usize) < n.max(1) + 256));
            let _ = codec.decode(&ids);
        }
    }
    assert_eq!(codec.token_bytes().len(), n);
}

/// The model's JSON output as the schema decoder builds it: token bodies proposed in any order give
/// a quote that is verbatim in the essay, and its anchor (UTF-16) picks out exactly that quote.
pub fn feedback_output(data: &[u8]) {
    let Some(cut) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let essay = String::from_utf8_lossy(&data[..cut]);
    let pieces: Vec<&[u8]> = data[cut + 1..].split(|&b| b == 0xFF).collect();
    let limits = Limits {
        max_items: 4,
        max_quote_bytes: 100,
        max_comment_bytes: 220,
        min_comment_bytes: 12,
    };
    for quote in quote_from_pieces(&essay, &pieces, &limits)
        .into_iter()
        .flatten()
    {
        let (start, q) = &quote;
        assert_eq!(
            essay.as_bytes().get(*start..start + q.len()),
            Some(q.as_bytes())
        );
        let items = vec![Item {
            quote: Some(quote.clone()),
            comment: "Say this more plainly, please.".into(),
            truncated: false,
        }];
        for c in model_comments(&essay, items) {
            check_anchor(&essay, &c);
        }
    }
}

fn check_anchor(text: &str, c: &requests::Comment) {
    let Some(a) = &c.anchor else {
        return;
    };
    let units: Vec<u16> = text.encode_utf16().collect();
    let span = units
        .get(a.start..a.end)
        .expect("an anchor lies inside the text");
    assert_eq!(
        String::from_utf16(span).ok().as_deref(),
        Some(a.quote.as_str())
    );
    // And the comment serializes to JSON that parses back to the same anchor.
    let json = serde_json::to_string(c).expect("a comment serializes");
    let back: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(back["anchor"]["start"], a.start);
}

/// The analysis on arbitrary text: every finding's range is inside the text, on character
/// boundaries, and its UTF-16 anchor picks out the same words.
pub fn anchors(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let a = analysis::analyze(&text, analysis::Dialect::Auto, &Default::default());
    assert!(a.metrics.words <= text.len());
    for f in &a.findings {
        assert!(f.range.start <= f.range.end && f.range.end <= text.len());
        assert!(text.is_char_boundary(f.range.start) && text.is_char_boundary(f.range.end));
    }
    let comments = crate::tasks::assess::rule_comments(&text, &a.findings);
    for c in &comments {
        check_anchor(&text, c);
    }
}

/// Request payloads as JSON from JavaScript: parsing and validation give a value or an
/// INVALID_REQUEST, never a panic.
pub fn request_json(data: &[u8]) {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    fn one<T: for<'de> serde::Deserialize<'de> + Validate>(json: &str) {
        if let Ok(v) = requests::parse::<T>("fuzz", json) {
            if let Err(e) = v.validate() {
                assert_eq!(e.code(), "INVALID_REQUEST");
            }
        }
    }
    one::<AssessInput>(json);
    one::<ChatInput>(json);
    one::<SummaryInput>(json);
    one::<CompleteInput>(json);
    one::<CheckInput>(json);
}

/// The tutor's quotation check on an arbitrary reply and essay (split at the first byte 0x01; the
/// first byte chooses whether the question asked for a quotation): never a panic, and without an
/// essay no quotation is left presented as the student's words.
pub fn grounding(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (essay, reply) = text.split_once('\u{1}').unwrap_or(("", &text));
    let asked = first & 1 == 1;
    let with = crate::tasks::grounding::ground(reply, Some(essay), asked);
    assert!(with.len() <= reply.len() + essay.len() * reply.len().max(1));
    let without = crate::tasks::grounding::ground(reply, None, asked);
    assert!(
        crate::tasks::grounding::quotes_of_the_student(&without).is_empty(),
        "a quotation survived without an essay: {without:?}"
    );
}
