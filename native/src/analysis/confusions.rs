//! Words learners confuse that Harper's rules miss (hole/whole, its/it's, whose/who's, were/where,
//! to/too, two/too, quiet/quite, lose/loose, your/you're, then/than, affect/effect, accept/except,
//! "there own"). Each rule fires only where the context decides the word.

use harper_brill::UPOS;
use harper_core::linting::{Lint, LintKind, Linter};
use harper_core::Document;

use super::tokens::{at, replace, sentences, Tok};

pub struct Confusions;

pub(super) const DETERMINER: &[&str] = &[
    "the", "a", "an", "my", "your", "his", "her", "its", "our", "their", "this", "that",
];
const MODAL_OR_TO: &[&str] = &[
    "will",
    "would",
    "could",
    "can",
    "cannot",
    "might",
    "may",
    "must",
    "should",
    "shall",
    "to",
    "not",
    "never",
    "don't",
    "didn't",
    "won't",
    "can't",
    "couldn't",
    "wouldn't",
    "don’t",
    "didn’t",
    "won’t",
    "can’t",
    "couldn’t",
    "wouldn’t",
    "'ll",
    "’ll",
];
const OBJECT_START: &[&str] = &[
    "the",
    "a",
    "an",
    "my",
    "your",
    "his",
    "her",
    "its",
    "our",
    "their",
    "this",
    "that",
    "these",
    "those",
    "me",
    "him",
    "us",
    "them",
    "it",
    "you",
    "everything",
    "everyone",
    "some",
    "any",
    "so",
    "very",
    "really",
    "too",
    "home",
    "out",
    "up",
    "down",
    "back",
    "away",
    "off",
    "on",
    "in",
    "at",
    "for",
    "with",
    "about",
    "there",
    "here",
    "all",
    "more",
    "less",
    "to",
    "weight",
    "time",
];
const CLAUSE_OPENERS: &[&str] = &[
    "if", "when", "because", "while", "since", "although", "though", "as", "unless", "until",
    "and", "but", "so", "once",
];
const COMPARATIVE: &[&str] = &[
    "more", "less", "fewer", "rather", "other", "better", "worse",
];
const SUBJECT: &[&str] = &[
    "i",
    "we",
    "you",
    "they",
    "he",
    "she",
    "it",
    "everyone",
    "everybody",
];
const NOUN_EFFECT_BEFORE: &[&str] = &[
    "an", "the", "a", "this", "that", "positive", "negative", "big", "huge", "great", "bad",
    "good", "strong", "real", "lasting", "main", "side", "same", "opposite", "little", "small",
    "major", "serious", "any", "no", "terrible", "harmful", "its", "their", "his", "her",
];

impl Linter for Confusions {
    fn lint(&mut self, doc: &Document) -> Vec<Lint> {
        let mut out = Vec::new();
        for s in sentences(doc) {
            for i in 0..s.len() {
                let found = hole(&s, i)
                    .or_else(|| there_own(&s, i))
                    .or_else(|| quiet(&s, i))
                    .or_else(|| two(&s, i))
                    .or_else(|| its(&s, i))
                    .or_else(|| whose(&s, i))
                    .or_else(|| were(&s, i))
                    .or_else(|| too(&s, i))
                    .or_else(|| loose(&s, i))
                    .or_else(|| your(&s, i))
                    .or_else(|| then(&s, i))
                    .or_else(|| affect(&s, i))
                    .or_else(|| accept(&s, i));
                out.extend(found);
            }
        }
        out
    }

    fn description(&self) -> &str {
        "Commonly confused words: hole/whole, its/it's, whose/who's, were/where, to/too, lose/loose, your/you're, then/than, affect/effect, accept/except."
    }
}

/// "the hole class" → "whole": after a determiner, before a noun.
fn hole(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    let noun_next = at(s, i, 1)
        .is_some_and(|n| n.tagged(UPOS::NOUN) && !n.is_any(&["in", "of", "is", "was", "punch"]));
    if t.is("hole") && at(s, i, -1).is_some_and(|p| p.is_any(DETERMINER)) && noun_next {
        return Some(replace(
            t,
            LintKind::WordChoice,
            &["whole"],
            "“Hole” is an opening; for “all of it”, write “whole”.".into(),
        ));
    }
    // "a whole in it": an opening, after "a" and before where it is.
    let opening = t.is("whole")
        && at(s, i, -1).is_some_and(|p| p.is("a"))
        && at(s, i, 1).is_some_and(|n| n.is_any(&["in", "on", "through", "at"]));
    opening.then(|| {
        replace(
            t,
            LintKind::WordChoice,
            &["hole"],
            "“Whole” means all of it; for an opening, write “hole”.".into(),
        )
    })
}

const DEGREE: &[&str] = &[
    "not",
    "very",
    "much",
    "so",
    "really",
    "too",
    "also",
    "always",
    "never",
    "just",
    "still",
    "quite",
    "been",
    "going",
    "getting",
    "a",
    "an",
    "the",
    "hard",
    "easy",
    "important",
];

/// "its much easier" → "it's"; "it's screen cracked" → "its".
fn its(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    let next = at(s, i, 1)?;
    if t.is("its") {
        let contraction = next.is_any(DEGREE)
            || (next.tagged(UPOS::ADV) && !next.lower.ends_with("ly"))
            || (next.tagged(UPOS::ADJ)
                && at(s, i, 2).is_none_or(|a| {
                    a.is_break() || a.is_any(&["to", "that", "for", "when", "if", "because"])
                }));
        return contraction.then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["it's"],
                "“It's” (it is) needs an apostrophe; “its” means belonging to it.".into(),
            )
        });
    }
    if t.is_any(&["it's", "it’s"]) {
        // "it's screen cracked": a noun and then a verb can only follow the possessive.
        let mut j = i + 1;
        while s.get(j).is_some_and(|w| w.tagged(UPOS::ADJ)) {
            j += 1;
        }
        let noun = s
            .get(j)
            .is_some_and(|w| w.tagged(UPOS::NOUN) && !w.is_any(&["time", "fun", "lot"]));
        let verb = s.get(j + 1).is_some_and(|w| {
            (w.tagged(UPOS::VERB) || w.tagged(UPOS::AUX)) && !w.lower.ends_with("ing")
        });
        return (noun && verb).then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["its"],
                format!(
                    "“{}” means “it is”; for belonging to it, write “its”.",
                    t.text
                ),
            )
        });
    }
    None
}

const LINKING: &[&str] = &[
    "is", "was", "are", "were", "be", "been", "being", "am", "'s", "’s", "feel", "felt", "feels",
    "seem", "seems", "seemed", "look", "looks", "looked", "get", "got", "gets", "become", "became",
    "sound", "sounds",
];

/// "it was to hot", "me to." → "too": "to" before an adjective that ends the phrase, or at the end of
/// a sentence.
fn too(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    if !t.is("to") {
        return None;
    }
    let next = at(s, i, 1);
    let at_end = next.is_some_and(|n| matches!(n.text.as_str(), "." | "!" | "?"));
    // "uses to much plastic": "to much" is "too much" unless a verb follows ("to much-loved"?).
    let much =
        next.is_some_and(|n| n.is("much")) && at(s, i, 2).is_none_or(|a| !a.tagged(UPOS::VERB));
    let degree = at(s, i, -1).is_some_and(|p| {
        p.is_any(LINKING) || p.is_any(&["bit", "far", "way", "slightly", "rather", "little"])
    }) && next.is_some_and(|n| {
        n.tagged(UPOS::ADJ)
            || (n.kind.is_adjective() && !n.tagged(UPOS::NOUN))
            || n.is_any(&["much", "many", "late", "early", "far"])
    }) && at(s, i, 2)
        .is_none_or(|a| a.is_break() || a.is_any(&["to", "for", "and", "but", "that"]));
    (at_end || degree || much).then(|| {
        replace(
            t,
            LintKind::WordChoice,
            &["too"],
            "For “also” or “more than enough”, write “too”.".into(),
        )
    })
}

/// "quiet loud" → "quite"; "be quite" → "quiet".
fn quiet(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    let next = at(s, i, 1);
    if t.is("quiet") {
        // After "be", before an adjective it grades or "a lot": "was quiet loud", "is quiet a lot".
        let grades = at(s, i, -1).is_some_and(|p| p.is_any(LINKING))
            && next.is_some_and(|n| {
                n.tagged(UPOS::ADJ)
                    || (n.is("a") && at(s, i, 2).is_some_and(|a| a.is_any(&["lot", "bit", "few"])))
            });
        return grades.then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["quite"],
                "“Quiet” means not loud; for “very” or “fairly”, write “quite”.".into(),
            )
        });
    }
    if t.is("quite") {
        // "be quite so the baby sleeps": nothing after it for "quite" to grade.
        let after_be = at(s, i, -1).is_some_and(|p| {
            p.is_any(&[
                "be", "stay", "keep", "kept", "stayed", "was", "were", "is", "are",
            ])
        });
        let ends = next.is_none_or(|n| {
            n.is_break()
                || n.is_any(&[
                    "so", "and", "in", "during", "while", "for", "because", "when", "please",
                ])
        });
        return (after_be && ends).then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["quiet"],
                "“Quite” means very or fairly; for not loud, write “quiet”.".into(),
            )
        });
    }
    None
}

/// "two much noise" → "too": "two" counts things, it does not grade them.
fn two(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    let next = at(s, i, 1)?;
    let grades = t.is("two")
        && (next.is_any(&["much", "late", "early", "far", "long", "often"])
            || (next.tagged(UPOS::ADJ) && at(s, i, 2).is_none_or(|a| !a.is_noun())));
    if grades {
        return Some(replace(
            t,
            LintKind::WordChoice,
            &["too"],
            "For “more than enough”, write “too”; “two” is the number.".into(),
        ));
    }
    // "I have too brothers": before things counted, the number.
    let counts = t.is("too")
        && next.is_noun()
        && next.kind.is_plural_noun()
        && !next.kind.is_singular_noun()
        && at(s, i, -1)
            .is_some_and(|p| p.tagged(UPOS::VERB) || p.tagged(UPOS::AUX) || p.tagged(UPOS::ADP));
    counts.then(|| {
        replace(
            t,
            LintKind::WordChoice,
            &["two"],
            "For the number 2, write “two”; “too” means also or more than enough.".into(),
        )
    })
}

/// "there own names" → "their own": "own" after a possessive.
fn there_own(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    (t.is_any(&["there", "they're", "they’re"]) && at(s, i, 1).is_some_and(|n| n.is("own"))).then(
        || {
            replace(
                t,
                LintKind::WordChoice,
                &["their"],
                "For belonging to them, write “their”.".into(),
            )
        },
    )
}

/// "Anyone whose interested" → "who's"; "a woman who's bread" → "whose".
fn whose(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    let next = at(s, i, 1)?;
    if t.is("whose") {
        let verb_place = next.is_any(&[
            "not", "going", "been", "got", "gone", "coming", "never", "always", "still",
        ]) || (next.tagged(UPOS::ADJ) && at(s, i, 2).is_none_or(|a| !a.is_noun()))
            || (next.tagged(UPOS::VERB)
                && next.lower.ends_with("ing")
                && !at(s, i, 2).is_some_and(|a| a.is_noun()));
        return verb_place.then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["who's"],
                "“Who's” means “who is” or “who has”; “whose” means belonging to whom.".into(),
            )
        });
    }
    if t.is_any(&["who's", "who’s"]) {
        // A noun and then its verb: "who's bread was", "who's dog barks".
        let mut j = i + 1;
        while s.get(j).is_some_and(|w| w.tagged(UPOS::ADJ)) {
            j += 1;
        }
        let owned = s
            .get(j)
            .is_some_and(|w| w.is_noun() && !w.lower.ends_with("ing"));
        let verb = s
            .get(j + 1)
            .is_some_and(|w| w.tagged(UPOS::VERB) || w.tagged(UPOS::AUX));
        return (owned && verb).then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["whose"],
                format!(
                    "For belonging to someone, write “whose”; “{}” means “who is”.",
                    t.text
                ),
            )
        });
    }
    None
}

/// "the town were I live" → "where"; "the students where not interested" → "were".
fn were(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    let next = at(s, i, 1)?;
    let prev = at(s, i, -1)?;
    if t.is("were") {
        // A place, then a clause of its own: "the town were I live".
        // A place, then a clause of its own: "the town were I live", "the village were my
        // grandparents live".
        let subject_then_verb = (next.is_any(&["i", "we", "you", "they", "he", "she"])
            && at(s, i, 2).is_some_and(|v| v.tagged(UPOS::VERB)))
            || (next.is_any(&["my", "our", "your", "his", "her", "their", "the"])
                && s[i + 2..]
                    .iter()
                    .take(3)
                    .take_while(|w| !w.is_break())
                    .find(|w| !(w.is_noun() || w.tagged(UPOS::ADJ)))
                    .is_some_and(|v| v.tagged(UPOS::VERB) && !v.lower.ends_with("ing")));
        let clause = subject_then_verb && prev.is_noun();
        return clause.then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["where"],
                "For a place, write “where”; “were” is a form of “be”.".into(),
            )
        });
    }
    if t.is("where") {
        let subject =
            prev.is_any(&["we", "they", "you"]) || (prev.is_noun() && prev.kind.is_plural_noun());
        let verb_place = next.is_any(&[
            "not", "never", "very", "so", "really", "all", "also", "still", "always",
        ]) || (next.tagged(UPOS::VERB)
            && (next.lower.ends_with("ing") || next.lower.ends_with("ed")))
            || (next.tagged(UPOS::ADJ) && at(s, i, 2).is_none_or(|a| !a.is_noun()));
        return (subject && verb_place).then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["were"],
                "“Were” is a form of “be”; “where” is about a place.".into(),
            )
        });
    }
    None
}

/// "we will loose the match" → "lose": "loose" after a modal or "to" is the verb "lose".
fn loose(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    // "the button was (so) lose": after "be", the adjective "loose" is meant.
    let before_degree = match at(s, i, -1) {
        Some(p) if p.is_any(&["so", "very", "too", "quite", "really", "a"]) => at(s, i, -2),
        p => p,
    };
    if t.is("lose")
        && before_degree.is_some_and(|p| p.is_any(LINKING))
        && at(s, i, 1).is_none_or(|n| n.is_break() || n.is_any(&["and", "or", "but", "that"]))
    {
        return Some(replace(
            t,
            LintKind::WordChoice,
            &["loose"],
            "“Lose” is the verb; for not tight or not fixed, write “loose”.".into(),
        ));
    }
    let fix = match t.lower.as_str() {
        "loose" => "lose",
        "loosing" => "losing",
        _ => return None,
    };
    let mut p = i.checked_sub(1)?;
    while s[p].tagged(UPOS::ADV) && !s[p].is_any(MODAL_OR_TO) {
        p = p.checked_sub(1)?;
    }
    let prev = &s[p];
    let verb_place = if fix == "lose" {
        // After a modal or "to", or with an object ("I often loose my patience"): the verb.
        let object = at(s, i, 1).is_some_and(|n| {
            n.is_any(&[
                "my", "your", "his", "her", "our", "their", "the", "a", "an", "weight", "control",
                "interest", "track",
            ])
        });
        (prev.is_any(MODAL_OR_TO) || object)
            && !at(s, i, 1).is_some_and(|n| n.tagged(UPOS::NOUN) && n.is("end"))
    } else {
        prev.is_any(&[
            "am", "is", "are", "was", "were", "be", "been", "keep", "kept", "'re", "’re", "'m",
            "’m",
        ])
    };
    verb_place.then(|| {
        replace(
            t,
            LintKind::WordChoice,
            &[fix],
            format!("“{}” means not tight; the verb is “{fix}”.", t.text),
        )
    })
}

/// "your going to", "your making a mistake" → "you're"; "you're phone" → "your".
fn your(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    let next = at(s, i, 1)?;
    if t.is("your") {
        let ing = next.is_word() && next.lower.ends_with("ing") && next.kind.is_verb();
        let after = at(s, i, 2)
            .is_some_and(|a| a.is_any(OBJECT_START) || a.tagged(UPOS::ADV) || a.tagged(UPOS::ADP));
        // "If your making excuses, …": at the start of a clause, with no verb of its own after it, the
        // -ing word is the verb ("I love your cooking" and "your writing is good" are possessive).
        let clause_start = at(s, i, -1).is_none_or(|p| p.is_break() || p.is_any(CLAUSE_OPENERS));
        let no_verb_after = s[i + 2..]
            .iter()
            .take_while(|w| !w.is_break() && !w.is_any(&["and", "but", "or"]))
            .all(|w| !(w.tagged(UPOS::AUX) || (w.tagged(UPOS::VERB) && !w.lower.ends_with("ing"))));
        // "If your hungry": an adjective that no noun follows describes "you".
        let adjective = next.tagged(UPOS::ADJ)
            && clause_start
            && at(s, i, 2).is_none_or(|a| {
                a.is_break()
                    || a.tagged(UPOS::ADP)
                    || a.is_any(&["and", "to", "for", "about", "enough", "that"])
            });
        return ((ing && (after || (clause_start && no_verb_after))) || adjective).then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["you're"],
                format!(
                    "“{} {}” needs “you're” (you are); “your” means belonging to you.",
                    t.text, next.text
                ),
            )
        });
    }
    if t.is_any(&["you're", "you’re", "youre"]) {
        let noun = next.is_noun() && !next.lower.ends_with("ing") && !next.tagged(UPOS::ADJ);
        return noun.then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["your"],
                format!("“{}” means “you are”; before a noun, write “your”.", t.text),
            )
        });
    }
    None
}

/// "better then", "more expensive then" → "than"; "and than we" → "then".
fn then(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    let prev = at(s, i, -1)?;
    if t.is("then") {
        let comparative = prev.kind.is_comparative_adjective()
            || prev.is_any(COMPARATIVE)
            || (prev.tagged(UPOS::ADJ)
                && at(s, i, -2).is_some_and(|p| p.is_any(&["more", "less"])));
        let continues = at(s, i, 1).is_some_and(|n| n.is_word() || n.kind.is_number());
        // "more time looking at their screens then talking": the comparison started a few words back.
        let earlier = !prev.is_break()
            && !prev.is_any(&["and", "but", "or", "so"])
            && at(s, i, 1).is_some_and(|n| !n.is_any(SUBJECT))
            && s[i.saturating_sub(8)..i]
                .iter()
                .rev()
                .take_while(|w| !w.is_break() && !w.is("than"))
                .any(|w| w.is_any(&["more", "less", "fewer", "rather"]));
        return ((comparative || earlier) && continues).then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["than"],
                "After a comparison, write “than”; “then” is about time.".into(),
            )
        });
    }
    if t.is("than") {
        let after_and = prev.is_any(&["and", "but"]) || prev.text == ",";
        let subject_next = at(s, i, 1).is_some_and(|n| n.is_any(SUBJECT));
        let compared = s[..i].iter().rev().take(6).any(|w| {
            w.kind.is_comparative_adjective()
                || w.is_any(COMPARATIVE)
                || w.is_any(&["same", "different"])
        });
        return (after_and && subject_next && !compared).then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["then"],
                "For what happened next, write “then”; “than” compares.".into(),
            )
        });
    }
    None
}

/// "a bad affect on" → "effect" (a noun); "it will effect the" → "affect" (a verb).
fn affect(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    let prev = at(s, i, -1)?;
    let next = at(s, i, 1);
    let (fix, noun_place) = match t.lower.as_str() {
        "affect" => ("effect", true),
        "affects" => ("effects", true),
        "effect" => ("affect", false),
        "effects" => ("affects", false),
        "effected" => ("affected", false),
        _ => return None,
    };
    let wrong = if noun_place {
        let ends_phrase = next
            .is_none_or(|n| n.is_any(&["on", "of", "is", "was", "that", "and"]) || n.is_break());
        prev.is_any(NOUN_EFFECT_BEFORE) && ends_phrase
    } else {
        let object_next = next.is_some_and(|n| {
            (n.is_any(DETERMINER)
                || n.is_any(&[
                    "me",
                    "him",
                    "us",
                    "them",
                    "people",
                    "students",
                    "everyone",
                    "everybody",
                ]))
                && !n.is("change")
        });
        let verb_place = if t.lower == "effect" {
            prev.is_any(MODAL_OR_TO) || prev.is_any(&["does", "did", "do", "really", "also"])
        } else if t.lower == "effected" {
            // "The project effected them", "it has effected my sleep": not "effected change".
            prev.is_noun()
                || prev.is_any(&[
                    "it", "this", "that", "he", "she", "they", "has", "have", "had", "really",
                    "also", "badly", "deeply",
                ])
        } else {
            prev.is_any(&["it", "this", "that", "he", "she", "also", "really"])
        };
        verb_place && object_next
    };
    wrong.then(|| {
        let message = if noun_place {
            format!(
                "Here you need the noun “{fix}” (a result); “{}” is the verb.",
                t.text
            )
        } else {
            format!(
                "Here you need the verb “{fix}” (to change something); “{}” is the noun.",
                t.text
            )
        };
        replace(t, LintKind::WordChoice, &[fix], message)
    })
}

/// "everyone accept me" / "accept for" → "except"; "I will except the offer" → "accept".
fn accept(s: &[Tok], i: usize) -> Option<Lint> {
    let t = &s[i];
    let prev = at(s, i, -1);
    let next = at(s, i, 1);
    if t.is("accept") {
        // ", accept Mr Halvorsen": after a comma, before a name or a pronoun, it leaves someone out.
        let after_comma = prev.is_some_and(|p| p.text == ",")
            && next.is_some_and(|n| {
                (n.is_capitalized() && n.is_word())
                    || n.is_any(&["me", "him", "her", "us", "them", "one", "for"])
            });
        // "Everyone played accept my father": after a verb of what happened, it leaves someone out.
        let after_event = prev.is_some_and(|p| p.tagged(UPOS::VERB) && !p.is_any(MODAL_OR_TO))
            && next.is_some_and(|n| {
                n.is_any(&[
                    "my", "his", "her", "our", "their", "the", "me", "him", "us", "them",
                ]) || n.is_capitalized()
            });
        let exception = after_comma
            || after_event
            || next.is_some_and(|n| n.is("for"))
            || (prev.is_some_and(|p| {
                p.is_any(&[
                    "everyone",
                    "everybody",
                    "everything",
                    "all",
                    "nobody",
                    "nothing",
                    "anyone",
                ])
            }) && next.is_some_and(|n| {
                n.is_any(&["me", "him", "her", "us", "them", "one"])
                    || (n.is_capitalized() && n.is_word())
            }) && at(s, i, 2).is_none_or(|a| !a.is_any(&["as", "into", "to"])));
        return exception.then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["except"],
                "To leave someone or something out, write “except”; “accept” means to take or agree to.".into(),
            )
        });
    }
    if t.is("except") {
        // "I will except the offer", "I except that …": after a modal or a subject, it is the verb.
        let verb = (prev.is_some_and(|p| p.is_any(MODAL_OR_TO))
            && next.is_some_and(|n| n.is_any(DETERMINER)))
            || (prev.is_some_and(|p| p.is_any(&["i", "we", "you", "they"]))
                && next.is_some_and(|n| {
                    n.is_any(&[
                        "that", "it", "the", "your", "this", "his", "her", "my", "our",
                    ])
                }));
        return verb.then(|| {
            replace(
                t,
                LintKind::WordChoice,
                &["accept"],
                "To take or agree to something, write “accept”; “except” means leaving out.".into(),
            )
        });
    }
    None
}
