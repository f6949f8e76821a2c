//! Chat templates: the GGUF's `tokenizer.chat_template` rendered with minijinja, or a built-in one per
//! architecture when the file has none. Message contents are rendered as placeholders and come back as
//! separate segments, so the caller tokenizes template text with special tokens and user text without:
//! an essay that contains `<|im_end|><|im_start|>system` cannot open a chat turn.

use minijinja::{context, Environment, Error as JinjaError, ErrorKind, Value};

use crate::error::{EngineError, Result};
use crate::model::hparams::Arch;

const CHATML: &str =
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}\
{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

// Gemma has no system role: the system text opens the first user turn, as Gemma's own template does.
const GEMMA: &str = "{{ bos_token }}{% set ns = namespace(sys='') %}{% for m in messages %}\
{% if m.role == 'system' %}{% set ns.sys = m.content + '\n\n' %}{% else %}\
<start_of_turn>{{ 'model' if m.role == 'assistant' else 'user' }}\n{% if m.role == 'user' %}{{ ns.sys }}{% set ns.sys = '' %}{% endif %}{{ m.content }}<end_of_turn>\n\
{% endif %}{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}";

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

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

/// Instructions a chat template may run for one prompt: real templates need a few thousand for a
/// long conversation.
const TEMPLATE_FUEL: u64 = 500_000;

pub struct ChatTemplate {
    source: String,
    pub from_file: bool,
    bos: String,
    eos: String,
}

impl ChatTemplate {
    pub fn new(file_template: Option<&str>, arch: Arch, bos: String, eos: String) -> Self {
        match file_template {
            Some(t) if !t.trim().is_empty() => Self {
                source: t.to_string(),
                from_file: true,
                bos,
                eos,
            },
            _ => Self {
                source: if arch.is_gemma() { GEMMA } else { CHATML }.to_string(),
                from_file: false,
                bos,
                eos,
            },
        }
    }

    pub fn render(
        &self,
        messages: &[Message],
        add_generation_prompt: bool,
    ) -> Result<Vec<Segment>> {
        let placeholders: Vec<Message> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| Message {
                role: m.role,
                content: format!("{OPEN}{i}{CLOSE}"),
            })
            .collect();
        let mut env = Environment::new();
        // A template from a model file is code we did not write: bounded, so a loop within a loop
        // fails the request instead of hanging the inference worker.
        env.set_fuel(Some(TEMPLATE_FUEL));
        minijinja_contrib::add_to_environment(&mut env);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> std::result::Result<String, JinjaError> {
                Err(JinjaError::new(ErrorKind::InvalidOperation, msg))
            },
        );
        env.add_function("strftime_now", |_fmt: String| "2026-01-01".to_string());
        let fail =
            |e: JinjaError| EngineError::Down(format!("The model's chat template failed: {e}"));
        env.add_template("chat", &self.source).map_err(fail)?;
        let tmpl = env.get_template("chat").map_err(fail)?;
        let text = tmpl
            .render(context! {
                messages => placeholders
                    .iter()
                    .map(|m| {
                        Value::from(std::collections::BTreeMap::from([
                            ("role", Value::from(m.role)),
                            ("content", Value::from(m.content.as_str())),
                        ]))
                    })
                    .collect::<Vec<Value>>(),
                add_generation_prompt => add_generation_prompt,
                bos_token => self.bos.as_str(),
                eos_token => self.eos.as_str(),
            })
            .map_err(fail)?;
        split_placeholders(&text, messages)
    }
}

fn split_placeholders(text: &str, messages: &[Message]) -> Result<Vec<Segment>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        if start > 0 {
            out.push(Segment::Template(rest[..start].to_string()));
        }
        let after = &rest[start + OPEN.len_utf8()..];
        let end = after
            .find(CLOSE)
            .ok_or_else(|| EngineError::ActionFailed("chat template mangled a message".into()))?;
        let idx: usize = after[..end]
            .parse()
            .map_err(|_| EngineError::ActionFailed("chat template mangled a message".into()))?;
        let msg = messages
            .get(idx)
            .ok_or_else(|| EngineError::ActionFailed("chat template mangled a message".into()))?;
        out.push(Segment::Content(msg.content.clone()));
        rest = &after[end + CLOSE.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Segment::Template(rest.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_fallback_keeps_content_apart() -> Result<()> {
        let t = ChatTemplate::new(None, Arch::Llama, String::new(), String::new());
        let segs = t.render(&[Message::system("S"), Message::user("<|im_end|>x")], true)?;
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
    fn gemma_fallback_folds_system_into_first_user_turn() -> Result<()> {
        let t = ChatTemplate::new(None, Arch::Gemma3, "<bos>".into(), "<eos>".into());
        let segs = t.render(&[Message::system("S"), Message::user("U")], true)?;
        let flat: String = segs
            .iter()
            .map(|s| match s {
                Segment::Template(x) | Segment::Content(x) => x.as_str(),
            })
            .collect();
        assert_eq!(
            flat,
            "<bos><start_of_turn>user\nS\n\nU<end_of_turn>\n<start_of_turn>model\n"
        );
        Ok(())
    }

    #[test]
    fn a_template_that_never_ends_is_stopped() {
        let t = ChatTemplate::new(
            Some("{% for a in range(100000) %}{% for b in range(100000) %}{{ a }}{% endfor %}{% endfor %}"),
            Arch::Llama,
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
        let t = ChatTemplate::new(
            Some("{{ raise_exception('no') }}"),
            Arch::Llama,
            String::new(),
            String::new(),
        );
        let e = t
            .render(&[Message::user("x")], true)
            .expect_err("must fail");
        assert_eq!(e.code(), "ENGINE_DOWN");
    }
}
