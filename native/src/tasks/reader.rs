//! What the model that answers can read: the local model's context, counted in its own tokens, or a
//! remote server's, whose tokenizer we don't have, estimated from characters.

use std::sync::Arc;

use crate::error::Result;
use crate::model::LoadedModel;
use crate::template::Message;

/// Prompt tokens kept for instructions and the chat turn around an essay.
const PROMPT_OVERHEAD: usize = 200;
/// The context assumed of a server: llama.cpp's server and Ollama serve 4,096 tokens by default
/// (vLLM serves the model's own, larger one).
const SERVER_CONTEXT: usize = 4096;
/// Characters per token assumed for a server's tokenizer (English runs about 4; 3 keeps a margin).
const CHARS_PER_TOKEN: usize = 3;

pub enum Reader {
    Local(Arc<LoadedModel>),
    Server,
}

impl Reader {
    /// Tokens a prompt may use so that `reserve` tokens can still be written.
    pub fn budget(&self, reserve: usize) -> usize {
        match self {
            Reader::Local(m) => m.net.context,
            Reader::Server => SERVER_CONTEXT,
        }
        .saturating_sub(reserve)
    }

    /// The tokens of a chat prompt.
    pub fn count(&self, messages: &[Message]) -> Result<usize> {
        match self {
            Reader::Local(m) => m.chat_tokens(messages).map(|ids| ids.len()),
            Reader::Server => Ok(messages
                .iter()
                // Each turn's role and separators take a few tokens too.
                .map(|m| m.content.chars().count().div_ceil(CHARS_PER_TOKEN) + 4)
                .sum()),
        }
    }

    /// The essay as the model sees it: at most `cap` tokens (a bound for the local model's speed), and
    /// cut to fit the context with `reserve` tokens to spare (the analysis still reads all of it).
    pub fn fit_essay(&self, text: &str, reserve: usize, cap: usize) -> Result<String> {
        let budget = self.budget(reserve + PROMPT_OVERHEAD);
        match self {
            Reader::Local(m) => {
                let budget = budget.min(cap);
                let ids = m.codec.encode(text, false)?;
                if ids.len() <= budget {
                    return Ok(text.to_string());
                }
                let cut = m.codec.decode(&ids[..budget])?;
                Ok(cut.trim_end_matches('\u{FFFD}').to_string())
            }
            Reader::Server => {
                let chars = budget * CHARS_PER_TOKEN;
                match text.char_indices().nth(chars) {
                    None => Ok(text.to_string()),
                    // At the last space before the limit, so that no word is cut in two.
                    Some((end, _)) => {
                        let cut = &text[..end];
                        Ok(cut[..cut.rfind(char::is_whitespace).unwrap_or(end)].to_string())
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_reads_an_estimated_context_cut_between_words() {
        let r = Reader::Server;
        let short = "A short essay.";
        assert_eq!(
            r.fit_essay(short, 100, usize::MAX).ok().as_deref(),
            Some(short)
        );
        let long = "word ".repeat(5000);
        let fitted = r.fit_essay(&long, 400, usize::MAX).unwrap_or_default();
        assert!(fitted.len() <= (SERVER_CONTEXT - 600) * CHARS_PER_TOKEN);
        assert!(
            fitted.len() > 5000 && fitted.ends_with("word"),
            "{}",
            fitted.len()
        );
        assert_eq!(r.count(&[Message::user("abcdef")]).ok(), Some(2 + 4));
    }
}
