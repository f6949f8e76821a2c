//! Possessives written without their apostrophe: "my dads phone", "the schools rules", "my brothers
//! old trainers" (a determiner, a plural-looking noun, then the thing it owns).

use std::sync::Arc;

use harper_brill::UPOS;
use harper_core::linting::{Lint, LintKind, Linter};
use harper_core::spell::{Dictionary, FstDictionary};
use harper_core::Document;

use super::confusions::DETERMINER;
use super::tokens::{at, replace, sentences, Tok};

pub struct Apostrophes {
    dict: Arc<FstDictionary>,
}

impl Apostrophes {
    pub fn new(dict: Arc<FstDictionary>) -> Self {
        Self { dict }
    }
}

/// Plural nouns that head compounds ("the sports car"), so a missing apostrophe can't be told.
const COMPOUND_PLURALS: &[&str] = &[
    "sports",
    "sales",
    "arts",
    "savings",
    "news",
    "clothes",
    "goods",
    "glasses",
    "shorts",
    "jeans",
    "species",
    "series",
    "means",
    "physics",
    "maths",
    "politics",
    "economics",
    "athletics",
    "gymnastics",
    "arms",
    "customs",
    "earnings",
    "surroundings",
    "belongings",
    "headquarters",
    "outdoors",
    "works",
    "fireworks",
    "communications",
    "electronics",
    "graphics",
    "olympics",
    "games",
    "awards",
    "rights",
    "relations",
    "studies",
    "services",
    "systems",
    "parts",
    "lessons",
    "exams",
    "results",
    "hours",
    "days",
    "weeks",
    "years",
    "times",
];

impl Linter for Apostrophes {
    fn lint(&mut self, doc: &Document) -> Vec<Lint> {
        let mut out = Vec::new();
        for s in sentences(doc) {
            for i in 1..s.len() {
                out.extend(self.missing(&s, i));
            }
        }
        out
    }

    fn description(&self) -> &str {
        "A possessive written without its apostrophe: “my dads phone” → “my dad's phone”."
    }
}

impl Apostrophes {
    /// determiner + plural-looking noun + noun: "my dads phone", "the schools rules".
    fn missing(&self, s: &[Tok], i: usize) -> Option<Lint> {
        let t = &s[i];
        // "my brothers old trainers": adjectives may come before the thing owned.
        let mut o = i + 1;
        while s.get(o).is_some_and(|w| w.tagged(UPOS::ADJ))
            && s.get(o + 1).is_some_and(|w| w.is_noun())
        {
            o += 1;
        }
        let owned = s.get(o)?;
        if !at(s, i, -1)?.is_any(DETERMINER)
            || !t.is_noun()
            || t.is_capitalized()
            || t.is_any(COMPOUND_PLURALS)
            || t.lower.ends_with("ss")
            || !owned.is_noun()
            // "my friends play": the second word could be the verb of a plural subject.
            || (owned.kind.is_verb_lemma() && !owned.kind.is_noun())
        {
            return None;
        }
        // "made my eyes water": after a causative or perception verb the next word is a verb.
        if at(s, i, -2).is_some_and(|v| {
            v.is_any(&[
                "made", "make", "makes", "let", "lets", "watched", "watch", "saw", "see", "heard",
                "hear", "felt", "feel", "help", "helped", "helps",
            ])
        }) {
            return None;
        }
        let singular = t.lower.strip_suffix('s')?;
        let meta = self.dict.get_word_metadata_str(singular)?;
        if !meta.is_singular_noun() || !t.kind.is_plural_noun() {
            return None;
        }
        let stem = &t.text[..t.text.len() - 1];
        let one = format!("{stem}'s");
        let many = format!("{}'", t.text);
        Some(replace(
            t,
            LintKind::Punctuation,
            &[one.as_str(), many.as_str()],
            format!(
                "If the {} belongs to the {singular}, it needs an apostrophe: “{one} {}” (or “{many}” for more than one).",
                owned.text, owned.text
            ),
        ))
    }
}
