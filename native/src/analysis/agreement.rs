//! Subject–verb agreement for the common cases Harper's own rules leave alone: a plural noun with a
//! singular verb ("the librarians helps"), a singular noun or `everybody`/`each` with a plural verb
//! ("my brother play", "everybody wear"). The subject is found by walking left from the verb over
//! adverbs, prepositional phrases ("everybody in my class love") and relative clauses ("the apps we use
//! is", "everyone who plays on our team know"). Anything less clear than that is left alone: a false
//! alarm costs a student more than a miss.

use std::sync::Arc;

use harper_brill::UPOS;
use harper_core::linting::{Lint, LintKind, Linter};
use harper_core::spell::{Dictionary, FstDictionary};
use harper_core::Document;

use super::tokens::{replace, sentences, Tok};

pub struct Agreement {
    dict: Arc<FstDictionary>,
}

impl Agreement {
    pub fn new(dict: Arc<FstDictionary>) -> Self {
        Self { dict }
    }
}

/// Singular pronouns that take a singular verb.
const INDEFINITE: &[&str] = &[
    "everybody",
    "everyone",
    "somebody",
    "someone",
    "nobody",
    "anybody",
    "anyone",
    "everything",
    "something",
    "nothing",
    "anything",
    "each",
];

/// Nouns that take either verb form (British usage: "the team are"), or end in -s but are singular.
const EITHER: &[&str] = &[
    "family",
    "team",
    "class",
    "group",
    "government",
    "staff",
    "crowd",
    "audience",
    "committee",
    "police",
    "public",
    "majority",
    "minority",
    "couple",
    "band",
    "jury",
    "company",
    "club",
    "council",
    "school",
    "board",
    "army",
    "crew",
    "faculty",
    "management",
    "press",
    "generation",
    "news",
    "physics",
    "maths",
    "mathematics",
    "economics",
    "politics",
    "athletics",
    "gymnastics",
    "measles",
    "species",
    "series",
    "means",
    "headquarters",
    "crossroads",
    "data",
    "media",
];

/// Heads whose verb agrees with the noun after "of" ("a lot of students are").
const QUANTITY: &[&str] = &[
    "lot",
    "lots",
    "number",
    "majority",
    "half",
    "rest",
    "most",
    "some",
    "all",
    "none",
    "plenty",
    "percent",
    "kind",
    "type",
    "sort",
    "couple",
    "pair",
    "bunch",
    "range",
    "variety",
    "amount",
    "part",
    "portion",
    "proportion",
    "share",
    "total",
    "third",
    "quarter",
    "one",
    "many",
    "few",
    "several",
    "both",
    "either",
    "neither",
    "any",
    "each",
    "much",
    "more",
    "less",
    "minority",
];

/// Adverbs the tagger may call pronouns ("who live there knows").
const PLACE_ADVERBS: &[&str] = &["there", "here", "now", "then", "together", "home", "too"];
const POSSESSIVE: &[&str] = &["my", "your", "his", "her", "its", "our", "their"];
const RELATIVE: &[&str] = &["who", "that", "which"];
const SUBJECT_PRONOUN: &[&str] = &["i", "you", "we", "they", "he", "she"];
const MODAL: &[&str] = &[
    "can", "could", "will", "would", "shall", "should", "may", "might", "must", "to",
];
/// Before "that", these take the subjunctive: "it is important that each student have".
const SUBJUNCTIVE: &[&str] = &[
    "suggest",
    "suggests",
    "suggested",
    "insist",
    "insists",
    "insisted",
    "recommend",
    "recommends",
    "recommended",
    "demand",
    "demands",
    "demanded",
    "require",
    "requires",
    "required",
    "request",
    "requested",
    "propose",
    "proposed",
    "ask",
    "asked",
    "important",
    "essential",
    "necessary",
    "vital",
    "crucial",
];

/// Plural verb forms that have a fixed singular ("are" → "is").
const TO_SINGULAR: &[(&str, &str)] = &[
    ("are", "is"),
    ("were", "was"),
    ("have", "has"),
    ("do", "does"),
    ("don't", "doesn't"),
    ("don’t", "doesn’t"),
    ("aren't", "isn't"),
    ("aren’t", "isn’t"),
    ("haven't", "hasn't"),
    ("haven’t", "hasn’t"),
    ("go", "goes"),
];

/// Singular verb forms that have a fixed plural ("is" → "are").
const TO_PLURAL: &[(&str, &str)] = &[
    ("is", "are"),
    ("was", "were"),
    ("has", "have"),
    ("does", "do"),
    ("doesn't", "don't"),
    ("doesn’t", "don’t"),
    ("isn't", "aren't"),
    ("isn’t", "aren’t"),
    ("wasn't", "weren't"),
    ("wasn’t", "weren’t"),
    ("hasn't", "haven't"),
    ("hasn’t", "haven’t"),
    ("goes", "go"),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Number {
    Singular,
    Plural,
}

impl Linter for Agreement {
    fn lint(&mut self, doc: &Document) -> Vec<Lint> {
        let mut out = Vec::new();
        for s in sentences(doc) {
            if is_heading(&s) {
                continue;
            }
            for v in 1..s.len() {
                if let Some(lint) = self.check_verb(&s, v) {
                    out.push(lint);
                }
            }
            for v in 0..s.len() {
                out.extend(self.check_question(&s, v));
            }
        }
        out
    }

    fn description(&self) -> &str {
        "Subject–verb agreement: a plural subject with a singular verb, or a singular one with a plural verb."
    }
}

/// Question words after which the verb comes before its subject: "Why does my fingers hurt?"
const QUESTION: &[&str] = &["why", "what", "where", "when", "how", "who"];

impl Agreement {
    /// A question's verb before its subject ("does my fingers", "is the results"): it agrees with the
    /// noun phrase after it.
    fn check_question(&self, s: &[Tok], v: usize) -> Option<Lint> {
        let verb = &s[v];
        // The verb opens the question: at the start, after a quote mark, or after a question word
        // that itself opens it (`I asked her, "Why does my fingers …`).
        let opens_at = |k: usize| k == 0 || s[k - 1].kind.is_quote() || s[k - 1].text == ",";
        let opens = opens_at(v) || (v > 0 && s[v - 1].is_any(QUESTION) && opens_at(v - 1));
        if !opens || !s[v..].iter().any(|t| t.text == "?") {
            return None;
        }
        let wants = if TO_PLURAL.iter().any(|(sg, _)| verb.lower == *sg) {
            Number::Singular
        } else if TO_SINGULAR.iter().any(|(pl, _)| verb.lower == *pl) {
            Number::Plural
        } else {
            return None;
        };
        // The subject: a determiner, then adjectives and nouns; its head is the last noun.
        let first = s.get(v + 1)?;
        if !(first.tagged(UPOS::DET) || first.is_any(POSSESSIVE)) {
            return None;
        }
        let mut head = None;
        for (k, w) in s.iter().enumerate().skip(v + 2) {
            if w.is_noun() {
                head = Some(k);
            } else if !w.tagged(UPOS::ADJ) {
                break;
            }
        }
        let (h, have) = self.subject_number(s, head?)?;
        if have == wants {
            return None;
        }
        let fix = match have {
            Number::Plural => self.plural_form(&verb.lower)?,
            Number::Singular => self.singular_form(&verb.lower)?,
        };
        let message = format!(
            "The question is about “{}”, so it takes “{fix}”, not “{}”.",
            s[h].text, verb.text
        );
        let mut lint = replace(verb, LintKind::Agreement, &[&fix], message);
        lint.priority = 30;
        Some(lint)
    }

    fn check_verb(&self, s: &[Tok], v: usize) -> Option<Lint> {
        let verb = &s[v];
        if !(verb.tagged(UPOS::VERB) || verb.tagged(UPOS::AUX)) {
            return None;
        }
        let wants = self.verb_number(s, v)?;
        let subject = subject_of(s, v)?;
        let (head, have) = self.subject_number(s, subject)?;
        if have == wants {
            return None;
        }
        let fix = match have {
            Number::Plural => self.plural_form(&verb.lower)?,
            Number::Singular => self.singular_form(&verb.lower)?,
        };
        let (subject_word, verb_word) = (&s[head].text, &verb.text);
        let message = match have {
            Number::Plural => format!(
                "“{subject_word}” is plural, so the verb should be “{fix}”, not “{verb_word}”."
            ),
            Number::Singular => format!(
                "“{subject_word}” is singular, so the verb should be “{fix}”, not “{verb_word}”."
            ),
        };
        let mut lint = replace(verb, LintKind::Agreement, &[&fix], message);
        // After the confused-word rules: "were" for "where" is not an agreement problem.
        lint.priority = 30;
        Some(lint)
    }

    /// The number a present-tense verb shows, if it shows one: "helps" singular, "help" plural.
    fn verb_number(&self, s: &[Tok], v: usize) -> Option<Number> {
        let verb = &s[v];
        if TO_PLURAL.iter().any(|(sg, _)| verb.lower == *sg) {
            return Some(Number::Singular);
        }
        if TO_SINGULAR.iter().any(|(pl, _)| verb.lower == *pl) {
            return Some(Number::Plural);
        }
        // "were" is plural, except in a wish or a condition ("if the bus were late").
        if verb.is("were") {
            let subjunctive = s[..v]
                .iter()
                .any(|w| w.is_any(&["if", "wish", "wished", "though", "whether", "suppose"]));
            return (!subjunctive).then_some(Number::Plural);
        }
        if verb.tagged(UPOS::AUX) || verb.is_any(MODAL) {
            return None;
        }
        let k = verb.kind;
        if k.is_verb_third_person_singular_present_form() {
            return Some(Number::Singular);
        }
        // A bare verb that could also be a past form ("put") or a noun in a compound ("the bus stop
        // is") says nothing.
        let next_is_verb = s
            .get(v + 1)
            .is_some_and(|n| n.tagged(UPOS::VERB) || n.tagged(UPOS::AUX));
        (k.is_verb_lemma() && !k.is_verb_simple_past_form() && !next_is_verb)
            .then_some(Number::Plural)
    }

    /// The head of the subject at `i` and its number, when it is clear.
    fn subject_number(&self, s: &[Tok], i: usize) -> Option<(usize, Number)> {
        let head = &s[i];
        if head.is_any(INDEFINITE) || head.is_any(&["one", "either", "neither"]) {
            return Some((i, Number::Singular));
        }
        // A capital inside the sentence is a name; we don't know a name's number.
        if !head.tagged(UPOS::NOUN) || head.is_any(EITHER) || (i > 0 && head.is_capitalized()) {
            return None;
        }
        let k = head.kind;
        match (k.is_plural_noun(), k.is_singular_noun()) {
            // Regular plurals only ("parents", "apps"): a bare plural form that is also listed as
            // singular ("sheep") says nothing.
            (true, false) => Some((i, Number::Plural)),
            (false, true) => Some((i, Number::Singular)),
            (true, true) => {
                let singular = head.lower.strip_suffix('s')?;
                self.dict
                    .contains_word_str(singular)
                    .then_some((i, Number::Plural))
            }
            _ => None,
        }
    }

    /// "help" → "helps": the form after a singular subject.
    fn singular_form(&self, verb: &str) -> Option<String> {
        if let Some((_, sg)) = TO_SINGULAR.iter().find(|(pl, _)| *pl == verb) {
            return Some(sg.to_string());
        }
        let candidates = if let Some(stem) = verb.strip_suffix('y').filter(|s| ends_consonant(s)) {
            vec![format!("{stem}ies")]
        } else if ["s", "x", "z", "ch", "sh", "o"]
            .iter()
            .any(|e| verb.ends_with(e))
        {
            vec![format!("{verb}es")]
        } else {
            vec![format!("{verb}s")]
        };
        self.first_verb_form(candidates, true)
    }

    /// "helps" → "help": the form after a plural subject.
    fn plural_form(&self, verb: &str) -> Option<String> {
        if let Some((_, pl)) = TO_PLURAL.iter().find(|(sg, _)| *sg == verb) {
            return Some(pl.to_string());
        }
        let mut candidates = Vec::new();
        if let Some(stem) = verb.strip_suffix("ies") {
            candidates.push(format!("{stem}y"));
        }
        if let Some(stem) = verb.strip_suffix('s') {
            candidates.push(stem.to_string());
        }
        if let Some(stem) = verb.strip_suffix("es") {
            candidates.push(stem.to_string());
        }
        self.first_verb_form(candidates, false)
    }

    fn first_verb_form(&self, candidates: Vec<String>, third_person: bool) -> Option<String> {
        candidates.into_iter().find(|c| {
            self.dict.get_word_metadata_str(c).is_some_and(|m| {
                if third_person {
                    m.is_verb_third_person_singular_present_form()
                } else {
                    m.is_verb_lemma()
                }
            })
        })
    }
}

fn ends_consonant(s: &str) -> bool {
    s.chars()
        .last()
        .is_some_and(|c| c.is_alphabetic() && !"aeiou".contains(c))
}

/// A title line: no full stop and mostly capitalized words.
fn is_heading(s: &[Tok]) -> bool {
    let words: Vec<&Tok> = s.iter().filter(|t| t.is_word()).collect();
    let capitalized = words.iter().filter(|t| t.is_capitalized()).count();
    let ends = s
        .last()
        .is_some_and(|t| matches!(t.text.as_str(), "." | "!"));
    !ends && capitalized * 2 > words.len()
}

/// Where the subject of the verb at `v` is (its head word), or None when it is not clear.
fn subject_of(s: &[Tok], v: usize) -> Option<usize> {
    let mut j = v.checked_sub(1)?;
    while s[j].tagged(UPOS::ADV) || s[j].is_any(PLACE_ADVERBS) {
        j = j.checked_sub(1)?;
    }
    // "My teacher, Ms. Lin, always say": a name between commas stands beside the subject.
    if s[j].text == "," {
        let open = (j.saturating_sub(6)..j).rev().find(|&k| s[k].text == ",")?;
        let named = s[open + 1..j]
            .iter()
            .all(|w| w.is_capitalized() || w.text == "." || w.tagged(UPOS::DET));
        return (named && open > 0)
            .then(|| noun_phrase_subject(s, open - 1, 0))
            .flatten();
    }
    // "the students who helps": the verb of a relative clause agrees with what "who" stands for.
    if s[j].is_any(RELATIVE) {
        return noun_phrase_subject(s, j.checked_sub(1)?, 0);
    }
    if s[j].tagged(UPOS::VERB) {
        return subject_across_clause(s, j);
    }
    noun_phrase_subject(s, j, 0)
}

/// The verb before ours ends a relative clause: "the apps [we use] is", "everyone [who plays on our
/// team] know". Returns the head the clause belongs to.
fn subject_across_clause(s: &[Tok], inner_verb: usize) -> Option<usize> {
    let before = inner_verb.checked_sub(1)?;
    // Reduced relative: noun + subject pronoun + verb.
    if s[before].is_any(SUBJECT_PRONOUN) {
        let head = before.checked_sub(1)?;
        return s[head]
            .tagged(UPOS::NOUN)
            .then(|| noun_phrase_subject(s, head, 0))
            .flatten();
    }
    // "who/that/which" + verb: the clause's own subject is the relative pronoun.
    if s[before].is_any(RELATIVE) {
        return noun_phrase_subject(s, before.checked_sub(1)?, 0);
    }
    None
}

/// `j` is the last word of a noun phrase: if that phrase is the subject, its head; if it is the object
/// of a preposition ("in my class"), the subject further left.
fn noun_phrase_subject(s: &[Tok], j: usize, hops: usize) -> Option<usize> {
    let head = &s[j];
    // A name after a preposition ("the relatives from Porto was") is the object of a phrase after
    // the subject: look further left.
    if head.tagged(UPOS::PROPN) && j > 0 && s[j - 1].tagged(UPOS::ADP) && hops < 2 {
        let before = j.checked_sub(2)?;
        return noun_phrase_subject(s, before, hops + 1);
    }
    if !(head.is_noun() || head.is_any(INDEFINITE)) {
        return None;
    }
    // "one of …" and "each of …" come back here as heads of their own.
    if head.is_any(&["one", "each", "either", "neither"]) {
        return Some(j);
    }
    let start = phrase_start(s, j)?;
    let Some(p) = start.checked_sub(1) else {
        return Some(j); // the sentence starts with it
    };
    let prev = &s[p];
    if prev.tagged(UPOS::ADP) && !prev.is("that") {
        // A prepositional phrase after the real subject: "everybody [in my class]".
        if hops >= 2 {
            return None;
        }
        let before = p.checked_sub(1)?;
        // "each of the rooms has", "one of my friends is": the verb agrees with "each" or "one".
        if prev.is("of") && s[before].is_any(&["each", "one", "either", "neither"]) {
            return Some(before);
        }
        if s[before].is_any(QUANTITY) {
            // "the streets in the old part of the city is": the amount and its noun are one phrase,
            // itself after a preposition. As the subject, its number is the noun's: unclear here.
            let amount = phrase_start(s, before)?;
            let pp = amount.checked_sub(1)?;
            return (s[pp].tagged(UPOS::ADP) && hops < 2)
                .then(|| noun_phrase_subject(s, pp.checked_sub(1)?, hops + 1))
                .flatten();
        }
        if s[before].tagged(UPOS::VERB) {
            return subject_across_clause(s, before);
        }
        return noun_phrase_subject(s, before, hops + 1);
    }
    // "the people who work here knows": the tagger took the clause's verb for a noun.
    if prev.is_any(&["who", "which"]) && head.kind.is_verb() && start == j {
        return noun_phrase_subject(s, p.checked_sub(1)?, hops);
    }
    if prev.is("that") {
        let trigger = p.checked_sub(1).map(|b| &s[b]);
        return (!trigger.is_some_and(|t| t.is_any(SUBJUNCTIVE))).then_some(j);
    }
    // A list or a compound subject ("Tom and my brother play") is not one noun.
    if prev.is_any(&["and", "or", "nor"]) || prev.text == "&" {
        return None;
    }
    // "the teachers who run the early classes knows": the object of the clause's verb.
    if prev.tagged(UPOS::VERB) && p >= 2 && s[p - 1].is_any(RELATIVE) && s[p - 2].is_noun() {
        return noun_phrase_subject(s, p - 2, hops);
    }
    // After a verb, a modal or "to", the phrase is an object ("I watched my brother play", "Learning
    // the lines was").
    if prev.tagged(UPOS::VERB)
        || prev.tagged(UPOS::AUX)
        || prev.tagged(UPOS::PART)
        || prev.lower.ends_with("ing")
    {
        return None;
    }
    Some(j)
}

/// Where the noun phrase ending at `j` starts: back over nouns and adjectives, through its determiner.
/// None for a measure ("two hours is"): its verb agrees with the amount, not the noun.
fn phrase_start(s: &[Tok], j: usize) -> Option<usize> {
    let mut i = j;
    while let Some(p) = i.checked_sub(1) {
        let t = &s[p];
        if t.tagged(UPOS::NUM) || t.kind.is_number() {
            return None;
        }
        if t.tagged(UPOS::DET) || t.is_any(POSSESSIVE) {
            return Some(p);
        }
        if !(t.tagged(UPOS::NOUN) || t.tagged(UPOS::ADJ) || t.tagged(UPOS::PROPN)) {
            break;
        }
        i = p;
    }
    Some(i)
}
