//! The decode loop shared by every task: prefix reuse, sampling, stop conditions, streaming.

use crate::engine::JobCtx;
use crate::error::{EngineError, Result};
use crate::sampling::Sampler;

pub struct GenParams {
    pub max_tokens: usize,
    pub temperature: f64,
    pub top_p: f64,
    pub seed: u64,
    pub stop: Vec<String>,
    pub ignore_eos: bool,
    /// End when the model starts a sentence it already wrote (small models loop when greedy).
    pub stop_on_repeat: bool,
    /// Not before some text: end-of-generation is passed over while the answer is blank (a greedy
    /// small model sometimes ends its turn at once, and an empty reply helps no one).
    pub require_text: bool,
}

impl GenParams {
    pub fn greedy(max_tokens: usize) -> Self {
        Self {
            max_tokens,
            temperature: 0.0,
            top_p: 1.0,
            seed: 0,
            stop: Vec::new(),
            ignore_eos: false,
            stop_on_repeat: false,
            require_text: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Finish {
    Stop,
    Length,
}

impl Finish {
    pub fn as_str(self) -> &'static str {
        match self {
            Finish::Stop => "stop",
            Finish::Length => "length",
        }
    }
}

pub struct GenOutput {
    pub text: String,
    pub tokens: Vec<u32>,
    pub finish: Finish,
}

pub fn generate(ctx: &mut JobCtx, prompt: &[u32], p: &GenParams) -> Result<GenOutput> {
    let model = ctx.model()?;
    let context = model.net.context;
    if prompt.is_empty() {
        return Err(EngineError::invalid(
            "The prompt is empty after tokenization.",
        ));
    }
    if prompt.len() >= context {
        return Err(EngineError::invalid(format!(
            "The text is too long for the model to read at once ({} tokens; it reads {context}). Use \
a shorter text.",
            prompt.len()
        )));
    }
    let max_new = p.max_tokens.min(context - prompt.len());
    let codec = &model.codec;
    let mut logits = prefill(ctx, prompt)?;

    let mut sampler = Sampler::new(p.temperature, p.top_p, p.seed);
    let mut tokens = Vec::new();
    let mut text = String::new();
    let mut sent = 0usize;
    let max_stop = p.stop.iter().map(|s| s.len()).max().unwrap_or(0);
    let finish = loop {
        ctx.check()?;
        let mut next = sampler.next(&logits)?;
        if p.require_text && codec.is_end_of_generation(next) && text.trim().is_empty() {
            for &id in &codec.end_of_generation {
                if let Some(l) = logits.get_mut(id as usize) {
                    *l = f32::NEG_INFINITY;
                }
            }
            next = sampler.next(&logits)?;
        }
        if !p.ignore_eos && codec.is_end_of_generation(next) {
            break Finish::Stop;
        }
        tokens.push(next);
        text = codec.decode(&tokens)?;
        if let Some(cut) = find_stop(&text, &p.stop, sent.saturating_sub(max_stop)) {
            text.truncate(cut);
            break Finish::Stop;
        }
        if let Some(cut) = p.stop_on_repeat.then(|| repeated_sentence(&text)).flatten() {
            text.truncate(cut);
            break Finish::Stop;
        }
        let safe = stream_safe_end(&text, &p.stop);
        if safe > sent {
            ctx.emit(&text[sent..safe]);
            sent = safe;
        }
        if tokens.len() >= max_new {
            break Finish::Length;
        }
        logits = run(ctx, &[next])?;
    };
    // Every token kept, the last one too (it is never run).
    ctx.usage.generated_tokens += tokens.len();
    if sent < text.len() {
        let rest = text[sent..].to_string();
        ctx.emit(&rest);
    }
    Ok(GenOutput {
        text,
        tokens,
        finish,
    })
}

/// Runs the prompt through the model, reusing the cached prefix (e.g. the same essay for a second
/// question); at least one token is run so that there are logits for the next one.
pub fn prefill(ctx: &mut JobCtx, prompt: &[u32]) -> Result<Vec<f32>> {
    let mut common = ctx
        .kv()
        .tokens
        .iter()
        .zip(prompt)
        .take_while(|(a, b)| a == b)
        .count();
    if common == prompt.len() {
        common = common.saturating_sub(1);
    }
    ctx.kv().truncate(common);
    ctx.usage.prompt_tokens += prompt.len() - common;
    run(ctx, &prompt[common..])
}

/// Appends tokens after the prompt (generated or forced); the logits of the position after the last one.
pub fn feed(ctx: &mut JobCtx, tokens: &[u32]) -> Result<Vec<f32>> {
    ctx.usage.generated_tokens += tokens.len();
    run(ctx, tokens)
}

fn run(ctx: &mut JobCtx, tokens: &[u32]) -> Result<Vec<f32>> {
    let model = ctx.model()?;
    let control = ctx.control;
    let mut check = || control.check();
    model.net.forward(ctx.kv(), tokens, &mut check)
}

fn find_stop(text: &str, stops: &[String], from: usize) -> Option<usize> {
    let mut from = from.min(text.len());
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    stops
        .iter()
        .filter_map(|s| text[from..].find(s.as_str()).map(|i| i + from))
        .min()
}

/// Sentences shorter than this may repeat ("Thank you.").
const MIN_REPEATED_SENTENCE: usize = 16;

/// Where the last complete sentence of `text` starts, if the same sentence came earlier.
fn repeated_sentence(text: &str) -> Option<usize> {
    let ends_sentence = |c: char| matches!(c, '.' | '!' | '?' | '\n');
    let trimmed = text.trim_end_matches(' ');
    if !trimmed.ends_with(ends_sentence) {
        return None;
    }
    let body = &trimmed[..trimmed.len() - 1];
    let start = body.rfind(ends_sentence).map_or(0, |i| i + 1);
    let last = trimmed[start..].trim();
    if last.len() < MIN_REPEATED_SENTENCE {
        return None;
    }
    text[..start].contains(last).then_some(start)
}

/// How much of `text` may be streamed: not a trailing incomplete character (decoded as U+FFFD), and not
/// a suffix that could be the start of a stop string.
fn stream_safe_end(text: &str, stops: &[String]) -> usize {
    let mut end = text.trim_end_matches('\u{FFFD}').len();
    for s in stops {
        for (k, _) in s.char_indices().skip(1) {
            if text[..end].ends_with(&s[..k]) {
                end = end.min(text[..end].len() - k);
            }
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_back_partial_characters_and_stop_prefixes() {
        assert_eq!(stream_safe_end("abc\u{FFFD}", &[]), 3);
        let stops = vec!["END".to_string()];
        assert_eq!(stream_safe_end("hello EN", &stops), 6);
        assert_eq!(stream_safe_end("hello", &stops), 5);
    }

    #[test]
    fn a_sentence_written_again_ends_the_answer() {
        let looped = "It is clear. The sentence is written badly. The sentence is written badly.";
        assert_eq!(repeated_sentence(looped), Some(43));
        assert_eq!(&looped[..43], "It is clear. The sentence is written badly.");
        assert_eq!(
            repeated_sentence("Good. Good. Good."),
            None,
            "short sentences may repeat"
        );
        assert_eq!(repeated_sentence("One idea here. Another idea"), None);
    }

    #[test]
    fn finds_earliest_stop() {
        let stops = vec!["b".to_string(), "zz".to_string()];
        assert_eq!(find_stop("aazzb", &stops, 0), Some(2));
        assert_eq!(find_stop("ééé", &stops, 1), None);
    }
}
