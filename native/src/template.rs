//! Chat templates: the GGUF's `tokenizer.chat_template` rendered with minijinja, or a built-in one per
//! family when the file has none (see [`Builtin`]). Message contents are rendered as placeholders and
//! come back as separate segments, so the caller tokenizes template text with special tokens and user
//! text without: an essay that contains `<|im_end|><|im_start|>system` cannot open a chat turn.
//!
//! Templates run as transformers' `apply_chat_template` runs them (Jinja's `trim_blocks` and
//! `lstrip_blocks` on, `raise_exception`, `strftime_now`), with `enable_thinking` false: Qwen3's
//! template then opens the reply with an empty `<think>` block instead of a chain of thought.
//! tests/chat-templates/ holds the references every built-in and the families' own templates are
//! checked against (native/tests/chat_templates.rs).

use std::time::{SystemTime, UNIX_EPOCH};

use minijinja::syntax::SyntaxConfig;
use minijinja::{context, Environment, Error as JinjaError, ErrorKind, Value};

use crate::error::{EngineError, Result};
use crate::model::gguf::Meta;
use crate::model::hparams::Arch;
use crate::tokenizer::TextCodec;

/// The built-in templates, one per family, for files without `tokenizer.chat_template`. Each one
/// renders as the family's own template does (tests/chat-templates/ has the references).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// `<|im_start|>role\n…<|im_end|>\n`: SmolLM2-style llama files, Qwen2/2.5.
    ChatMl,
    /// ChatML with thinking off: the reply opens with `<think>\n\n</think>\n\n`, as Qwen3's template
    /// does for `enable_thinking=false`.
    Qwen3,
    /// Meta's Llama 3 Instruct: `<|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\n…<|eot_id|>`.
    Llama3,
    /// Phi-3/3.5: `<|system|>\n…<|end|>\n<|user|>\n…<|end|>\n<|assistant|>\n`.
    Phi3,
    /// Gemma 2 and 3: `<start_of_turn>user\n…<end_of_turn>\n`, the assistant is `model`; no system
    /// role: the system text opens the first user turn (as Gemma 3's template does).
    Gemma,
}

const CHATML: &str = r"
{%- for m in messages -%}
{{- '<|im_start|>' + m.role + '\n' + m.content + '<|im_end|>\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\n' -}}{%- endif -%}";

// Qwen3's own template with enable_thinking=false and no tools: ChatML, an empty think block opens the
// reply, and a final assistant turn after the last user turn carries one too.
const QWEN3: &str = r"
{%- set ns = namespace(last_user=messages|length - 1) -%}
{%- for m in messages -%}{%- if m.role == 'user' -%}{%- set ns.last_user = loop.index0 -%}{%- endif -%}{%- endfor -%}
{%- for m in messages -%}
{%- if m.role == 'assistant' and loop.last and loop.index0 > ns.last_user -%}
{{- '<|im_start|>assistant\n<think>\n\n</think>\n\n' + m.content + '<|im_end|>\n' -}}
{%- else -%}
{{- '<|im_start|>' + m.role + '\n' + m.content + '<|im_end|>\n' -}}
{%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\n<think>\n\n</think>\n\n' -}}{%- endif -%}";

// Meta-Llama-3-Instruct's template: BOS, then each message trimmed.
const LLAMA3: &str = r"
{%- for m in messages -%}
{%- if loop.first -%}{{- bos_token -}}{%- endif -%}
{{- '<|start_header_id|>' + m.role + '<|end_header_id|>\n\n' + m.content | trim + '<|eot_id|>' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}{%- endif -%}";

// Phi-3.5-mini-instruct's template: an empty system message is left out; without a generation prompt
// the text ends with EOS.
const PHI3: &str = r"
{%- for m in messages -%}
{%- if m.role == 'system' -%}
{%- if m.content -%}{{- '<|system|>\n' + m.content + '<|end|>\n' -}}{%- endif -%}
{%- else -%}
{{- '<|' + m.role + '|>\n' + m.content + '<|end|>\n' -}}
{%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|assistant|>\n' -}}{%- else -%}{{- eos_token -}}{%- endif -%}";

// Gemma 3's template (Gemma 2's refuses a system message): the first system message followed by a
// blank line opens the first turn; user and model text are trimmed.
const GEMMA: &str = r"
{{- bos_token -}}
{%- if messages and messages[0].role == 'system' -%}
{%- set prefix = messages[0].content + '\n\n' -%}{%- set turns = messages[1:] -%}
{%- else -%}
{%- set prefix = '' -%}{%- set turns = messages -%}
{%- endif -%}
{%- for m in turns -%}
{{- '<start_of_turn>' + ('model' if m.role == 'assistant' else m.role) + '\n' + (prefix if loop.first else '') + m.content | trim + '<end_of_turn>\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<start_of_turn>model\n' -}}{%- endif -%}";

impl Builtin {
    pub const ALL: [Builtin; 5] = [
        Builtin::ChatMl,
        Builtin::Qwen3,
        Builtin::Llama3,
        Builtin::Phi3,
        Builtin::Gemma,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Builtin::ChatMl => "chatml",
            Builtin::Qwen3 => "qwen3",
            Builtin::Llama3 => "llama3",
            Builtin::Phi3 => "phi3",
            Builtin::Gemma => "gemma",
        }
    }

    pub fn parse(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The family's template for a file of this architecture whose vocabulary has the tokens
    /// `has_token` says it has: a llama file with Llama 3's header tokens is Llama 3, any other llama
    /// file (SmolLM2 and the like) ChatML.
    pub fn for_model(arch: Arch, has_token: &dyn Fn(&str) -> bool) -> Builtin {
        match arch {
            Arch::Gemma2 | Arch::Gemma3 => Builtin::Gemma,
            Arch::Phi3 => Builtin::Phi3,
            Arch::Qwen3 => Builtin::Qwen3,
            Arch::Qwen2 => Builtin::ChatMl,
            Arch::Llama if has_token("<|start_header_id|>") && has_token("<|eot_id|>") => {
                Builtin::Llama3
            }
            Arch::Llama => Builtin::ChatMl,
        }
    }

    pub fn source(self) -> &'static str {
        match self {
            Builtin::ChatMl => CHATML,
            Builtin::Qwen3 => QWEN3,
            Builtin::Llama3 => LLAMA3,
            Builtin::Phi3 => PHI3,
            Builtin::Gemma => GEMMA,
        }
    }
}

/// Content placeholders are `OPEN index CLOSE` (Private Use characters no template produces). A content
/// with leading or trailing whitespace gets `LEAD` before or `TRAIL` after it: both are Unicode
/// whitespace, so a template's `trim` removes them with the whitespace it means to remove, and their
/// presence afterwards says whether the content keeps its whitespace.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';
const LEAD: char = '\u{2000}';
const TRAIL: char = '\u{2001}';

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: &'static str,
    pub content: String,
}

impl Message {
    pub fn system(c: impl Into<String>) -> Self {
        Self {
            role: "system",
            content: c.into(),
        }
    }
    pub fn user(c: impl Into<String>) -> Self {
        Self {
            role: "user",
            content: c.into(),
        }
    }
    pub fn assistant(c: impl Into<String>) -> Self {
        Self {
            role: "assistant",
            content: c.into(),
        }
    }
}

/// A rendered prompt: template text (special tokens allowed) and message contents (plain text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Template(String),
    Content(String),
}

impl Segment {
    pub fn text(&self) -> &str {
        match self {
            Segment::Template(t) | Segment::Content(t) => t,
        }
    }
}

/// The prompt as one string (what the template rendered, contents in place).
pub fn flatten(segments: &[Segment]) -> String {
    segments.iter().map(Segment::text).collect()
}

/// Instructions a chat template may run for one prompt: real templates need a few thousand for a
/// long conversation.
const TEMPLATE_FUEL: u64 = 500_000;

pub struct ChatTemplate {
    source: String,
    /// The template is the file's `tokenizer.chat_template`.
    pub from_file: bool,
    /// The built-in used when the file has no template.
    pub builtin: Option<Builtin>,
    bos: String,
    eos: String,
    /// The date `strftime_now` formats (year, month, day); today's (UTC) when `None`.
    date: Option<(i64, u32, u32)>,
}

impl ChatTemplate {
    /// The file's template, or the built-in of its family (by architecture and vocabulary) when it
    /// has none.
    pub fn new(
        file_template: Option<&str>,
        arch: Arch,
        has_token: &dyn Fn(&str) -> bool,
        bos: String,
        eos: String,
    ) -> Self {
        match file_template {
            Some(t) if !t.trim().is_empty() => Self::custom(t, bos, eos),
            _ => Self::builtin(Builtin::for_model(arch, has_token), bos, eos),
        }
    }

    /// The template of a GGUF file as `model::load` uses it: `tokenizer.chat_template`, BOS and EOS
    /// text from the tokenizer, the family's built-in when the file has no template.
    pub fn from_gguf(meta: &Meta, arch: Arch, codec: &TextCodec) -> Self {
        let token_text = |key: &str| {
            meta.opt_u64(key)
                .and_then(|id| u32::try_from(id).ok())
                .and_then(|id| codec.token_text(id))
                .unwrap_or_default()
        };
        Self::new(
            meta.opt_string("tokenizer.chat_template"),
            arch,
            &|t| codec.token_id(t).is_some(),
            token_text("tokenizer.ggml.bos_token_id"),
            token_text("tokenizer.ggml.eos_token_id"),
        )
    }

    /// A template given as Jinja source (a file's).
    pub fn custom(source: &str, bos: String, eos: String) -> Self {
        Self {
            source: source.to_string(),
            from_file: true,
            builtin: None,
            bos,
            eos,
            date: None,
        }
    }

    pub fn builtin(b: Builtin, bos: String, eos: String) -> Self {
        Self {
            source: b.source().to_string(),
            from_file: false,
            builtin: Some(b),
            bos,
            eos,
            date: None,
        }
    }

    /// Fixes the date `strftime_now` gives (Llama 3.1+ templates write "Today Date: 26 Jul 2024").
    pub fn with_date(mut self, year: i64, month: u32, day: u32) -> Self {
        self.date = Some((year, month, day));
        self
    }

    /// Renders `messages`. A template that refuses a system message (`raise_exception`, as Gemma 2's
    /// does) is rendered again with each system message folded into the next user message, separated
    /// by a blank line, as Gemma 3's template and our Gemma built-in place it.
    pub fn render(
        &self,
        messages: &[Message],
        add_generation_prompt: bool,
    ) -> Result<Vec<Segment>> {
        let fail =
            |e: JinjaError| EngineError::Down(format!("The model's chat template failed: {e}"));
        match self.render_text(messages, add_generation_prompt) {
            Ok(text) => split_placeholders(&text, messages),
            Err(e)
                if e.kind() == ErrorKind::InvalidOperation
                    && messages.iter().any(|m| m.role == "system") =>
            {
                let folded = fold_system_messages(messages);
                match self.render_text(&folded, add_generation_prompt) {
                    Ok(text) => split_placeholders(&text, &folded),
                    Err(_) => Err(fail(e)),
                }
            }
            Err(e) => Err(fail(e)),
        }
    }

    fn render_text(
        &self,
        messages: &[Message],
        add_generation_prompt: bool,
    ) -> std::result::Result<String, JinjaError> {
        let mut env = Environment::new();
        // A template from a model file is code we did not write: bounded, so a loop within a loop
        // fails the request instead of hanging the inference worker.
        env.set_fuel(Some(TEMPLATE_FUEL));
        // As transformers compiles chat templates (and llama.cpp renders them).
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()?,
        );
        minijinja_contrib::add_to_environment(&mut env);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> std::result::Result<String, JinjaError> {
                Err(JinjaError::new(ErrorKind::InvalidOperation, msg))
            },
        );
        let (y, m, d) = self.date.unwrap_or_else(today_utc);
        env.add_function("strftime_now", move |fmt: String| strftime(&fmt, y, m, d));
        env.add_template("chat", &self.source)?;
        let tmpl = env.get_template("chat")?;
        let placeholders: Vec<Value> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                Value::from(std::collections::BTreeMap::from([
                    ("role", Value::from(m.role)),
                    ("content", Value::from(placeholder(i, &m.content))),
                ]))
            })
            .collect();
        tmpl.render(context! {
            messages => placeholders,
            add_generation_prompt => add_generation_prompt,
            bos_token => self.bos.as_str(),
            eos_token => self.eos.as_str(),
            enable_thinking => false,
        })
    }
}

/// Each system message joined to the next user message (`system\n\nuser`); one with no user message
/// after it becomes a user message.
fn fold_system_messages(messages: &[Message]) -> Vec<Message> {
    let mut out = Vec::with_capacity(messages.len());
    let mut pending: Option<String> = None;
    for m in messages {
        match m.role {
            "system" => {
                pending = Some(match pending.take() {
                    Some(p) => format!("{p}\n\n{}", m.content),
                    None => m.content.clone(),
                });
            }
            "user" => out.push(Message::user(match pending.take() {
                Some(p) => format!("{p}\n\n{}", m.content),
                None => m.content.clone(),
            })),
            _ => out.push(m.clone()),
        }
    }
    if let Some(p) = pending {
        out.push(Message::user(p));
    }
    out
}

/// What a template sees of message `i`. An empty content stays empty, so `{% if m.content %}` (Phi-3.5
/// leaves an empty system message out) tests the real text.
fn placeholder(i: usize, content: &str) -> String {
    if content.is_empty() {
        return String::new();
    }
    let mut p = String::new();
    if content.trim_start().len() < content.len() {
        p.push(LEAD);
    }
    p.push(OPEN);
    p.push_str(&i.to_string());
    p.push(CLOSE);
    if content.trim_end().len() < content.len() {
        p.push(TRAIL);
    }
    p
}

fn mangled() -> EngineError {
    EngineError::ActionFailed("chat template mangled a message".into())
}

fn split_placeholders(text: &str, messages: &[Message]) -> Result<Vec<Segment>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let before = &rest[..start];
        let (before, lead) = match before.strip_suffix(LEAD) {
            Some(b) => (b, true),
            None => (before, false),
        };
        if before.contains([LEAD, TRAIL, CLOSE]) {
            return Err(mangled());
        }
        if !before.is_empty() {
            out.push(Segment::Template(before.to_string()));
        }
        let after = &rest[start + OPEN.len_utf8()..];
        let end = after.find(CLOSE).ok_or_else(mangled)?;
        let idx: usize = after[..end].parse().map_err(|_| mangled())?;
        let content = &messages.get(idx).ok_or_else(mangled)?.content;
        rest = &after[end + CLOSE.len_utf8()..];
        let trail = match rest.strip_prefix(TRAIL) {
            Some(r) => {
                rest = r;
                true
            }
            None => false,
        };
        // The whitespace a template trimmed stays trimmed; the rest of the content is verbatim.
        let from = if lead {
            0
        } else {
            content.len() - content.trim_start().len()
        };
        let to = if trail {
            content.len()
        } else {
            content.trim_end().len().max(from)
        };
        if from < to {
            out.push(Segment::Content(content[from..to].to_string()));
        }
    }
    if rest.contains([LEAD, TRAIL, CLOSE]) {
        return Err(mangled());
    }
    if !rest.is_empty() {
        out.push(Segment::Template(rest.to_string()));
    }
    Ok(out)
}

/// Today's date in UTC as (year, month, day).
fn today_utc() -> (i64, u32, u32) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    civil_from_days(secs.div_euclid(86_400))
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Python's `strftime` for a date at midnight: the date fields (`%d %m %Y %y %b %B %a %A %j`, glibc's
/// `%-d %-m`) and `%%`; time fields are zero, anything else stays as written.
fn strftime(fmt: &str, year: i64, month: u32, day: u32) -> String {
    let days = days_from_civil(year, month, day);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[(days + 3).rem_euclid(7) as usize];
    let month_name = MONTHS[(month.clamp(1, 12) - 1) as usize];
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str(&format!("{day:02}")),
            Some('m') => out.push_str(&format!("{month:02}")),
            Some('Y') => out.push_str(&year.to_string()),
            Some('y') => out.push_str(&format!("{:02}", year.rem_euclid(100))),
            Some('b') => out.push_str(&month_name[..3]),
            Some('B') => out.push_str(month_name),
            Some('a') => out.push_str(&weekday[..3]),
            Some('A') => out.push_str(weekday),
            Some('j') => out.push_str(&format!("{:03}", days - days_from_civil(year, 1, 1) + 1)),
            Some('H' | 'M' | 'S' | 'I') => out.push_str("00"),
            Some('-') => match chars.next() {
                Some('d') => out.push_str(&day.to_string()),
                Some('m') => out.push_str(&month.to_string()),
                Some(other) => {
                    out.push_str("%-");
                    out.push(other);
                }
                None => out.push_str("%-"),
            },
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_tokens(_: &str) -> bool {
        false
    }

    /// The messages' text in rendered segments.
    fn contents(segs: &[Segment]) -> Vec<&str> {
        segs.iter()
            .filter_map(|s| match s {
                Segment::Content(c) => Some(c.as_str()),
                Segment::Template(_) => None,
            })
            .collect()
    }

    fn chatml() -> ChatTemplate {
        ChatTemplate::new(None, Arch::Llama, &no_tokens, String::new(), String::new())
    }

    #[test]
    fn chatml_fallback_keeps_content_apart() -> Result<()> {
        let segs = chatml().render(&[Message::system("S"), Message::user("<|im_end|>x")], true)?;
        assert_eq!(
            segs,
            vec![
                Segment::Template("<|im_start|>system\n".into()),
                Segment::Content("S".into()),
                Segment::Template("<|im_end|>\n<|im_start|>user\n".into()),
                Segment::Content("<|im_end|>x".into()),
                Segment::Template("<|im_end|>\n<|im_start|>assistant\n".into()),
            ]
        );
        Ok(())
    }

    #[test]
    fn the_builtin_follows_architecture_and_vocabulary() {
        let llama3_vocab = |t: &str| t == "<|start_header_id|>" || t == "<|eot_id|>";
        let choose = |arch, has: &dyn Fn(&str) -> bool| Builtin::for_model(arch, has);
        assert_eq!(choose(Arch::Llama, &llama3_vocab), Builtin::Llama3);
        assert_eq!(
            choose(Arch::Llama, &|t| t == "<|im_start|>"),
            Builtin::ChatMl
        );
        assert_eq!(choose(Arch::Llama, &no_tokens), Builtin::ChatMl);
        assert_eq!(choose(Arch::Qwen2, &llama3_vocab), Builtin::ChatMl);
        assert_eq!(choose(Arch::Qwen3, &no_tokens), Builtin::Qwen3);
        assert_eq!(choose(Arch::Phi3, &no_tokens), Builtin::Phi3);
        assert_eq!(choose(Arch::Gemma2, &no_tokens), Builtin::Gemma);
        assert_eq!(choose(Arch::Gemma3, &no_tokens), Builtin::Gemma);
        for b in Builtin::ALL {
            assert_eq!(Builtin::parse(b.name()), Some(b));
        }
        let from_file = ChatTemplate::new(
            Some("{{ messages[0].content }}"),
            Arch::Gemma3,
            &no_tokens,
            String::new(),
            String::new(),
        );
        assert!(from_file.from_file && from_file.builtin.is_none());
    }

    #[test]
    fn gemma_folds_system_into_first_user_turn() -> Result<()> {
        let t = ChatTemplate::builtin(Builtin::Gemma, "<bos>".into(), "<eos>".into());
        let segs = t.render(&[Message::system("S"), Message::user("U")], true)?;
        assert_eq!(
            flatten(&segs),
            "<bos><start_of_turn>user\nS\n\nU<end_of_turn>\n<start_of_turn>model\n"
        );
        Ok(())
    }

    #[test]
    fn trimmed_whitespace_stays_trimmed_and_kept_whitespace_stays_content() -> Result<()> {
        // Llama 3 trims every message; ChatML trims none.
        let msgs = [
            Message::system(" \tS\n"),
            Message::user("\n U \n"),
            Message::user("  "),
        ];
        let t = ChatTemplate::builtin(Builtin::Llama3, "<B>".into(), String::new());
        let segs = t.render(&msgs, false)?;
        assert_eq!(contents(&segs), ["S", "U"]);
        assert_eq!(
            flatten(&segs),
            "<B><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>\
             <|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|>\
             <|start_header_id|>user<|end_header_id|>\n\n<|eot_id|>"
        );
        let segs = chatml().render(&msgs, false)?;
        assert_eq!(contents(&segs), [" \tS\n", "\n U \n", "  "]);
        // One-sided stripping keeps the other side.
        let t = ChatTemplate::custom(
            "{% for m in messages %}[{{ m.content.lstrip() }}|{{ m.content.rstrip() }}]{% endfor %}",
            String::new(),
            String::new(),
        );
        assert_eq!(
            flatten(&t.render(&msgs, false)?),
            "[S\n| \tS][U \n|\n U][|]"
        );
        Ok(())
    }

    #[test]
    fn block_tags_eat_their_line_as_in_transformers() -> Result<()> {
        // transformers (jinja2 with trim_blocks and lstrip_blocks) renders this as "<a>\n<b>\n";
        // plain Jinja would keep the indentation and blank lines of the block tags.
        let t = ChatTemplate::custom(
            "{% for m in messages %}\n  {% if m.role == 'user' %}\n<{{ m.content }}>\n  {% endif %}\n{% endfor %}\n",
            String::new(),
            String::new(),
        );
        let msgs = [Message::user("a"), Message::system("s"), Message::user("b")];
        assert_eq!(flatten(&t.render(&msgs, true)?), "<a>\n<b>\n");
        Ok(())
    }

    #[test]
    fn a_template_that_refuses_a_system_message_gets_it_in_the_first_user_turn() -> Result<()> {
        let t = ChatTemplate::custom(
            "{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}\
             {% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}",
            String::new(),
            String::new(),
        );
        let segs = t.render(
            &[
                Message::system("S"),
                Message::user("U"),
                Message::assistant("A"),
                Message::system("late"),
            ],
            true,
        )?;
        assert_eq!(flatten(&segs), "<user>S\n\nU<assistant>A<user>late");
        assert!(segs.contains(&Segment::Content("S\n\nU".into())));
        // Without a system message the template's own error stands.
        let t = ChatTemplate::custom("{{ raise_exception('no') }}", String::new(), String::new());
        let e = t
            .render(&[Message::system("S")], true)
            .expect_err("must fail");
        assert!(e.to_string().contains("no"), "{e}");
        Ok(())
    }

    #[test]
    fn strftime_now_formats_the_date() -> Result<()> {
        assert_eq!(strftime("%d %b %Y", 2024, 7, 26), "26 Jul 2024");
        assert_eq!(
            strftime("%A %B %-d/%m %j %y %% %q", 2024, 7, 26),
            "Friday July 26/07 208 24 % %q"
        );
        for days in [-1, 0, 59, 10_957, 19_930, 20_000, 100_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(19_930), (2024, 7, 26));
        let t = ChatTemplate::custom(
            "{{ strftime_now('%d %b %Y') }}",
            String::new(),
            String::new(),
        )
        .with_date(2026, 1, 5);
        assert_eq!(flatten(&t.render(&[], false)?), "05 Jan 2026");
        Ok(())
    }

    #[test]
    fn a_template_that_never_ends_is_stopped() {
        let t = ChatTemplate::custom(
            "{% for a in range(100000) %}{% for b in range(100000) %}{{ a }}{% endfor %}{% endfor %}",
            String::new(),
            String::new(),
        );
        let started = std::time::Instant::now();
        let e = t.render(&[Message::user("x")], true).err();
        assert_eq!(e.map(|e| e.code()), Some("ENGINE_DOWN"));
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    }

    #[test]
    fn template_errors_are_engine_down() {
        let t = ChatTemplate::custom("{{ raise_exception('no') }}", String::new(), String::new());
        let e = t
            .render(&[Message::user("x")], true)
            .expect_err("must fail");
        assert_eq!(e.code(), "ENGINE_DOWN");
    }
}
