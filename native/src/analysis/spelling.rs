//! Spelling on Harper's curated dictionary, in place of Harper's own spell check, so that words which
//! are not mistakes are never flagged (and cost no suggestion search): a spelling valid in any
//! dialect of English ("colour" in an American essay), a name ("Amara Okafor", a capital inside a
//! sentence), a word with diacritics or from another language ("Kraków", "dzień dobry"), and the
//! student's own dictionary. Suggestions come from Harper's fuzzy search in the essay's dialect.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use harper_brill::UPOS;
use harper_core::linting::{Lint, LintKind, Linter, Suggestion};
use harper_core::spell::{suggest_correct_spelling, Dictionary, FstDictionary};
use harper_core::{get_plurals, Dialect as HarperDialect, Document};

use super::tokens::{match_case, sentences, Tok};

/// In the dictionary in any dialect, with any capitalization, also as a possessive.
pub fn known(dict: &FstDictionary, word: &str) -> bool {
    let w = word.replace('’', "'");
    let base = w
        .strip_suffix("'s")
        .or_else(|| w.strip_suffix('\''))
        .unwrap_or(&w);
    dict.contains_word_str(&w) || dict.contains_word_str(base)
}

/// What the checker knows beyond the dictionary, set before each check: the student's own words, and
/// what only the whole essay shows (the checker lints a paragraph at a time): the names written with
/// a capital inside a sentence, and the words used again and again. All lower case.
#[derive(Debug, Default, Clone)]
pub struct Known {
    pub personal: HashSet<String>,
    pub names: HashSet<String>,
    /// Words (stems) used at least TERM_USES times in the essay.
    pub terms: HashSet<String>,
}

pub type SharedKnown = Arc<Mutex<Known>>;

pub struct Spelling {
    dict: Arc<FstDictionary>,
    dialect: HarperDialect,
    known: SharedKnown,
    /// Suggestions by word: live checking sees the same words again and again.
    cache: HashMap<String, Fixes>,
}

/// The suggestions for an unknown word, and whether the best one is near enough for a typo: one
/// edit (a swapped, missing, extra or wrong letter), or two in a long word ("tommorow").
#[derive(Clone, Default)]
struct Fixes {
    words: Vec<String>,
    typo: bool,
}

const MAX_SUGGESTIONS: usize = 3;
const CACHE_WORDS: usize = 20_000;
/// Words of at least this many letters may be two edits from what was meant.
const LONG_WORD: usize = 8;
/// An unknown word used this often in an essay is the essay's own term ("pandal"), not a slip.
pub const TERM_USES: usize = 3;

impl Spelling {
    pub fn new(dict: Arc<FstDictionary>, dialect: HarperDialect, known: SharedKnown) -> Self {
        Self {
            dict,
            dialect,
            known,
            cache: HashMap::new(),
        }
    }

    fn fixes(&mut self, word: &str) -> Fixes {
        let key = word.to_lowercase();
        if let Some(hit) = self.cache.get(word) {
            return hit.clone();
        }
        let (mut found, mut distance) = self.search(&key);
        // A capitalized slip may be a name's ("Wendsdays"): the dictionary keeps names capitalized.
        if key != word {
            let (names, name_distance) = self.search(word);
            if name_distance < distance {
                (found, distance) = (names, name_distance);
            }
        }
        // "libarys": the plural of the fix of "libary" ("libraries") beats a near word ("library").
        if let Some(stem) = key
            .strip_suffix('s')
            .filter(|s| s.len() > 3 && !s.ends_with('s'))
        {
            let (stem_fixes, stem_distance) = self.search(stem);
            let plurals: Vec<String> = stem_fixes
                .first()
                .map(|s| get_plurals(&*self.dict, &s.chars().collect::<Vec<_>>()))
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.into_iter().collect())
                .collect();
            if !plurals.is_empty() && stem_distance <= distance {
                distance = stem_distance;
                for p in plurals.into_iter().rev() {
                    found.retain(|f| *f != p);
                    found.insert(0, p);
                }
            }
        }
        // "untill", "beautifull": a letter typed twice is the likeliest slip when undoing it gives a word.
        if let Some(single) = undoubled(&key).filter(|w| found.contains(w)) {
            found.retain(|f| *f != single);
            found.insert(0, single);
        }
        found.truncate(MAX_SUGGESTIONS);
        // Short words are near many others: a short unknown word is a slip only on an everyday word
        // ("wich"), not on a rare one ("pierogi" is one letter from "pirogi").
        let long = key.chars().count() >= LONG_WORD;
        let everyday = found
            .first()
            .and_then(|f| self.dict.get_word_metadata_str(&f.to_lowercase()))
            .is_some_and(|m| m.common);
        let typo =
            !found.is_empty() && ((distance <= 1 && (long || everyday)) || (distance == 2 && long));
        let fixes = Fixes { words: found, typo };
        if self.cache.len() >= CACHE_WORDS {
            self.cache.clear();
        }
        self.cache.insert(word.to_string(), fixes.clone());
        fixes
    }

    /// Harper's ranked fuzzy matches in this dialect, widening the distance until something is found,
    /// and the distance they were found at.
    fn search(&self, word: &str) -> (Vec<String>, u8) {
        let chars: Vec<char> = word.chars().collect();
        for distance in 1..=3 {
            let mut found: Vec<String> = Vec::new();
            for s in suggest_correct_spelling(&chars, 200, distance, &*self.dict) {
                let in_dialect = self
                    .dict
                    .get_word_metadata(s)
                    .is_some_and(|m| m.dialects.is_dialect_enabled(self.dialect));
                let s: String = s.iter().collect();
                if in_dialect
                    && s.to_lowercase() != word
                    && !found.iter().any(|f| f.eq_ignore_ascii_case(&s))
                {
                    found.push(s);
                }
            }
            if !found.is_empty() {
                // A dropped letter is the commonest slip: "wich" is "which" before "wish".
                found.sort_by_key(|f| !subsequence(word, &f.to_lowercase()));
                return (found, distance);
            }
        }
        (Vec::new(), u8::MAX)
    }
}

/// A word without its plural or possessive ending, to count "pandal" and "pandals" together.
pub fn stem(word: &str) -> &str {
    word.strip_suffix("'s")
        .or_else(|| word.strip_suffix("’s"))
        .or_else(|| word.strip_suffix('s'))
        .unwrap_or(word)
}

/// A name written small ("in spanish", "near tanzania"): the dictionary has it only with a capital.
fn small_name(dict: &FstDictionary, s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    let chars: Vec<char> = t.text.chars().collect();
    // Beside another capitalized word it is part of a name or a phrase: "Día de los Muertos".
    let in_name = [i.checked_sub(1), Some(i + 1)]
        .into_iter()
        .flatten()
        .filter_map(|j| s.get(j))
        .any(|n| n.is_capitalized() || foreign(&n.text) || n.is_any(NAME_PARTICLES));
    if in_name
        || !t.is_word()
        || !chars.first().is_some_and(|c| c.is_lowercase())
        || chars.iter().any(|c| !c.is_alphabetic())
        || dict.contains_exact_word(&chars)
        || !dict.contains_word(&chars)
    {
        return None;
    }
    let name: String = dict.get_correct_capitalization_of(&chars)?.iter().collect();
    name.chars()
        .next()
        .is_some_and(char::is_uppercase)
        .then(|| Lint {
            span: t.span,
            lint_kind: LintKind::Capitalization,
            suggestions: vec![Suggestion::ReplaceWith(name.chars().collect())],
            message: format!("“{name}” is a name, written with a capital letter."),
            priority: 25,
        })
}

/// The word with its last doubled letter written once ("beautifull" → "beautiful").
fn undoubled(word: &str) -> Option<String> {
    let chars: Vec<char> = word.chars().collect();
    let at = (1..chars.len()).rev().find(|&k| chars[k] == chars[k - 1])?;
    let mut out = chars;
    out.remove(at);
    Some(out.into_iter().collect())
}

/// Whether `short` is `long` with letters left out.
fn subsequence(short: &str, long: &str) -> bool {
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|l| l == c))
}

fn foreign(word: &str) -> bool {
    word.chars().any(|c| c.is_alphabetic() && !c.is_ascii())
}

/// What the text says about the unknown words, beyond their own spelling.
pub struct Context {
    /// Words written with a capital inside a sentence somewhere in the text (names), lower case.
    names: HashSet<String>,
}

impl Context {
    /// `names`: written with a capital inside a sentence elsewhere in the essay.
    pub fn of(sentences: &[Vec<Tok>], names: &HashSet<String>) -> Self {
        let mut names = names.clone();
        for s in sentences {
            let first = s.iter().position(|w| w.is_word());
            for (i, w) in s.iter().enumerate() {
                if Some(i) != first && w.is_word() && w.is_capitalized() {
                    names.insert(w.lower.clone());
                }
            }
        }
        Self { names }
    }
}

/// What the nearest word to an unknown one is (one edit away, two in a long word): an everyday word
/// ("tomorow"), a day or month ("Wendsdays"), or neither ("mishti").
#[derive(Clone, Copy, Default)]
pub struct Near {
    pub everyday: bool,
    pub calendar: bool,
}

/// Capitalized words students write every day, unlike the names near which other names fall ("Zofia"
/// is one letter from "Sofia").
const CALENDAR: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

pub fn near(dict: &FstDictionary, word: &str) -> Near {
    // As written: the dictionary keeps names with their capital ("Wednesdays").
    let chars: Vec<char> = word.chars().collect();
    let edits = if chars.len() >= LONG_WORD { 2 } else { 1 };
    let found = suggest_correct_spelling(&chars, 20, edits, dict);
    let Some(best) = found.first() else {
        return Near::default();
    };
    let best: String = best.iter().collect::<String>().to_lowercase();
    Near {
        everyday: dict.get_word_metadata_str(&best).is_some_and(|m| m.common),
        calendar: CALENDAR.contains(&stem(&best)),
    }
}

/// Particles of names, written small: "van der Merwe", "da Silva".
const NAME_PARTICLES: &[&str] = &[
    "van", "der", "den", "de", "da", "di", "du", "la", "le", "von", "bin", "al", "ibn", "dos",
    "das", "del", "della", "ter", "ten",
];

/// Whether an unknown word is still not a mistake, from its form and where it stands: a name, an
/// abbreviation, a word of another language. `known` tells whether a word is in the dictionary,
/// `everyday` whether an unknown word is one edit from an everyday word.
pub fn excused(
    s: &[Tok],
    i: usize,
    ctx: &Context,
    known: &dyn Fn(&str) -> bool,
    near: &dyn Fn(&str) -> Near,
) -> bool {
    let t = &s[i];
    let word = t.text.as_str();
    if foreign(word) || word.chars().any(|c| c.is_ascii_digit()) {
        return true;
    }
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() > 1 && letters.iter().all(|c| c.is_uppercase()) {
        return true; // an abbreviation: "UNICEF"
    }
    // Beside a word of another language, or another unknown word, it is part of a foreign phrase:
    // "dzień dobry", "mishti doi" — unless both are slips on everyday words ("the libary tomorow").
    let neighbours = [i.checked_sub(1), Some(i + 1)]
        .into_iter()
        .flatten()
        .filter_map(|j| s.get(j))
        .filter(|n| n.is_word());
    // Inside quotation marks, unknown words side by side are quoted speech: "dia duit".
    let quoted = s[..i].iter().filter(|w| w.kind.is_quote()).count() % 2 == 1;
    // Near a word with diacritics, a pair of unknown words is a foreign phrase: "cześć and dia duit".
    let foreign_near = s[i.saturating_sub(3)..(i + 4).min(s.len())]
        .iter()
        .any(|w| w.is_word() && foreign(&w.text));
    let slips =
        |n: &Tok| !quoted && !foreign_near && near(&t.text).everyday && near(&n.text).everyday;
    if neighbours
        .into_iter()
        .any(|n| foreign(&n.text) || !(n.is_capitalized() || known(&n.text) || slips(n)))
    {
        return true;
    }
    // Written elsewhere with a capital inside a sentence: a name ("our local puja", "Durga Puja").
    if !t.is_capitalized() && ctx.names.contains(&t.lower) {
        return true;
    }
    // "Mr van der Merwe": a small particle before a name.
    if t.is_any(NAME_PARTICLES)
        && s.get(i + 1)
            .is_some_and(|n| n.is_capitalized() || n.is_any(NAME_PARTICLES))
    {
        return true;
    }
    if !t.is_capitalized() {
        return false;
    }
    let first_word = s.iter().position(|w| w.is_word()) == Some(i);
    if !first_word {
        // A capital inside a sentence (also after "Mrs.", see tokens::sentences): a name — unless it
        // is a slip on a day or a month ("Wendsdays").
        return !near(&t.text).calendar;
    }
    // At the start of a sentence a capital says nothing, but a name is usually the subject:
    // "Luiza is a nurse", "Chidi and his sister". A misspelt "Becuase" or "Realy" is not, nor a long
    // word one slip from an everyday one ("Elephents are").
    if t.text.chars().count() >= 7 && near(&t.text).everyday {
        return false;
    }
    let next = match s.get(i + 1) {
        // "Mei-Ling plays": the name goes on after the hyphen; "Sipho, who was …": a person.
        Some(h) if h.text == "-" => s.get(i + 2),
        Some(c) if c.text == "," && s.get(i + 2).is_some_and(|w| w.is("who")) => s.get(i + 2),
        n => n,
    };
    next.is_some_and(|n| {
        n.is("who")
            || n.tagged(UPOS::VERB)
            || n.tagged(UPOS::AUX)
            || n.is_any(&["and", "or", "'s", "’s"])
            || n.is_capitalized()
    })
}

impl Linter for Spelling {
    fn lint(&mut self, doc: &Document) -> Vec<Lint> {
        let known_words = self
            .known
            .lock()
            .map(|k| k.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        let sentences = sentences(doc);
        let ctx = Context::of(&sentences, &known_words.names);

        let dict = self.dict.clone();
        let known = |w: &str| known(&dict, w);
        let near = |w: &str| near(&dict, w);
        let mut out = Vec::new();
        for s in &sentences {
            for (i, t) in s.iter().enumerate() {
                if !t.is_word()
                    || known(&t.text)
                    || known_words.personal.contains(&t.lower)
                    || excused(s, i, &ctx, &known, &near)
                {
                    out.extend(small_name(&dict, s, i));
                    continue;
                }
                // Far from any word, or used again and again, it is a word of its own (a term, a
                // word of another language), not a slip: "rangoli", "phuchka", "pandal".
                let fixes = self.fixes(&t.text);
                if !fixes.typo || known_words.terms.contains(stem(&t.lower)) {
                    continue;
                }
                let words: Vec<String> =
                    fixes.words.iter().map(|w| match_case(&t.text, w)).collect();
                let message = match words.first() {
                    Some(best) => format!(
                        "“{}” is not in the dictionary. Did you mean “{best}”?",
                        t.text
                    ),
                    None => format!("“{}” is not in the dictionary.", t.text),
                };
                out.push(Lint {
                    span: t.span,
                    lint_kind: LintKind::Spelling,
                    suggestions: words
                        .iter()
                        .map(|s| Suggestion::ReplaceWith(s.chars().collect()))
                        .collect(),
                    message,
                    priority: 15,
                });
            }
        }
        out
    }

    fn description(&self) -> &str {
        "Spelling, on Harper's curated dictionary, without flagging names, other dialects or other languages."
    }
}
