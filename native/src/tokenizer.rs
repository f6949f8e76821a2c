//! Tokenizers built from GGUF metadata with the `tokenizers` crate (no tokenizer.json ships with these
//! files). The pre-tokenizers mirror llama.cpp's per `tokenizer.ggml.pre`, so ids match it token for token.
//! User text is always encoded with special-token parsing off: `<|im_end|>` typed into an essay stays text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use ahash::AHashMap;
use tokenizers::decoders::byte_fallback::ByteFallback;
use tokenizers::decoders::byte_level::ByteLevel;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::sequence::Sequence as DecoderSequence;
use tokenizers::models::bpe::BPE;
use tokenizers::normalizers::replace::Replace;
use tokenizers::normalizers::unicode::NFC;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence as PreSequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{
    AddedToken, DecoderWrapper, Model, NormalizerWrapper, PostProcessorWrapper,
    PreTokenizerWrapper, SplitDelimiterBehavior, Token, TokenizerImpl,
};

use crate::error::{EngineError, Result};
use crate::model::gguf::{self, Meta};

// GGUF token types (llama.cpp's llama_token_type).
const TOKEN_TYPE_CONTROL: i32 = 3;
const TOKEN_TYPE_USER_DEFINED: i32 = 4;
const TOKEN_TYPE_UNUSED: i32 = 5;
const TOKEN_TYPE_BYTE: i32 = 6;

/// Qwen2's pre-tokenizer regex, as llama.cpp uses for `pre = qwen2`.
const QWEN2_REGEX: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The BPE model behind an `Arc`, so that the two tokenizers of a `TextCodec` (with and without
/// special-token matching) share one copy of the vocabulary and merges: for Gemma-3's 262 144 tokens
/// a copy is ~70 MB, which a second one made Samsara's peak memory exceed llama.cpp's.
#[derive(Clone)]
struct SharedBpe(Arc<BPE>);

impl Model for SharedBpe {
    type Trainer = <BPE as Model>::Trainer;
    fn tokenize(&self, sequence: &str) -> tokenizers::Result<Vec<Token>> {
        self.0.tokenize(sequence)
    }
    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.0.token_to_id(token)
    }
    fn id_to_token(&self, id: u32) -> Option<String> {
        self.0.id_to_token(id)
    }
    fn get_vocab(&self) -> HashMap<String, u32> {
        self.0.get_vocab()
    }
    fn get_vocab_size(&self) -> usize {
        self.0.get_vocab_size()
    }
    fn save(&self, folder: &Path, prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        self.0.save(folder, prefix)
    }
    fn get_trainer(&self) -> Self::Trainer {
        self.0.get_trainer()
    }
}

type Tokenizer = TokenizerImpl<
    SharedBpe,
    NormalizerWrapper,
    PreTokenizerWrapper,
    PostProcessorWrapper,
    DecoderWrapper,
>;

fn shared_tokenizer(bpe: BPE) -> Tokenizer {
    Tokenizer::new(SharedBpe(Arc::new(bpe)))
}

pub struct TextCodec {
    /// Special tokens are matched (templates only).
    with_special: Tokenizer,
    /// Special-token text is encoded as plain text (all user input). Shares the model with
    /// `with_special`.
    plain: Tokenizer,
    pub vocab_size: usize,
    pub bos: Option<u32>,
    pub add_bos: bool,
    /// Tokens that end generation: EOS plus end-of-turn markers.
    pub end_of_generation: Vec<u32>,
    pub kind: &'static str,
    /// Raw bytes of each token, built on first use (constrained decoding needs them).
    token_bytes: OnceLock<Vec<Option<Box<[u8]>>>>,
}

fn bad(meta: &Meta, what: impl std::fmt::Display) -> EngineError {
    EngineError::Down(format!(
        "Model file {}: tokenizer {what}",
        meta.path.display()
    ))
}

impl TextCodec {
    pub fn from_gguf(meta: &Meta) -> Result<Self> {
        let model = meta.string("tokenizer.ggml.model")?;
        let tokens = meta.string_array("tokenizer.ggml.tokens")?;
        let types = meta
            .opt_array("tokenizer.ggml.token_type", gguf::int)
            .unwrap_or_else(|| vec![1; tokens.len()]);
        if types.len() != tokens.len() {
            return Err(bad(meta, "token_type and tokens differ in length"));
        }
        let pre = meta.opt_string("tokenizer.ggml.pre").unwrap_or("default");

        let mut vocab: AHashMap<String, u32> = AHashMap::with_capacity(tokens.len());
        for (id, tok) in tokens.iter().enumerate() {
            vocab.entry((*tok).to_string()).or_insert(id as u32);
        }

        let (mut tokenizer, kind) = match model {
            "gpt2" => {
                let merges = meta
                    .string_array("tokenizer.ggml.merges")?
                    .into_iter()
                    .map(|m| {
                        m.split_once(' ')
                            .map(|(a, b)| (a.to_string(), b.to_string()))
                            .ok_or_else(|| bad(meta, format_args!("merge {m:?} has no space")))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let bpe = BPE::builder()
                    .vocab_and_merges(vocab.clone(), merges)
                    .build()
                    .map_err(|e| bad(meta, e))?;
                let mut t = shared_tokenizer(bpe);
                let byte_level = ByteLevel::new(false, false, true);
                match pre {
                    "qwen2" => {
                        let split = Split::new(
                            SplitPattern::Regex(QWEN2_REGEX.into()),
                            SplitDelimiterBehavior::Isolated,
                            false,
                        )
                        .map_err(|e| bad(meta, e))?;
                        t.with_normalizer(Some(NFC));
                        t.with_pre_tokenizer(Some(PreSequence::new(vec![
                            PreTokenizerWrapper::Split(split),
                            PreTokenizerWrapper::ByteLevel(ByteLevel::new(false, false, false)),
                        ])));
                    }
                    "smollm" | "starcoder" => {
                        t.with_pre_tokenizer(Some(PreSequence::new(vec![
                            PreTokenizerWrapper::Digits(Digits::new(true)),
                            PreTokenizerWrapper::ByteLevel(byte_level),
                        ])));
                    }
                    _ => {
                        t.with_pre_tokenizer(Some(byte_level));
                    }
                }
                t.with_decoder(Some(ByteLevel::new(false, false, true)));
                (t, "bpe")
            }
            "llama" => {
                // SentencePiece vocabulary as a byte-fallback BPE whose merges come from the scores.
                let scores = meta
                    .opt_array("tokenizer.ggml.scores", gguf::float)
                    .ok_or_else(|| bad(meta, "scores are missing"))?;
                if scores.len() != tokens.len() {
                    return Err(bad(meta, "scores and tokens differ in length"));
                }
                let merges = merges_from_scores(&tokens, &types, &scores, &vocab);
                let mut builder = BPE::builder()
                    .vocab_and_merges(vocab.clone(), merges)
                    .byte_fallback(true)
                    .fuse_unk(true);
                if let Some(unk) = meta
                    .opt_u64("tokenizer.ggml.unknown_token_id")
                    .and_then(|id| tokens.get(id as usize))
                {
                    builder = builder.unk_token((*unk).to_string());
                }
                let bpe = builder.build().map_err(|e| bad(meta, e))?;
                let mut t = shared_tokenizer(bpe);
                t.with_normalizer(Some(Replace::new(" ", "▁").map_err(|e| bad(meta, e))?));
                t.with_decoder(Some(DecoderSequence::new(vec![
                    DecoderWrapper::Replace(Replace::new("▁", " ").map_err(|e| bad(meta, e))?),
                    DecoderWrapper::ByteFallback(ByteFallback::new()),
                    DecoderWrapper::Fuse(Fuse::new()),
                ])));
                (t, "spm")
            }
            other => {
                return Err(bad(
                    meta,
                    format_args!("type {other:?} is not supported (supported: gpt2, llama)"),
                ));
            }
        };

        // Control tokens are special (matched only in templates); user-defined tokens are always matched,
        // as llama.cpp does. Phi-3's turn markers swallow the whitespace after them (`<|end|>\n<|user|>`
        // is two tokens), as its Hugging Face tokenizer (rstrip) and llama.cpp do.
        let phi3 = meta.opt_string("general.architecture") == Some("phi3");
        let rstrip = |tok: &str| phi3 && !matches!(tok, "<unk>" | "<s>" | "<|endoftext|>");
        let mut special = Vec::new();
        let mut user = Vec::new();
        for (tok, ty) in tokens.iter().zip(types.iter()) {
            match *ty {
                TOKEN_TYPE_CONTROL => special.push(
                    AddedToken::from(tok.to_string(), true)
                        .normalized(false)
                        .rstrip(rstrip(tok)),
                ),
                TOKEN_TYPE_USER_DEFINED => {
                    user.push(AddedToken::from(tok.to_string(), false).normalized(false))
                }
                _ => {}
            }
        }
        tokenizer.add_special_tokens(&special);
        tokenizer.add_tokens(&user);

        let mut plain = tokenizer.clone();
        plain.set_encode_special_tokens(true);

        let id_of = |t: &str| vocab.get(t).copied();
        // A special-token id outside the vocabulary would index past the embedding.
        let special_id = |key: &str| -> Result<Option<u32>> {
            match meta.opt_u64(key) {
                None => Ok(None),
                Some(id) if (id as usize) < tokens.len() && id <= u32::MAX as u64 => {
                    Ok(Some(id as u32))
                }
                Some(id) => Err(bad(
                    meta,
                    format_args!("{key} {id} is outside the vocabulary of {}", tokens.len()),
                )),
            }
        };
        let eos = special_id("tokenizer.ggml.eos_token_id")?;
        let mut end_of_generation: Vec<u32> = eos.into_iter().collect();
        // The end-of-turn markers of every chat template family (llama.cpp's end-of-generation list):
        // ChatML and Qwen, Llama 3 (and its tool-call end and end of text), Phi-3, Gemma.
        for t in [
            "<|im_end|>",
            "<|endoftext|>",
            "<|eot_id|>",
            "<|eom_id|>",
            "<|end_of_text|>",
            "<|end|>",
            "<end_of_turn>",
            "<eos>",
        ] {
            if let Some(id) = id_of(t) {
                if !end_of_generation.contains(&id) {
                    end_of_generation.push(id);
                }
            }
        }
        if let Some(eot) = special_id("tokenizer.ggml.eot_token_id")? {
            if !end_of_generation.contains(&eot) {
                end_of_generation.push(eot);
            }
        }
        let bos = special_id("tokenizer.ggml.bos_token_id")?;
        let add_bos = meta
            .opt_bool("tokenizer.ggml.add_bos_token")
            .unwrap_or(kind == "spm");
        Ok(Self {
            with_special: tokenizer,
            plain,
            vocab_size: tokens.len(),
            bos,
            add_bos,
            end_of_generation,
            kind,
            token_bytes: OnceLock::new(),
        })
    }

    pub fn encode(&self, text: &str, parse_special: bool) -> Result<Vec<u32>> {
        let t = if parse_special {
            &self.with_special
        } else {
            &self.plain
        };
        t.encode_fast(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| EngineError::ActionFailed(format!("Tokenization failed: {e}")))
    }

    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        if let Some(bad) = ids.iter().find(|&&id| id as usize >= self.vocab_size) {
            return Err(EngineError::invalid(format!(
                "Token id {bad} is outside the vocabulary (size {}).",
                self.vocab_size
            )));
        }
        self.with_special
            .decode(ids, false)
            .map_err(|e| EngineError::ActionFailed(format!("Detokenization failed: {e}")))
    }

    pub fn token_text(&self, id: u32) -> Option<String> {
        self.with_special.id_to_token(id)
    }

    /// The id of the token whose text is exactly `text` (`<|eot_id|>`), if the vocabulary has one.
    pub fn token_id(&self, text: &str) -> Option<u32> {
        self.with_special.token_to_id(text)
    }

    /// A control token (turn markers, BOS/EOS): only templates can produce it, never user text.
    pub fn is_control(&self, id: u32) -> bool {
        self.with_special
            .get_added_tokens_decoder()
            .get(&id)
            .is_some_and(|t| t.special)
    }

    pub fn is_end_of_generation(&self, id: u32) -> bool {
        self.end_of_generation.contains(&id)
    }

    /// The bytes each token stands for in text; `None` for special and added tokens (never plain
    /// text). Byte-level BPE tokens map back through GPT-2's byte alphabet; SentencePiece tokens are
    /// `▁` for space and `<0xAB>` for a raw byte.
    pub fn token_bytes(&self) -> &[Option<Box<[u8]>>] {
        self.token_bytes.get_or_init(|| {
            let added = self.with_special.get_added_tokens_decoder();
            let byte_of = gpt2_unicode_to_byte();
            (0..self.vocab_size as u32)
                .map(|id| {
                    if added.contains_key(&id) {
                        return None;
                    }
                    let t = self.with_special.id_to_token(id)?;
                    match self.kind {
                        "spm" => Some(spm_bytes(&t)),
                        _ => t.chars().map(|c| byte_of.get(&c).copied()).collect(),
                    }
                })
                .collect()
        })
    }
}

/// GPT-2's byte → printable character table, inverted.
fn gpt2_unicode_to_byte() -> AHashMap<char, u8> {
    let mut map = AHashMap::with_capacity(256);
    let mut extra = 0u32;
    for b in 0..=255u8 {
        let printable = (b'!'..=b'~').contains(&b) || (0xA1..=0xAC).contains(&b) || b >= 0xAE;
        let c = if printable {
            char::from(b)
        } else {
            extra += 1;
            char::from_u32(255 + extra).unwrap_or('\0')
        };
        map.insert(c, b);
    }
    map
}

fn spm_bytes(piece: &str) -> Box<[u8]> {
    if let Some(hex) = piece.strip_prefix("<0x").and_then(|h| h.strip_suffix('>')) {
        if let Ok(b) = u8::from_str_radix(hex, 16) {
            return Box::new([b]);
        }
    }
    piece
        .replace('\u{2581}', " ")
        .into_bytes()
        .into_boxed_slice()
}

/// SentencePiece scores → BPE merges, as Hugging Face's SentencePieceExtractor does: every split of a
/// piece into two known pieces is a merge, ranked by the merged piece's score.
fn merges_from_scores(
    tokens: &[&str],
    types: &[i32],
    scores: &[f32],
    vocab: &AHashMap<String, u32>,
) -> Vec<(String, String)> {
    let mut merges: Vec<(f32, u32, u32, String, String)> = Vec::new();
    for (id, piece) in tokens.iter().enumerate() {
        if matches!(
            types[id],
            TOKEN_TYPE_CONTROL | TOKEN_TYPE_BYTE | TOKEN_TYPE_UNUSED
        ) {
            continue;
        }
        let bounds: Vec<usize> = piece.char_indices().map(|(i, _)| i).skip(1).collect();
        for i in bounds {
            let (l, r) = piece.split_at(i);
            if let (Some(&li), Some(&ri)) = (vocab.get(l), vocab.get(r)) {
                merges.push((scores[id], li, ri, l.to_string(), r.to_string()));
            }
        }
    }
    merges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    merges.into_iter().map(|(_, _, _, l, r)| (l, r)).collect()
}
