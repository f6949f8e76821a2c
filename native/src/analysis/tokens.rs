//! Sentences as our own linters read them: Harper's tokens without the whitespace, each with its text,
//! lower case, part-of-speech tag (Harper's Brill tagger) and dictionary metadata.

use harper_brill::UPOS;
use harper_core::linting::{Lint, LintKind, Suggestion};
use harper_core::{Document, Span, TokenKind, TokenStringExt};

pub struct Tok<'a> {
    pub span: Span<char>,
    pub text: String,
    pub lower: String,
    pub kind: &'a TokenKind,
}

impl Tok<'_> {
    pub fn is_word(&self) -> bool {
        self.kind.is_word()
    }

    pub fn is(&self, word: &str) -> bool {
        self.is_word() && self.lower == word
    }

    pub fn is_any(&self, words: &[&str]) -> bool {
        self.is_word() && words.contains(&self.lower.as_str())
    }

    pub fn tag(&self) -> Option<UPOS> {
        match self.kind {
            TokenKind::Word(Some(meta)) => meta.pos_tag,
            _ => None,
        }
    }

    pub fn tagged(&self, upos: UPOS) -> bool {
        self.tag() == Some(upos)
    }

    /// Tagged as a noun, or untagged but a noun in the dictionary (the tagger skips some words).
    pub fn is_noun(&self) -> bool {
        self.tagged(UPOS::NOUN) || (self.tag().is_none() && self.kind.is_noun())
    }

    /// Starts with a capital letter.
    pub fn is_capitalized(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_uppercase)
    }

    /// A comma, semicolon, colon, quote, bracket or dash: nothing reads across it.
    pub fn is_break(&self) -> bool {
        !self.is_word() && !self.kind.is_number()
    }
}

/// Titles whose full stop Harper takes for the end of a sentence ("Mr. Diaz").
const TITLES: &[&str] = &["mr", "mrs", "ms", "dr", "prof", "st", "mt", "sr", "jr"];

/// The sentences of a document, each as its non-whitespace tokens. A sentence that Harper ended at a
/// title's full stop ("My coach, Mr. | Diaz, always…") goes on into the next.
pub fn sentences(doc: &Document) -> Vec<Vec<Tok<'_>>> {
    let mut out: Vec<Vec<Tok>> = Vec::new();
    for s in harper_sentences(doc) {
        let after_title = out.last().is_some_and(|prev| {
            let n = prev.len();
            n >= 2 && prev[n - 1].text == "." && prev[n - 2].is_any(TITLES)
        });
        match out.last_mut() {
            Some(prev) if after_title && s.first().is_some_and(Tok::is_capitalized) => {
                prev.extend(s)
            }
            _ => out.push(s),
        }
    }
    out
}

fn harper_sentences(doc: &Document) -> Vec<Vec<Tok<'_>>> {
    let source = doc.get_source();
    doc.iter_sentences()
        .map(|sentence| {
            sentence
                .iter()
                .filter(|t| !t.kind.is_whitespace())
                .map(|t| {
                    let text = t.get_str(source);
                    Tok {
                        span: t.span,
                        lower: text.to_lowercase(),
                        text,
                        kind: &t.kind,
                    }
                })
                .collect()
        })
        .collect()
}

/// The token `offset` places from `i`, if there is one.
pub fn at<'a>(s: &'a [Tok], i: usize, offset: isize) -> Option<&'a Tok<'a>> {
    i.checked_add_signed(offset).and_then(|j| s.get(j))
}

/// `replacement` in the case pattern of `original` ("Your" → "You're").
pub fn match_case(original: &str, replacement: &str) -> String {
    let mut chars = original.chars();
    match (chars.next(), replacement.chars().next()) {
        (Some(o), Some(r)) if o.is_uppercase() && !r.is_uppercase() => {
            let rest: String = replacement.chars().skip(1).collect();
            format!("{}{rest}", r.to_uppercase())
        }
        _ => replacement.to_string(),
    }
}

/// A lint that replaces one token with `replacements` (best first), keeping its capital letter.
/// Priority 25: before Harper's usual 31, so a confused word is named as such rather than as an
/// agreement problem on the same word.
pub fn replace(tok: &Tok, kind: LintKind, replacements: &[&str], message: String) -> Lint {
    Lint {
        span: tok.span,
        lint_kind: kind,
        suggestions: replacements
            .iter()
            .map(|r| Suggestion::ReplaceWith(match_case(&tok.text, r).chars().collect()))
            .collect(),
        message,
        priority: 25,
    }
}
