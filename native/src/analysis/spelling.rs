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
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        let (mut found, mut distance) = self.search(&key);
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
        found.truncate(MAX_SUGGESTIONS);
        let typo = !found.is_empty()
            && (distance <= 1 || (distance == 2 && key.chars().count() >= LONG_WORD));
        let fixes = Fixes { words: found, typo };
        if self.cache.len() >= CACHE_WORDS {
            self.cache.clear();
        }
        self.cache.insert(key, fixes.clone());
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

fn foreign(word: &str) -> bool {
    word.chars().any(|c| c.is_alphabetic() && !c.is_ascii())
}

/// Titles after which a capitalized word is a name, though Harper ends a sentence at their full stop.
const TITLES: &[&str] = &["mr", "mrs", "ms", "dr", "prof", "st", "mt", "sr", "jr"];

/// What the text says about the unknown words, beyond their own spelling.
pub struct Context {
    /// Words written with a capital inside a sentence somewhere in the text (names), lower case.
    names: HashSet<String>,
    /// Whether each sentence follows a title abbreviation ("Mrs. Kowalski").
    after_title: Vec<bool>,
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
        let mut after_title = vec![false];
        for s in sentences.iter() {
            let n = s.len();
            let title = n >= 2 && s[n - 1].text == "." && s[n - 2].is_any(TITLES);
            after_title.push(title);
        }
        Self { names, after_title }
    }
}

/// Whether the nearest word to an unknown one (one edit away) is an everyday word: "tomorow", not
/// "mishti".
pub fn everyday_typo(dict: &FstDictionary, word: &str) -> bool {
    let chars: Vec<char> = word.to_lowercase().chars().collect();
    suggest_correct_spelling(&chars, 20, 1, dict)
        .first()
        .and_then(|s| dict.get_word_metadata(s))
        .is_some_and(|m| m.common)
}

/// Whether an unknown word is still not a mistake, from its form and where it stands: a name, an
/// abbreviation, a word of another language. `known` tells whether a word is in the dictionary,
/// `everyday` whether an unknown word is one edit from an everyday word.
pub fn excused(
    s: &[Tok],
    i: usize,
    sentence: usize,
    ctx: &Context,
    known: &dyn Fn(&str) -> bool,
    everyday: &dyn Fn(&str) -> bool,
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
    let slips = |n: &Tok| everyday(&t.text) && everyday(&n.text);
    if neighbours
        .into_iter()
        .any(|n| foreign(&n.text) || !(n.is_capitalized() || known(&n.text) || slips(n)))
    {
        return true;
    }
    // Written elsewhere with a capital inside a sentence: a name ("our local puja", "Durga Puja").
    if ctx.names.contains(&t.lower) {
        return true;
    }
    if !t.is_capitalized() {
        return false;
    }
    let first_word = s.iter().position(|w| w.is_word()) == Some(i);
    if !first_word || ctx.after_title.get(sentence).copied().unwrap_or(false) {
        return true; // a capital inside a sentence, or after "Mrs.": a name
    }
    // At the start of a sentence a capital says nothing, but a name is usually the subject:
    // "Luiza is a nurse", "Chidi and his sister". A misspelt "Becuase" or "Realy" is not.
    s.get(i + 1).is_some_and(|n| {
        n.tagged(UPOS::VERB)
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
        let everyday = |w: &str| everyday_typo(&dict, w);
        let mut out = Vec::new();
        for (n, s) in sentences.iter().enumerate() {
            for (i, t) in s.iter().enumerate() {
                if !t.is_word()
                    || known(&t.text)
                    || known_words.personal.contains(&t.lower)
                    || excused(s, i, n, &ctx, &known, &everyday)
                {
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
