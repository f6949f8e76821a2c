//! Chat templates against independent references (tests/chat-templates/, see its README):
//! - every built-in renders each fixed conversation exactly as its family's official template does
//!   under Python's jinja2, and as node-llama-cpp's wrapper for the family does (after the one
//!   normalisation the fixture names: the text the wrapper's BOS token stands for), except where
//!   families.json documents a difference, which must still be there;
//! - every official template, and the ones embedded in our model files, renders through our minijinja
//!   path exactly as through jinja2 (a template that refuses a system message: as jinja2 renders the
//!   conversation with the system text folded into the first user turn, our documented fallback);
//! - message contents always come back as content segments, never as template text;
//! - each family's end-of-turn token ends generation, and the built-in is chosen by architecture and
//!   vocabulary.
//!
//! Fast (no weights are loaded): `cargo test --release --test chat_templates`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file::Value as GgufValue;
use samsara_native::manifest::Manifest;
use samsara_native::model::gguf::{GgufFile, Meta};
use samsara_native::model::hparams::{Arch, HParams};
use samsara_native::template::{flatten, Builtin, ChatTemplate, Message, Segment};
use samsara_native::tokenizer::TextCodec;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixtures() -> PathBuf {
    repo().join("tests").join("chat-templates")
}

fn read_json(rel: &str) -> Value {
    let path = fixtures().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (see tests/chat-templates/README.md)",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn template_text(file: &str) -> String {
    let path = fixtures().join("templates").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is not an array in {v}"))
}

struct Conversation {
    name: String,
    messages: Vec<Message>,
    add_generation_prompt: bool,
}

fn conversations() -> Vec<Conversation> {
    let doc = read_json("conversations.json");
    arr(&doc, "conversations")
        .iter()
        .map(|c| Conversation {
            name: s(c, "name").to_string(),
            add_generation_prompt: c["add_generation_prompt"].as_bool().expect("bool"),
            messages: arr(c, "messages")
                .iter()
                .map(|m| {
                    let content = s(m, "content");
                    match s(m, "role") {
                        "system" => Message::system(content),
                        "user" => Message::user(content),
                        "assistant" => Message::assistant(content),
                        other => panic!("role {other}"),
                    }
                })
                .collect(),
        })
        .collect()
}

struct Fixtures {
    families: Value,
    conversations: Vec<Conversation>,
    jinja2: Value,
    wrappers: Value,
    date: (i64, u32, u32),
}

fn load() -> Fixtures {
    let families = read_json("families.json");
    let d = arr(&families, "date");
    let n = |i: usize| d[i].as_i64().expect("date");
    Fixtures {
        date: (n(0), n(1) as u32, n(2) as u32),
        families,
        conversations: conversations(),
        jinja2: read_json("references/jinja2.json"),
        wrappers: read_json("references/node-llama-cpp.json"),
    }
}

impl Fixtures {
    fn template_entry(&self, file: &str) -> &Value {
        arr(&self.families, "templates")
            .iter()
            .find(|t| s(t, "file") == file)
            .unwrap_or_else(|| panic!("{file} is not in families.json templates"))
    }

    /// jinja2's rendering of `file` on a conversation: the text, or (when the template refused it)
    /// the rendering with system messages folded into the next user turn.
    fn jinja2(&self, file: &str, conversation: &str) -> (&str, bool) {
        let r = &self.jinja2["templates"][file]["renders"][conversation];
        match r["text"].as_str() {
            Some(t) => (t, false),
            None => (s(r, "folded"), true),
        }
    }

    fn builtin(&self, family: &Value) -> ChatTemplate {
        let b = Builtin::parse(s(family, "builtin")).expect("a built-in name");
        let t = self.template_entry(s(family, "reference"));
        let (y, m, d) = self.date;
        ChatTemplate::builtin(b, s(t, "bos_token").into(), s(t, "eos_token").into())
            .with_date(y, m, d)
    }

    fn custom(&self, file: &str, text: &str) -> ChatTemplate {
        let t = self.template_entry(file);
        let (y, m, d) = self.date;
        ChatTemplate::custom(text, s(t, "bos_token").into(), s(t, "eos_token").into())
            .with_date(y, m, d)
    }
}

fn render(t: &ChatTemplate, c: &Conversation) -> Vec<Segment> {
    t.render(&c.messages, c.add_generation_prompt)
        .unwrap_or_else(|e| panic!("{}: {e}", c.name))
}

/// The first difference between two texts, for the failure message.
fn diff(ours: &str, reference: &str) -> String {
    let at = ours
        .char_indices()
        .zip(reference.chars())
        .find(|((_, a), b)| a != b)
        .map(|((i, _), _)| i)
        .unwrap_or(ours.len().min(reference.len()));
    let from = ours[..at]
        .char_indices()
        .rev()
        .nth(40)
        .map_or(0, |(i, _)| i);
    format!(
        "first difference at byte {at}:\n      ours: {:?}\n reference: {:?}",
        &ours[from..],
        reference.get(from..).unwrap_or("")
    )
}

fn check(failures: &mut Vec<String>, what: String, ours: &str, reference: &str) {
    if ours != reference {
        failures.push(format!("{what}: {}", diff(ours, reference)));
    }
}

fn finish(failures: Vec<String>, checked: usize) {
    assert!(
        failures.is_empty(),
        "{} of {checked} renderings differ:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{checked} renderings identical");
}

#[test]
fn builtins_render_as_their_familys_own_template_under_jinja2() {
    let fx = load();
    let (mut failures, mut checked) = (Vec::new(), 0);
    for family in arr(&fx.families, "families") {
        let t = fx.builtin(family);
        let reference = s(family, "reference");
        for c in &fx.conversations {
            let (expected, folded) = fx.jinja2(reference, &c.name);
            assert!(
                !folded,
                "{reference} refuses {}: not a family reference",
                c.name
            );
            checked += 1;
            check(
                &mut failures,
                format!(
                    "built-in {} vs jinja2 {reference} on {}",
                    s(family, "builtin"),
                    c.name
                ),
                &flatten(&render(&t, c)),
                expected,
            );
        }
    }
    assert_eq!(checked, 5 * fx.conversations.len());
    finish(failures, checked);
}

/// node-llama-cpp's LlamaText JSON as text: strings and special-token text as they are, the BOS
/// special token as `bos` (the one normalisation; families.json names it per family).
fn wrapper_text(parts: &[Value], bos: &str) -> String {
    parts
        .iter()
        .map(|p| match p {
            Value::String(t) => t.clone(),
            _ => match (s(p, "type"), s(p, "value")) {
                ("specialTokensText", v) => v.to_string(),
                ("specialToken", "BOS") => bos.to_string(),
                other => panic!("unexpected LlamaText part {other:?}"),
            },
        })
        .collect()
}

#[test]
fn builtins_render_as_node_llama_cpps_wrappers() {
    let fx = load();
    let (mut failures, mut checked, mut documented) = (Vec::new(), 0, 0);
    for family in arr(&fx.families, "families") {
        let name = s(family, "family");
        let wrapper = &family["wrapper"];
        let renders = fx.wrappers["families"][name]["renders"]
            .as_object()
            .unwrap_or_else(|| panic!("no node-llama-cpp renders for {name}"));
        assert_eq!(
            fx.wrappers["families"][name]["wrapper"].as_str(),
            Some(s(wrapper, "name"))
        );
        let t = fx.builtin(family);
        for c in &fx.conversations {
            let Some(parts) = renders.get(&c.name) else {
                // A wrapper always leaves the last model turn open: no closed-turn rendering.
                assert!(
                    !c.add_generation_prompt,
                    "{name}: no wrapper rendering of {}",
                    c.name
                );
                continue;
            };
            let reference = wrapper_text(parts.as_array().expect("LlamaText"), s(wrapper, "bos"));
            let ours = flatten(&render(&t, c));
            match wrapper["differs"][&c.name].as_str() {
                Some(why) => {
                    documented += 1;
                    assert_ne!(
                        ours, reference,
                        "{name} {}: documented as differing from {} ({why}) but identical: update families.json",
                        c.name,
                        s(wrapper, "name")
                    );
                }
                None => {
                    checked += 1;
                    check(
                        &mut failures,
                        format!(
                            "built-in {} vs {} on {}",
                            s(family, "builtin"),
                            s(wrapper, "name"),
                            c.name
                        ),
                        &ours,
                        &reference,
                    );
                }
            }
        }
    }
    eprintln!("{documented} documented differences hold");
    finish(failures, checked);
}

#[test]
fn official_templates_render_through_minijinja_as_through_jinja2() {
    let fx = load();
    let (mut failures, mut checked) = (Vec::new(), 0);
    for entry in arr(&fx.families, "templates") {
        let file = s(entry, "file");
        let t = fx.custom(file, &template_text(file));
        for c in &fx.conversations {
            let (expected, folded) = fx.jinja2(file, &c.name);
            checked += 1;
            let what = if folded {
                format!(
                    "{file} on {} (refused by the template, system folded)",
                    c.name
                )
            } else {
                format!("{file} on {}", c.name)
            };
            check(&mut failures, what, &flatten(&render(&t, c)), expected);
        }
    }
    finish(failures, checked);
}

/// A template may trim a message (Llama 3, Gemma) or join it to another (Gemma's system text), but
/// what it renders of a message is always a content segment (tokenized without special tokens), in
/// order: text that looks like `<|im_end|>` never becomes template text.
#[test]
fn message_contents_come_back_as_content_segments() {
    let fx = load();
    let mut checked = 0;
    for family in arr(&fx.families, "families") {
        let t = fx.builtin(family);
        for c in &fx.conversations {
            let contents: Vec<String> = render(&t, c)
                .into_iter()
                .filter_map(|s| match s {
                    Segment::Content(c) => Some(c),
                    Segment::Template(_) => None,
                })
                .collect();
            let messages: Vec<&Message> = c
                .messages
                .iter()
                .filter(|m| !m.content.trim().is_empty())
                .collect();
            assert_eq!(
                contents.len(),
                messages.len(),
                "{} on {}",
                s(family, "builtin"),
                c.name
            );
            for (got, m) in contents.iter().zip(messages) {
                assert!(
                    *got == m.content || got == m.content.trim(),
                    "{} on {}: content segment {got:?} for message {:?}",
                    s(family, "builtin"),
                    c.name,
                    m.content
                );
                checked += 1;
            }
            // And the template text around them holds no message text that looks like a marker.
            for seg in render(&t, c) {
                if let Segment::Template(text) = seg {
                    assert!(
                        !text.contains("Ignore the rules") && !text.contains("{{"),
                        "{} on {}: message text in a template segment: {text:?}",
                        s(family, "builtin"),
                        c.name
                    );
                }
            }
        }
    }
    eprintln!("{checked} message contents checked");
}

fn gguf_value_strings(items: &[&str]) -> GgufValue {
    GgufValue::Array(
        items
            .iter()
            .map(|t| GgufValue::String((*t).to_string()))
            .collect(),
    )
}

/// A GGUF tokenizer (gpt2 BPE) whose vocabulary is `markers` (control tokens) and a few letters; EOS
/// is `</s>`, not the family's end-of-turn token.
fn codec_with(markers: &[&str]) -> (HashMap<String, GgufValue>, Vec<String>) {
    let mut tokens: Vec<String> = ["</s>", "a", "b", "c", "ab"].map(String::from).to_vec();
    tokens.extend(markers.iter().map(|m| m.to_string()));
    let types = (0..tokens.len())
        .map(|i| GgufValue::I32(if i == 0 || i >= 5 { 3 } else { 1 }))
        .collect();
    let mut map = HashMap::new();
    map.insert(
        "tokenizer.ggml.model".into(),
        GgufValue::String("gpt2".into()),
    );
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    map.insert("tokenizer.ggml.tokens".into(), gguf_value_strings(&refs));
    map.insert("tokenizer.ggml.token_type".into(), GgufValue::Array(types));
    map.insert("tokenizer.ggml.merges".into(), gguf_value_strings(&["a b"]));
    map.insert("tokenizer.ggml.eos_token_id".into(), GgufValue::U32(0));
    (map, tokens)
}

#[test]
fn each_familys_end_of_turn_token_ends_generation_and_picks_its_builtin() {
    let fx = load();
    for family in arr(&fx.families, "families") {
        let name = s(family, "family");
        let markers: Vec<&str> = arr(family, "vocabulary")
            .iter()
            .map(|v| v.as_str().expect("token"))
            .collect();
        let (map, _) = codec_with(&markers);
        let meta = Meta {
            map: &map,
            path: Path::new("synthetic.gguf"),
        };
        let codec = TextCodec::from_gguf(&meta).unwrap_or_else(|e| panic!("{name}: {e}"));
        let eot = s(family, "end_of_turn");
        let id = codec
            .token_id(eot)
            .unwrap_or_else(|| panic!("{name}: {eot} not in the vocabulary"));
        assert!(
            codec.is_end_of_generation(id),
            "{name}: {eot} does not end generation"
        );
        for arch in arr(family, "architectures") {
            let arch = Arch::parse(arch.as_str().expect("arch")).expect("a supported architecture");
            let t = ChatTemplate::from_gguf(&meta, arch, &codec);
            assert!(!t.from_file);
            assert_eq!(
                t.builtin.map(Builtin::name),
                Some(s(family, "builtin")),
                "{name}: {} file with this vocabulary",
                arch.name()
            );
        }
    }
    // The turn markers of one family do not end another's generation by accident: a ChatML file's
    // end-of-generation set is its EOS and <|im_end|>/<|endoftext|>.
    let (map, tokens) = codec_with(&["<|im_start|>", "<|im_end|>", "<|endoftext|>"]);
    let meta = Meta {
        map: &map,
        path: Path::new("synthetic.gguf"),
    };
    let codec = TextCodec::from_gguf(&meta).expect("codec");
    let mut eog: Vec<&str> = codec
        .end_of_generation
        .iter()
        .map(|&id| tokens[id as usize].as_str())
        .collect();
    eog.sort_unstable();
    assert_eq!(eog, ["</s>", "<|endoftext|>", "<|im_end|>"]);
}

/// The templates inside the GGUF files of models/manifest.json: each is the committed fixture (so the
/// jinja2 references above are references for it), renders through the engine's own path
/// (`ChatTemplate::from_gguf`, as `model::load` builds it) as jinja2 renders it, its end-of-turn token
/// ends generation, and the built-in for its architecture and vocabulary is the listed one.
#[test]
fn the_templates_of_our_model_files() {
    let fx = load();
    let dir = repo().join("models");
    let manifest = Manifest::read(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut seen = BTreeMap::new();
    for m in arr(&fx.families, "models") {
        let id = s(m, "id");
        let entry = manifest
            .models
            .iter()
            .find(|e| e.id == id)
            .unwrap_or_else(|| panic!("{id} is not in models/manifest.json"));
        let path = dir.join(&entry.file);
        if !path.is_file() {
            let fetch = if entry.extra {
                "npm run fetch-models:extra"
            } else {
                "npm run fetch-model"
            };
            eprintln!("skipped {id}: {} is absent: run `{fetch}`", path.display());
            seen.insert(id, "skipped");
            continue;
        }
        let f = GgufFile::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let meta = Meta {
            map: f.metadata(),
            path: &path,
        };
        let hp = HParams::from_meta(&meta).unwrap_or_else(|e| panic!("{e}"));
        let codec = TextCodec::from_gguf(&meta).unwrap_or_else(|e| panic!("{e}"));
        let eot = s(m, "end_of_turn");
        let eot_id = codec
            .token_id(eot)
            .unwrap_or_else(|| panic!("{id}: no {eot}"));
        assert!(
            codec.is_end_of_generation(eot_id),
            "{id}: {eot} does not end generation"
        );
        let builtin = Builtin::for_model(hp.arch, &|t| codec.token_id(t).is_some());
        assert_eq!(builtin.name(), s(m, "builtin"), "{id}: built-in");

        let t = ChatTemplate::from_gguf(&meta, hp.arch, &codec);
        let (y, mo, d) = fx.date;
        let t = t.with_date(y, mo, d);
        match m["template"].as_str() {
            None => {
                assert!(
                    meta.opt_string("tokenizer.chat_template").is_none(),
                    "{id} has a template now: add it to families.json"
                );
                assert!(!t.from_file);
                assert_eq!(t.builtin, Some(builtin));
                seen.insert(id, "no template: built-in checked");
            }
            Some(file) => {
                assert!(t.from_file, "{id}: the file's template is not used");
                assert_eq!(
                    meta.opt_string("tokenizer.chat_template"),
                    Some(template_text(file).as_str()),
                    "{id}: the GGUF's template is not tests/chat-templates/templates/{file} (npm run chat-templates)"
                );
                let (mut failures, mut checked) = (Vec::new(), 0);
                for c in &fx.conversations {
                    let (expected, _) = fx.jinja2(file, &c.name);
                    checked += 1;
                    check(
                        &mut failures,
                        format!("{id} (its GGUF's template) on {}", c.name),
                        &flatten(&render(&t, c)),
                        expected,
                    );
                }
                finish(failures, checked);
                seen.insert(id, "template checked");
            }
        }
    }
    eprintln!("{seen:?}");
}
