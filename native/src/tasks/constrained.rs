//! The model's feedback, decoded under a fixed JSON schema so that it always parses:
//!
//! ```json
//! {"comments":[{"quote":"<exact words of the essay, or empty>","comment":"<advice>"}, …]}
//! ```
//!
//! with at most `max_items` items and bounded string lengths, so even a 135M model that would loop
//! forever terminates. The fixed parts of the JSON are fed to the model as forced tokens; only string
//! contents and the choice "another item or the end" are sampled, greedily among the tokens the
//! schema allows. The quote is constrained further, to a verbatim span of the essay: JSON Schema
//! cannot say that, which is why this small sampler is ours rather than a grammar library
//! (docs/assessment.md).

use std::collections::HashMap;

use crate::engine::JobCtx;
use crate::error::Result;
use crate::tasks::generate::{feed, prefill};

pub struct Limits {
    pub max_items: usize,
    pub max_quote_bytes: usize,
    pub max_comment_bytes: usize,
    /// Shorter comments may not end (the model must say something).
    pub min_comment_bytes: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// A verbatim span of the essay (byte offset and text), or None for a comment on the whole essay.
    pub quote: Option<(usize, String)>,
    pub comment: String,
    /// The comment hit its length limit instead of being ended by the model.
    pub truncated: bool,
}

const OPEN: &str = r#"{"comments":[{"quote":""#;
const AFTER_QUOTE: &str = r#"","comment":""#;
const AFTER_COMMENT: &str = r#""}"#;
const NEXT_ITEM: &str = r#",{"quote":""#;
const END: &str = "]}";
/// Quotes shorter than this are not worth a highlight ("The" is not; "definately" is).
pub const MIN_QUOTE_CHARS: usize = 6;
/// How many of the most likely tokens are checked before scanning the whole vocabulary.
const TOP_K: usize = 256;
/// Logit penalty for repeating a token already in the current string (small models loop).
const REPEAT_PENALTY: f32 = 1.3;

/// Decodes the feedback after `prompt` (which ends where the assistant's answer begins). Returns the
/// items and the JSON text as the model produced it.
pub fn decode(
    ctx: &mut JobCtx,
    prompt: &[u32],
    essay: &str,
    limits: &Limits,
) -> Result<(Vec<Item>, String)> {
    let model = ctx.model()?;
    let vocab = model.codec.token_bytes();
    let index = EssayIndex::new(essay);
    let mut d = Decoder {
        logits: prefill(ctx, prompt)?,
        json: String::new(),
    };
    d.force(ctx, OPEN)?;
    let mut items = Vec::new();
    loop {
        let (quote, rest) = d.string(ctx, vocab, &Quote::new(&index), limits, AFTER_QUOTE)?;
        d.force(ctx, &AFTER_QUOTE[rest..])?;
        let (comment, rest) = d.string(ctx, vocab, &Comment, limits, AFTER_COMMENT)?;
        d.force(ctx, &AFTER_COMMENT[rest..])?;
        items.push(Item {
            quote: quote.text.and_then(|(start, q)| {
                let trimmed = q.trim_start();
                let start = start + (q.len() - trimmed.len());
                let q = trimmed.trim_end();
                (q.chars().count() >= MIN_QUOTE_CHARS).then(|| (start, q.to_string()))
            }),
            comment: comment.text.map(|(_, c)| c).unwrap_or_default(),
            truncated: comment.truncated,
        });
        // Another item, or the end: whichever the model finds more likely. The end needs no model
        // step, so it is only written down.
        let more = best_prefix_logit(&d.logits, vocab, NEXT_ITEM);
        let end = best_prefix_logit(&d.logits, vocab, END);
        let full = items.len() >= limits.max_items;
        if full || end.map(|e| e.1) >= more.map(|m| m.1) {
            d.json.push_str(END);
            break;
        }
        d.take(ctx, vocab, more, NEXT_ITEM)?;
    }
    Ok((items, d.json))
}

struct Decoder {
    logits: Vec<f32>,
    json: String,
}

struct Sampled {
    /// Byte offset in the essay (quotes) and the text; None when empty.
    text: Option<(usize, String)>,
    truncated: bool,
}

impl Decoder {
    /// Feeds fixed text to the model.
    fn force(&mut self, ctx: &mut JobCtx, text: &str) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        let ids = ctx.model()?.codec.encode(text, false)?;
        self.logits = feed(ctx, &ids)?;
        self.json.push_str(text);
        Ok(())
    }

    /// Takes the chosen token (a prefix of `literal`) and forces the rest of the literal.
    fn take(
        &mut self,
        ctx: &mut JobCtx,
        vocab: &[Option<Box<[u8]>>],
        choice: Option<(u32, f32)>,
        literal: &str,
    ) -> Result<()> {
        let Some((id, _)) = choice else {
            return self.force(ctx, literal);
        };
        let n = vocab[id as usize].as_ref().map_or(0, |b| b.len());
        self.logits = feed(ctx, &[id])?;
        self.json.push_str(&literal[..n]);
        self.force(ctx, &literal[n..])
    }

    /// Samples the content of one JSON string until the model closes it (a token with `"` whose tail
    /// starts `follow`) or the length limit is reached. Returns the content and how much of `follow`
    /// the closing token already covered.
    fn string<K: StringKind>(
        &mut self,
        ctx: &mut JobCtx,
        vocab: &[Option<Box<[u8]>>],
        kind: &K,
        limits: &Limits,
        follow: &str,
    ) -> Result<(Sampled, usize)> {
        let max = kind.max_bytes(limits);
        let mut state = kind.start();
        let mut content: Vec<u8> = Vec::new();
        let mut used: Vec<u32> = Vec::new();
        loop {
            ctx.check()?;
            let room = max.saturating_sub(content.len());
            let pick = {
                let allowed = |id: u32| -> Option<Step<K::State>> {
                    let bytes = vocab.get(id as usize)?.as_deref()?;
                    let cut = bytes.iter().position(|&b| b == b'"');
                    let body = &bytes[..cut.unwrap_or(bytes.len())];
                    if body.len() > room || !plain_json_chars(body) {
                        return None;
                    }
                    let next = kind.extend(&state, &content, body)?;
                    match cut {
                        None if body.is_empty() => None,
                        None => Some(Step::Extend(next)),
                        Some(q) => {
                            let tail = &bytes[q + 1..];
                            let closes = follow.as_bytes().starts_with(tail);
                            let whole = [content.as_slice(), body].concat();
                            (closes && kind.can_close(&next, &whole, limits))
                                .then(|| Step::Close(next, tail.len()))
                        }
                    }
                };
                let logits = penalized(&self.logits, &used);
                best_allowed(&logits, allowed)
            };
            match pick {
                Some((id, step)) => {
                    let bytes = vocab[id as usize].as_deref().unwrap_or_default();
                    self.logits = feed(ctx, &[id])?;
                    used.push(id);
                    match step {
                        Step::Extend(next) => {
                            content.extend_from_slice(bytes);
                            state = next;
                        }
                        Step::Close(next, covered) => {
                            content.extend_from_slice(&bytes[..bytes.len() - covered - 1]);
                            self.push_json(&content);
                            self.json.push_str(&follow[..covered]);
                            let text = kind.finish(&next, &content);
                            return Ok((
                                Sampled {
                                    text,
                                    truncated: false,
                                },
                                covered,
                            ));
                        }
                    }
                }
                None => {
                    // Nothing may follow (length limit, or no token fits): end the string here, at
                    // the last point where it was valid.
                    let state = cut_to_closable(kind, &mut content, limits);
                    self.push_json(&content);
                    return Ok((
                        Sampled {
                            text: kind.finish(&state, &content),
                            truncated: true,
                        },
                        0,
                    ));
                }
            }
        }
    }

    fn push_json(&mut self, content: &[u8]) {
        self.json.push_str(&String::from_utf8_lossy(content));
    }
}

/// Shortens `content` to its longest prefix at which the string may end, and returns that state.
fn cut_to_closable<K: StringKind>(kind: &K, content: &mut Vec<u8>, limits: &Limits) -> K::State {
    let mut keep = content.len();
    while keep > 0 && !kind.can_close(&kind.replay(&content[..keep]), &content[..keep], limits) {
        keep -= 1;
    }
    content.truncate(keep);
    kind.replay(content)
}

enum Step<S> {
    Extend(S),
    /// The token closes the string; it also covered this many bytes of what follows the quote mark.
    Close(S, usize),
}

/// No quote mark, backslash or control character: the content is a JSON string as it stands.
fn plain_json_chars(b: &[u8]) -> bool {
    b.iter().all(|&c| c >= 0x20 && c != b'\\' && c != b'"')
}

fn utf8_ok_so_far(b: &[u8]) -> bool {
    match std::str::from_utf8(b) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(), // only an incomplete last character
    }
}

trait StringKind {
    type State;
    fn start(&self) -> Self::State;
    fn max_bytes(&self, l: &Limits) -> usize;
    /// The state after appending `body`, or None if the schema does not allow it.
    fn extend(&self, s: &Self::State, content: &[u8], body: &[u8]) -> Option<Self::State>;
    fn can_close(&self, s: &Self::State, content: &[u8], l: &Limits) -> bool;
    fn replay(&self, content: &[u8]) -> Self::State;
    fn finish(&self, s: &Self::State, content: &[u8]) -> Option<(usize, String)>;
}

/// Comment text: printable characters, valid UTF-8, none of the JSON or Markdown structure that a
/// small model drifts into (a comment is one plain sentence or two).
struct Comment;

const NOT_IN_COMMENTS: &[u8] = b"{}[]#*_`|<>";

impl StringKind for Comment {
    type State = ();
    fn start(&self) {}
    fn max_bytes(&self, l: &Limits) -> usize {
        l.max_comment_bytes
    }
    fn extend(&self, _: &(), content: &[u8], body: &[u8]) -> Option<()> {
        if body.iter().any(|b| NOT_IN_COMMENTS.contains(b)) {
            return None;
        }
        utf8_ok_so_far(&[content, body].concat()).then_some(())
    }
    fn can_close(&self, _: &(), content: &[u8], l: &Limits) -> bool {
        // Whole sentences only.
        content.len() >= l.min_comment_bytes
            && std::str::from_utf8(content).is_ok_and(|s| s.trim_end().ends_with(['.', '!', '?']))
    }
    fn replay(&self, _: &[u8]) {}
    fn finish(&self, _: &(), content: &[u8]) -> Option<(usize, String)> {
        let s = std::str::from_utf8(content).ok()?.trim();
        (!s.is_empty()).then(|| (0, s.to_string()))
    }
}

/// A quote: the bytes so far must occur in the essay; the state is where they occur.
struct Quote<'a> {
    index: &'a EssayIndex<'a>,
}

impl<'a> Quote<'a> {
    fn new(index: &'a EssayIndex<'a>) -> Self {
        Quote { index }
    }
}

impl StringKind for Quote<'_> {
    /// Start offsets in the essay where the content so far occurs (None: content is empty).
    type State = Option<Vec<usize>>;
    fn start(&self) -> Self::State {
        None
    }
    fn max_bytes(&self, l: &Limits) -> usize {
        l.max_quote_bytes
    }
    fn extend(&self, s: &Self::State, content: &[u8], body: &[u8]) -> Option<Self::State> {
        if body.is_empty() {
            return Some(s.clone());
        }
        let essay = self.index.text;
        let found: Vec<usize> = match s {
            None => {
                // A quote starts where a word starts.
                let mut at = self.index.occurrences(body);
                at.retain(|&p| self.index.word_boundary(p));
                at
            }
            Some(starts) => starts
                .iter()
                .copied()
                .filter(|&p| essay[p + content.len()..].starts_with(body))
                .collect(),
        };
        (!found.is_empty()).then_some(Some(found))
    }
    fn can_close(&self, s: &Self::State, content: &[u8], _: &Limits) -> bool {
        // Empty (a comment on the whole essay), or whole words of the essay, long enough to mean
        // something.
        let Some(starts) = s else {
            return true;
        };
        std::str::from_utf8(content).is_ok_and(|q| q.trim().chars().count() >= MIN_QUOTE_CHARS)
            && starts
                .iter()
                .any(|&p| self.index.word_boundary(p + content.len()))
    }
    fn replay(&self, content: &[u8]) -> Self::State {
        (!content.is_empty()).then(|| self.index.occurrences(content))
    }
    fn finish(&self, s: &Self::State, content: &[u8]) -> Option<(usize, String)> {
        let start = s
            .as_ref()?
            .iter()
            .copied()
            .find(|&p| self.index.word_boundary(p + content.len()))?;
        Some((start, std::str::from_utf8(content).ok()?.to_string()))
    }
}

/// Drives the quote state over `pieces` the way decoding does when the model proposes them as token
/// bodies (those the schema refuses are skipped), then ends the string as decoding does, closed or
/// cut at its limit. Without a model: the fuzzers use it to check that every quote is verbatim.
#[cfg(feature = "fuzz")]
pub(crate) fn quote_from_pieces(
    essay: &str,
    pieces: &[&[u8]],
    limits: &Limits,
) -> [Option<(usize, String)>; 2] {
    let index = EssayIndex::new(essay);
    let kind = Quote::new(&index);
    let mut state = kind.start();
    let mut content: Vec<u8> = Vec::new();
    for body in pieces {
        if content.len() + body.len() > kind.max_bytes(limits) || !plain_json_chars(body) {
            continue;
        }
        if let Some(next) = kind.extend(&state, &content, body) {
            content.extend_from_slice(body);
            state = next;
        }
    }
    let closed = kind
        .can_close(&state, &content, limits)
        .then(|| kind.finish(&state, &content))
        .flatten();
    let state = cut_to_closable(&kind, &mut content, limits);
    let cut = kind.finish(&state, &content);
    [closed, cut]
}

/// Where byte strings occur in the essay, found through the positions of their first two bytes.
struct EssayIndex<'a> {
    essay: &'a str,
    text: &'a [u8],
    by_pair: HashMap<[u8; 2], Vec<usize>>,
}

impl<'a> EssayIndex<'a> {
    fn new(essay: &'a str) -> Self {
        let text = essay.as_bytes();
        let mut by_pair: HashMap<[u8; 2], Vec<usize>> = HashMap::new();
        for (i, w) in text.windows(2).enumerate() {
            by_pair.entry([w[0], w[1]]).or_default().push(i);
        }
        EssayIndex {
            essay,
            text,
            by_pair,
        }
    }

    /// No letter or digit continues across byte offset `at` (a word starts or ends there).
    fn word_boundary(&self, at: usize) -> bool {
        if !self.essay.is_char_boundary(at) {
            return false;
        }
        let before = self.essay[..at].chars().next_back();
        let after = self.essay[at..].chars().next();
        !(before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric))
    }

    fn occurrences(&self, needle: &[u8]) -> Vec<usize> {
        match needle {
            [] => Vec::new(),
            [b] => self
                .text
                .iter()
                .enumerate()
                .filter(|(_, c)| *c == b)
                .map(|(i, _)| i)
                .collect(),
            [a, b, ..] => self
                .by_pair
                .get(&[*a, *b])
                .map(|ps| {
                    ps.iter()
                        .copied()
                        .filter(|&p| self.text[p..].starts_with(needle))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// Logits with a penalty on tokens already used in the current string.
fn penalized(logits: &[f32], used: &[u32]) -> Vec<f32> {
    let mut l = logits.to_vec();
    for &id in used {
        if let Some(x) = l.get_mut(id as usize) {
            *x = if *x > 0.0 {
                *x / REPEAT_PENALTY
            } else {
                *x * REPEAT_PENALTY
            };
        }
    }
    l
}

/// The most likely token the schema allows (greedy), checking the top candidates first.
fn best_allowed<S>(logits: &[f32], allowed: impl Fn(u32) -> Option<S>) -> Option<(u32, S)> {
    let mut order: Vec<u32> = (0..logits.len() as u32).collect();
    let by_logit = |a: &u32, b: &u32| logits[*b as usize].total_cmp(&logits[*a as usize]);
    let k = TOP_K.min(order.len());
    if k > 0 && k < order.len() {
        order.select_nth_unstable_by(k - 1, by_logit);
    }
    let (top, rest) = order.split_at_mut(k);
    top.sort_unstable_by(by_logit);
    if let Some(found) = top.iter().find_map(|&id| allowed(id).map(|s| (id, s))) {
        return Some(found);
    }
    rest.iter()
        .filter_map(|&id| allowed(id).map(|s| (id, s, logits[id as usize])))
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .map(|(id, s, _)| (id, s))
}

/// The most likely token whose bytes are a non-empty prefix of `literal`.
fn best_prefix_logit(
    logits: &[f32],
    vocab: &[Option<Box<[u8]>>],
    literal: &str,
) -> Option<(u32, f32)> {
    vocab
        .iter()
        .enumerate()
        .filter_map(|(id, b)| {
            let b = b.as_deref()?;
            let logit = *logits.get(id)?;
            (!b.is_empty() && literal.as_bytes().starts_with(b)).then_some((id as u32, logit))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some<T>(o: Option<T>) -> T {
        match o {
            Some(v) => v,
            None => panic!("expected a value"),
        }
    }

    #[test]
    fn essay_index_finds_every_occurrence() {
        let idx = EssayIndex::new("the cat and the hat");
        assert_eq!(idx.occurrences(b"the"), vec![0, 12]);
        assert_eq!(idx.occurrences(b"at"), vec![5, 17]);
        assert_eq!(idx.occurrences(b"h"), vec![1, 13, 16]);
        assert!(idx.occurrences(b"dog").is_empty());
    }

    #[test]
    fn quote_state_tracks_verbatim_spans() {
        let text = "Café au lait. Café noir.";
        let idx = EssayIndex::new(text);
        let q = Quote::new(&idx);
        let s = some(q.extend(&None, b"", "Caf".as_bytes()));
        assert_eq!(s, Some(vec![0, 15]));
        // "é" split over two tokens: the first half may not close the quote.
        let e = "é".as_bytes();
        let half = some(q.extend(&s, b"Caf", &e[..1]));
        assert!(!q.can_close(&half, &[b"Caf".as_slice(), &e[..1]].concat(), &limits()));
        let whole = some(q.extend(&half, &[b"Caf".as_slice(), &e[..1]].concat(), &e[1..]));
        let s = some(q.extend(&whole, "Café".as_bytes(), b" n"));
        assert_eq!(s, Some(vec![15]));
        assert!(q.extend(&s, "Café n".as_bytes(), b"x").is_none());
        assert!(
            q.extend(&None, b"", &e[1..]).is_none(),
            "no start inside a character"
        );
    }

    #[test]
    fn comments_are_plain_json_strings() {
        assert!(plain_json_chars(b"Use a comma here."));
        assert!(!plain_json_chars(b"say \"x\""));
        assert!(!plain_json_chars(b"a\\b"));
        assert!(!plain_json_chars(b"line\nbreak"));
        let c = Comment;
        assert!(c.extend(&(), b"ab", &"é".as_bytes()[..1]).is_some());
        assert!(c.extend(&(), b"ab", &[0xFF]).is_none());
        assert!(!c.can_close(&(), b"short.", &limits()));
        assert!(!c.can_close(&(), b"long enough but unfinished", &limits()));
        assert!(c.can_close(&(), b"Long enough, and finished.", &limits()));
        assert!(
            c.extend(&(), b"ab", b" {\"x").is_none(),
            "no JSON structure inside a comment"
        );
    }

    #[test]
    fn greedy_pick_respects_the_mask() {
        let logits = vec![0.1, 5.0, 3.0, 4.0];
        assert_eq!(
            best_allowed(&logits, |id| (id != 1).then_some(())).map(|p| p.0),
            Some(3)
        );
        assert_eq!(best_allowed(&logits, |_| None::<()>), None);
        let vocab: Vec<Option<Box<[u8]>>> = vec![
            Some(b",".to_vec().into()),
            Some(b"]".to_vec().into()),
            Some(b"]}".to_vec().into()),
            None,
        ];
        assert_eq!(
            best_prefix_logit(&logits, &vocab, "]}").map(|p| p.0),
            Some(1),
            "the likeliest prefix, not the longest"
        );
        assert_eq!(
            best_prefix_logit(&logits, &vocab, ",{").map(|p| p.0),
            Some(0)
        );
    }

    fn limits() -> Limits {
        Limits {
            max_items: 4,
            max_quote_bytes: 100,
            max_comment_bytes: 160,
            min_comment_bytes: 8,
        }
    }
}
