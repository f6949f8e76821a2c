//! Harper alone, in its default configuration (curated rules, American dialect): the peer that
//! `npm run eval` measures beside our checker in the same run. Prints, for each essay file given,
//! its lints with UTF-16 anchors (like our comments), as one JSON object keyed by the file path.
//!
//!   cargo run --release --example harper_default -- essay1.txt essay2.txt
//!   … -- --bench warmup.txt essay.txt edits   live checking, as `npm run bench` measures ours: after a
//!        warm-up text, the first lint of the essay, then one lint after each of `edits` one-character
//!        edits; prints the times in ms as JSON.

use std::collections::BTreeMap;

use harper_core::linting::{LintGroup, Linter, Suggestion};
use harper_core::spell::FstDictionary;
use harper_core::{Dialect, Document};
use serde_json::{json, Value};

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("harper_default: {path}: {e}");
        std::process::exit(1);
    })
}

/// The same edits the bench makes to our checker's text: a letter typed at evenly spread places.
fn bench(linter: &mut LintGroup, dict: &std::sync::Arc<FstDictionary>, args: &[String]) {
    let (Some(warm), Some(essay), Some(edits)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("harper_default: --bench warmup.txt essay.txt edits");
        std::process::exit(2);
    };
    let edits: usize = edits.parse().unwrap_or(30);
    let mut lint = |text: &str| {
        let t = std::time::Instant::now();
        let doc = Document::new_plain_english(text, &**dict);
        let n = linter.lint(&doc).len();
        (t.elapsed().as_secs_f64() * 1000.0, n)
    };
    lint(&read(warm));
    let mut chars: Vec<char> = read(essay).chars().collect();
    let (first_ms, _) = lint(&chars.iter().collect::<String>());
    let mut edit_ms = Vec::new();
    for i in 0..edits {
        let at = chars.len() * (i + 1) / (edits + 1);
        chars.insert(at, 'x');
        edit_ms.push(lint(&chars.iter().collect::<String>()).0);
    }
    println!("{}", json!({ "firstMs": first_ms, "editMs": edit_ms }));
}

fn main() {
    let dict = FstDictionary::curated();
    let mut linter = LintGroup::new_curated(dict.clone(), Dialect::American);
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--bench") {
        bench(&mut linter, &dict, &args[1..]);
        return;
    }
    let mut out = BTreeMap::new();
    for path in args {
        let text = read(&path);
        let started = std::time::Instant::now();
        let doc = Document::new_plain_english(&text, &dict);
        let lints = linter.lint(&doc);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        // UTF-16 offset of every char index (and of the end).
        let mut utf16 = Vec::with_capacity(text.len() + 1);
        let mut at = 0;
        for c in text.chars() {
            utf16.push(at);
            at += c.len_utf16();
        }
        utf16.push(at);
        let chars: Vec<char> = text.chars().collect();
        let comments: Vec<Value> = lints
            .iter()
            .filter(|l| l.span.end <= chars.len() && l.span.start < l.span.end)
            .map(|l| {
                let quote: String = chars[l.span.start..l.span.end].iter().collect();
                let suggestions: Vec<String> = l
                    .suggestions
                    .iter()
                    .map(|s| match s {
                        Suggestion::ReplaceWith(r) => r.iter().collect(),
                        Suggestion::InsertAfter(r) => {
                            format!("{quote}{}", r.iter().collect::<String>())
                        }
                        Suggestion::Remove => String::new(),
                    })
                    .collect();
                json!({
                    "start": utf16[l.span.start],
                    "end": utf16[l.span.end],
                    "quote": quote,
                    "kind": l.lint_kind.to_string(),
                    "message": l.message,
                    "suggestions": suggestions,
                })
            })
            .collect();
        out.insert(path, json!({ "ms": ms, "lints": comments }));
    }
    println!("{}", serde_json::to_string(&out).unwrap_or_default());
}
