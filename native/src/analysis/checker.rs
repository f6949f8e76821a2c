//! The deterministic checker: Harper's curated grammar, usage, punctuation and capitalization rules,
//! plus our own Harper linters (spelling without false alarms on names, dialects and other
//! languages; subject–verb agreement; confused words; missing apostrophes). One rule group per
//! dialect is built on first use and kept: building one takes about a second (Harper's dictionary).
//! The essay is checked a paragraph at a time and each paragraph's lints are kept, so while a
//! student types, only the paragraph being edited is checked again.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};

use harper_core::linting::{Lint, LintGroup, LintKind, Suggestion};
use harper_core::spell::{Dictionary, FstDictionary};
use harper_core::{Dialect as HarperDialect, Document, IrregularVerbs};
use once_cell::sync::Lazy;
use serde::{Deserialize, Serialize};

use super::agreement::Agreement;
use super::apostrophes::Apostrophes;
use super::confusions::Confusions;
use super::segment::Essay;
use super::sentence_start::SentenceStart;
use super::spelling::{
    excused, known, near, stem, Context, Known, SharedKnown, Spelling, TERM_USES,
};
use super::tokens::sentences;
use super::{Category, Finding};

/// The English the essay is written in. `Auto` finds it from the essay's spellings ("colour",
/// "organise"); whichever it is, a spelling valid in another dialect is never called a mistake.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    #[default]
    Auto,
    American,
    British,
    Canadian,
    Australian,
    Indian,
}

impl Dialect {
    fn harper(self) -> Option<HarperDialect> {
        Some(match self {
            Dialect::Auto => return None,
            Dialect::American => HarperDialect::American,
            Dialect::British => HarperDialect::British,
            Dialect::Canadian => HarperDialect::Canadian,
            Dialect::Australian => HarperDialect::Australian,
            Dialect::Indian => HarperDialect::Indian,
        })
    }

    fn from_harper(d: HarperDialect) -> Self {
        match d {
            HarperDialect::American => Dialect::American,
            HarperDialect::British => Dialect::British,
            HarperDialect::Canadian => Dialect::Canadian,
            HarperDialect::Australian => Dialect::Australian,
            HarperDialect::Indian => Dialect::Indian,
        }
    }
}

/// Harper rules that are preferences, not mistakes, or that ours replace. Off by default.
const OFF: &[&str] = &[
    "SpellCheck",
    "OxfordComma",
    "NoOxfordComma",
    "LongSentences",
    "UseTitleCase",
    "SpelledNumbers",
    "AvoidContractions",
    "BoringWords",
    "FillerWords",
    "Hedging",
    "Regionalisms",
    "OrthographicConsistency",
    "ExpandFavourite",
    // Misfires on correct sentences ("the city health department", "when I am stressed").
    "MissingPreposition",
];

/// Our own rules inside Harper's group, by their rule ids.
const OURS: &[&str] = &[
    "spelling",
    "subject-verb-agreement",
    "confused-words",
    "missing-apostrophe",
    "sentence-start",
];

/// Paragraph results kept for live checking; beyond this many, the cache starts again.
const CACHED_PARAGRAPHS: usize = 4096;

type ParagraphLints = Arc<Vec<(String, Lint)>>;

struct Checker {
    dict: Arc<FstDictionary>,
    by_dialect: HashMap<HarperDialect, LintGroup>,
    known: SharedKnown,
    /// Lints by (what the check depends on besides the text, the paragraph's text), with spans
    /// relative to the paragraph: typing in one paragraph re-checks only that paragraph.
    paragraphs: HashMap<(u64, u64), ParagraphLints>,
}

static CHECKER: Lazy<Mutex<Checker>> = Lazy::new(|| {
    Mutex::new(Checker {
        dict: FstDictionary::curated(),
        by_dialect: HashMap::new(),
        known: Arc::new(Mutex::new(Known::default())),
        paragraphs: HashMap::new(),
    })
});

fn checker() -> MutexGuard<'static, Checker> {
    CHECKER.lock().unwrap_or_else(|p| p.into_inner())
}

impl Checker {
    fn group(&mut self, dialect: HarperDialect) -> &mut LintGroup {
        let (dict, known) = (self.dict.clone(), self.known.clone());
        self.by_dialect
            .entry(dialect)
            .or_insert_with(|| build(dict, dialect, known))
    }

    /// The lints of one paragraph, from the cache or from Harper.
    fn paragraph(&mut self, dialect: HarperDialect, context: u64, text: &str) -> ParagraphLints {
        let key = (context, hash(&text));
        if let Some(hit) = self.paragraphs.get(&key) {
            return hit.clone();
        }
        let doc = Document::new_plain_english(text, &*self.dict);
        let mut lints: Vec<(String, Lint)> = self
            .group(dialect)
            .organized_lints(&doc)
            .into_iter()
            .flat_map(|(rule, lints)| lints.into_iter().map(move |l| (rule.clone(), l)))
            .collect();
        let names = self
            .known
            .lock()
            .map(|k| k.names.clone())
            .unwrap_or_default();
        let excused = excused_words(&doc, &self.dict, &names);
        lints.retain(|(rule, l)| {
            !excused.contains(&(l.span.start, l.span.end)) && !misfire(&doc, rule, l)
        });
        let lints = Arc::new(lints);
        if self.paragraphs.len() >= CACHED_PARAGRAPHS {
            self.paragraphs.clear();
        }
        self.paragraphs.insert(key, lints.clone());
        lints
    }
}

fn hash<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

fn build(dict: Arc<FstDictionary>, dialect: HarperDialect, known: SharedKnown) -> LintGroup {
    let mut group = LintGroup::new_curated(dict.clone(), dialect);
    group.add("spelling", Spelling::new(dict.clone(), dialect, known));
    group.add("subject-verb-agreement", Agreement::new(dict.clone()));
    group.add("confused-words", Confusions);
    group.add("missing-apostrophe", Apostrophes::new(dict.clone()));
    group.add("sentence-start", SentenceStart::new(dict));
    for rule in OFF {
        group.config.set_rule_enabled(*rule, false);
    }
    for rule in OURS {
        group.config.set_rule_enabled(*rule, true);
    }
    group
}

/// Builds the dictionary and the American rules now, so the first check is fast (warm-up).
pub fn warm_up() {
    checker().group(HarperDialect::American);
}

/// What the checker found, with byte ranges into `text`, and the dialect it checked in.
pub fn check(text: &str, dialect: Dialect, personal: &HashSet<String>) -> (Vec<Finding>, Dialect) {
    let essay = Essay::segment(text);
    let mut c = checker();
    let used = dialect
        .harper()
        .or_else(|| guess_dialect(&essay, &c.dict))
        .unwrap_or(HarperDialect::American);
    let names = essay_names(&essay);
    let terms = essay_terms(&essay, &c.dict);
    let context = hash(&(used, sorted(personal), sorted(&names), sorted(&terms)));
    if let Ok(mut known) = c.known.lock() {
        known.personal.clone_from(personal);
        known.names = names;
        known.terms = terms;
    }
    let mut lints: Vec<(String, Lint)> = Vec::new();
    for (chars, range) in paragraphs(text) {
        for (rule, lint) in c.paragraph(used, context, &text[range]).iter() {
            let mut lint = lint.clone();
            lint.span.push_by(chars);
            lints.push((rule.clone(), lint));
        }
    }
    let english = likely_english(&essay, &c.dict);
    drop(c);
    // In another language, English rules only misfire; a doubled word is a doubled word in any.
    if !english {
        lints.retain(|(rule, _)| rule == "RepeatedWords");
    }
    // Where two rules flag overlapping words, the more important lint stays: by priority, then the
    // longer span. Spelling comes first (a misspelt word confuses the other rules: "untill" is not a
    // negative), then our rules (they name the mistake more precisely than Harper's general ones).
    lints.sort_by_key(|(_, l)| (l.priority, l.span.start, usize::MAX - l.span.end));
    let mut kept: Vec<(String, Lint)> = Vec::new();
    for (rule, lint) in lints {
        if !kept
            .iter()
            .any(|(_, k)| k.span.start < lint.span.end && lint.span.start < k.span.end)
        {
            kept.push((rule, lint));
        }
    }
    let lints = kept;
    let bytes = CharBytes::new(text);
    let findings = lints
        .into_iter()
        .filter_map(|(rule, lint)| finding(text, &bytes, &rule, lint))
        .collect();
    (findings, Dialect::from_harper(used))
}

fn sorted(words: &HashSet<String>) -> Vec<&String> {
    let mut v: Vec<&String> = words.iter().collect();
    v.sort();
    v
}

/// The text's paragraphs (runs of non-blank lines): their first char's index and their bytes.
fn paragraphs(text: &str) -> Vec<(usize, Range<usize>)> {
    let mut out = Vec::new();
    let (mut chars, mut bytes) = (0, 0);
    let mut current: Option<(usize, Range<usize>)> = None;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            out.extend(current.take());
        } else {
            match &mut current {
                Some((_, r)) => r.end = bytes + line.len(),
                None => current = Some((chars, bytes..bytes + line.len())),
            }
        }
        chars += line.chars().count();
        bytes += line.len();
    }
    out.extend(current);
    out
}

/// The dialect most of the essay's words belong to (counted as Harper does, over the whole essay
/// rather than a paragraph).
fn guess_dialect(essay: &Essay, dict: &FstDictionary) -> Option<HarperDialect> {
    const ALL: [HarperDialect; 5] = [
        HarperDialect::American,
        HarperDialect::British,
        HarperDialect::Canadian,
        HarperDialect::Australian,
        HarperDialect::Indian,
    ];
    let mut counts = [0usize; 5];
    for w in essay.words() {
        if let Some(meta) = dict.get_word_metadata_str(w.text) {
            for (i, d) in ALL.iter().enumerate() {
                if meta.dialects.is_dialect_enabled(*d) {
                    counts[i] += 1;
                }
            }
        }
    }
    let max = counts.iter().copied().max()?;
    // Most words belong to every dialect; a tie among the others (British spellings are also
    // Australian and Indian ones) is British English, and a tie with American is American.
    ALL.iter()
        .zip(counts)
        .find(|(_, c)| *c == max)
        .map(|(d, _)| *d)
}

/// Whether most of the essay's words are English ones (as Harper's language detection decides, over
/// the whole essay: a paragraph can be too short to tell).
/// Names, numbers and words in other scripts say nothing about the language: only small words in
/// Latin letters count.
fn likely_english(essay: &Essay, dict: &FstDictionary) -> bool {
    let words: Vec<&str> = essay
        .words()
        .map(|w| w.text)
        .filter(|w| {
            w.chars().next().is_some_and(char::is_lowercase)
                && w.chars()
                    .all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '’')
        })
        .collect();
    let known_words = words.iter().filter(|w| known(dict, w)).count();
    words.len() < 8 || known_words as f64 >= 0.7 * words.len() as f64
}

/// Stems of words the dictionary lacks that the essay uses at least TERM_USES times.
fn essay_terms(essay: &Essay, dict: &FstDictionary) -> HashSet<String> {
    let mut uses: HashMap<String, usize> = HashMap::new();
    for w in essay.words().filter(|w| !known(dict, w.text)) {
        *uses
            .entry(stem(&w.text.to_lowercase()).to_string())
            .or_default() += 1;
    }
    uses.into_iter()
        .filter(|(_, n)| *n >= TERM_USES)
        .map(|(w, _)| w)
        .collect()
}

/// Words written with a capital inside a sentence: names, lower case.
fn essay_names(essay: &Essay) -> HashSet<String> {
    essay
        .sentences()
        .flat_map(|s| s.words.iter().skip(1))
        .filter(|w| w.text.chars().next().is_some_and(char::is_uppercase))
        .map(|w| w.text.to_lowercase())
        .collect()
}

/// The spans of words the dictionary lacks that are names or words of another language: no rule may
/// call them a mistake (Harper's own rules would split "Iyer" into "I yer").
fn excused_words(
    doc: &Document,
    dict: &FstDictionary,
    names: &HashSet<String>,
) -> HashSet<(usize, usize)> {
    let sentences = sentences(doc);
    let ctx = Context::of(&sentences, names);
    let is_known = |w: &str| known(dict, w);
    let near = |w: &str| near(dict, w);
    let mut out = HashSet::new();
    for s in &sentences {
        for (i, t) in s.iter().enumerate() {
            if t.is_word() && !is_known(&t.text) && excused(s, i, &ctx, &is_known, &near) {
                out.insert((t.span.start, t.span.end));
            }
        }
    }
    out
}

/// Harper rules that misfire on correct English we have seen in essays: "every one of us" is not
/// "everyone"; a past tense ("He woke") agrees with every subject.
fn misfire(doc: &Document, rule: &str, lint: &Lint) -> bool {
    let source = doc.get_source();
    let after: String = source
        .get(lint.span.end..)
        .unwrap_or_default()
        .iter()
        .take(4)
        .collect();
    let word = doc.get_span_content_str(&lint.span).to_lowercase();
    let past = doc
        .get_token_at_char_index(lint.span.start)
        .is_some_and(|t| t.kind.is_verb_simple_past_form())
        || IrregularVerbs::curated()
            .get_lemma_for_preterite(&word)
            .is_some();
    match rule {
        // "every one of us", "counted every one, …": each single one, not "everyone".
        "Everyone" | "Everybody" | "Anyone" | "Anybody" => {
            let next = after.trim_start();
            next.starts_with("of ") || next.starts_with(|c: char| !c.is_alphanumeric())
        }
        "PronounVerbAgreement" => past && word != "was" && word != "were",
        _ => false,
    }
}

/// Byte offsets of the text's chars: Harper's spans count chars.
struct CharBytes(Vec<usize>);

impl CharBytes {
    fn new(text: &str) -> Self {
        let mut v: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        v.push(text.len());
        Self(v)
    }

    fn range(&self, start: usize, end: usize) -> Option<Range<usize>> {
        Some(*self.0.get(start)?..*self.0.get(end)?).filter(|r| r.start < r.end)
    }
}

fn finding(text: &str, bytes: &CharBytes, rule: &str, lint: Lint) -> Option<Finding> {
    let category = category(lint.lint_kind)?;
    let range = bytes.range(lint.span.start, lint.span.end)?;
    let quote = &text[range.clone()];
    let mut suggestions: Vec<String> = Vec::new();
    for s in &lint.suggestions {
        let s = match s {
            Suggestion::ReplaceWith(r) => r.iter().collect(),
            Suggestion::InsertAfter(r) => format!("{quote}{}", r.iter().collect::<String>()),
            Suggestion::Remove => String::new(),
        };
        // Harper sometimes offers the same word with and without a trailing space.
        if s.trim() != quote.trim() && !suggestions.iter().any(|k| k.trim() == s.trim()) {
            suggestions.push(s);
        }
    }
    Some(Finding {
        rule: rule_id(rule),
        range,
        message: lint.message,
        category,
        suggestions,
    })
}

/// A Harper rule name as our rule ids are written: "SentenceCapitalization" → "sentence-capitalization".
fn rule_id(rule: &str) -> String {
    if OURS.contains(&rule) {
        return rule.to_string();
    }
    let mut id = String::new();
    for (i, c) in rule.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            id.push('-');
        }
        id.extend(c.to_lowercase());
    }
    id
}

/// The category a student sees; None for preferences, which are off by default.
fn category(kind: LintKind) -> Option<Category> {
    Some(match kind {
        LintKind::Spelling | LintKind::Typo => Category::Spelling,
        LintKind::Agreement
        | LintKind::Grammar
        | LintKind::WordOrder
        | LintKind::Capitalization
        | LintKind::Repetition => Category::Grammar,
        LintKind::WordChoice
        | LintKind::Usage
        | LintKind::Eggcorn
        | LintKind::Malapropism
        | LintKind::Nonstandard
        | LintKind::Redundancy
        | LintKind::BoundaryError
        | LintKind::Miscellaneous => Category::Usage,
        LintKind::Punctuation | LintKind::Formatting => Category::Punctuation,
        LintKind::Style | LintKind::Enhancement | LintKind::Readability | LintKind::Regionalism => {
            return None
        }
    })
}
