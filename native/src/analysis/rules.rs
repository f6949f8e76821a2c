//! Our style rules, for what Harper has no rule for: passive voice, sentences starting alike, a word
//! repeated nearby, long sentences, one-sentence paragraphs. Each finding points at the exact words it
//! is about. Rules are deliberately conservative: a student should not have to argue with a false
//! alarm.

use std::collections::HashMap;
use std::ops::Range;

use super::segment::{Essay, Sentence, Word};
use super::{Category, Finding};

fn found(rule: &str, category: Category, range: Range<usize>, message: String) -> Finding {
    Finding {
        rule: rule.into(),
        range,
        message,
        category,
        suggestions: Vec::new(),
    }
}

/// Words in a sentence above which it is flagged as long.
pub const LONG_SENTENCE_WORDS: usize = 35;
/// Two uses of the same content word closer than this many words are flagged.
const REPEAT_WINDOW: usize = 12;
/// Sentences in a row that start with the same word before it is flagged.
const SAME_OPENING_RUN: usize = 3;
/// At most this many findings per rule, so one habit does not bury everything else.
pub const MAX_PER_RULE: usize = 6;

pub fn check(essay: &Essay) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut add = |found: Vec<Finding>| out.extend(found.into_iter().take(MAX_PER_RULE));
    add(repeated_words(essay));
    add(long_sentences(essay));
    add(repeated_openings(essay));
    add(passive_voice(essay));
    add(one_sentence_paragraphs(essay));
    out.sort_by_key(|f| (f.range.start, f.range.end));
    out
}

fn lower(w: &str) -> String {
    w.to_lowercase()
}

/// A content word used again within a few words (same paragraph); flags the second use.
fn repeated_words(essay: &Essay) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in &essay.paragraphs {
        let words: Vec<&Word> = p.sentences.iter().flat_map(|s| s.words.iter()).collect();
        let mut flagged: Vec<String> = Vec::new();
        let mut last_seen: HashMap<String, usize> = HashMap::new();
        for (i, w) in words.iter().enumerate() {
            let key = lower(w.text);
            if key.chars().count() < 4 || STOPWORDS.contains(&key.as_str()) {
                continue;
            }
            if let Some(&j) = last_seen.get(&key) {
                // Adjacent repeats are double-word's; a word is flagged once per paragraph.
                if i - j > 1 && i - j <= REPEAT_WINDOW && !flagged.contains(&key) {
                    out.push(found(
                        "repeated-word",
                        Category::Style,
                        w.range.clone(),
                        format!(
                            "“{}” is used again only {} words later; try a synonym or rephrase.",
                            w.text,
                            i - j
                        ),
                    ));
                    flagged.push(key.clone());
                }
            }
            last_seen.insert(key, i);
        }
    }
    out
}

fn long_sentences(essay: &Essay) -> Vec<Finding> {
    essay
        .sentences()
        .filter(|s| s.words.len() > LONG_SENTENCE_WORDS)
        .map(|s| {
            found(
                "long-sentence",
                Category::Clarity,
                s.range.clone(),
                format!(
                    "This sentence has {} words; splitting it would make it easier to follow.",
                    s.words.len()
                ),
            )
        })
        .collect()
}

/// Three or more sentences in a row beginning with the same word; flags the opening of each repeat.
fn repeated_openings(essay: &Essay) -> Vec<Finding> {
    let sentences: Vec<&Sentence> = essay.sentences().collect();
    let opening = |s: &Sentence| s.words.first().map(|w| lower(w.text));
    let mut out = Vec::new();
    let mut i = 0;
    while i < sentences.len() {
        let first = opening(sentences[i]);
        let run = sentences[i..]
            .iter()
            .take_while(|s| opening(s) == first)
            .count();
        if run >= SAME_OPENING_RUN {
            if let Some(w) = sentences[i + run - 1].words.first() {
                out.push(found(
                    "repeated-opening",
                    Category::Style,
                    w.range.clone(),
                    format!(
                        "{run} sentences in a row begin with “{}”; vary how your sentences start.",
                        w.text
                    ),
                ));
            }
        }
        i += run.max(1);
    }
    out
}

/// A form of "to be", maybe an -ly adverb, then a past participle: "was made", "were quickly sold".
fn passive_voice(essay: &Essay) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in essay.sentences() {
        let w = &s.words;
        for i in 0..w.len() {
            if !BE.contains(&lower(w[i].text).as_str()) {
                continue;
            }
            let mut j = i + 1;
            if j < w.len() && lower(w[j].text).ends_with("ly") && w[j].text.len() > 3 {
                j += 1;
            }
            if j < w.len() && is_participle(&lower(w[j].text)) {
                out.push(found(
                    "passive-voice",
                    Category::Style,
                    w[i].range.start..w[j].range.end,
                    format!(
                        "“{}” may be passive voice; saying who does it is often clearer.",
                        &essay.text[w[i].range.start..w[j].range.end]
                    ),
                ));
                break; // one per sentence
            }
        }
    }
    out
}

fn is_participle(w: &str) -> bool {
    if NOT_PARTICIPLES.contains(&w) {
        return false;
    }
    (w.len() > 4 && w.ends_with("ed")) || IRREGULAR_PARTICIPLES.contains(&w)
}

/// Paragraphs of one sentence, when the essay has at least three paragraphs. A short line without a
/// full stop is a title or heading, not a paragraph.
fn one_sentence_paragraphs(essay: &Essay) -> Vec<Finding> {
    let paras = &essay.paragraphs;
    if paras.len() < 3 {
        return Vec::new();
    }
    paras
        .iter()
        .filter(|p| {
            let [s] = p.sentences.as_slice() else {
                return false;
            };
            let heading = s.words.len() < 12 && !s.text.trim_end().ends_with(['.', '!', '…']);
            !heading
        })
        .map(|p| {
            found(
                "one-sentence-paragraph",
                Category::Structure,
                p.range.clone(),
                "This paragraph is a single sentence; develop the point or join it to a neighbouring paragraph.".into(),
            )
        })
        .collect()
}

const BE: &[&str] = &["am", "is", "are", "was", "were", "be", "been", "being"];

const NOT_PARTICIPLES: &[&str] = &[
    "tired",
    "interested",
    "excited",
    "bored",
    "worried",
    "scared",
    "surprised",
    "pleased",
    "satisfied",
    "concerned",
    "supposed",
    "used",
    "married",
    "confused",
    "embarrassed",
    "frightened",
    "annoyed",
    "exhausted",
    "prepared",
    "related",
    "based",
    "need",
    "indeed",
    "proud",
    "ashamed",
    "determined",
    "convinced",
    "unlimited",
    "limited",
    "talented",
    "crowded",
];

const IRREGULAR_PARTICIPLES: &[&str] = &[
    "made",
    "done",
    "given",
    "taken",
    "written",
    "seen",
    "known",
    "shown",
    "found",
    "built",
    "told",
    "held",
    "kept",
    "brought",
    "thought",
    "bought",
    "caught",
    "taught",
    "sent",
    "spent",
    "paid",
    "said",
    "sold",
    "understood",
    "chosen",
    "broken",
    "spoken",
    "stolen",
    "driven",
    "eaten",
    "forgotten",
    "hidden",
    "beaten",
    "drawn",
    "grown",
    "thrown",
    "begun",
    "won",
    "led",
    "fed",
    "met",
    "lost",
    "heard",
    "felt",
    "set",
    "put",
    "cut",
    "hit",
    "blown",
    "flown",
    "worn",
    "torn",
    "born",
    "sworn",
    "woken",
    "frozen",
    "ridden",
    "shaken",
    "struck",
    "stuck",
    "hung",
    "sung",
    "swum",
    "drunk",
    "sunk",
    "spun",
    "dug",
    "bent",
    "burnt",
    "dealt",
    "fought",
    "hurt",
    "laid",
    "lent",
    "lit",
    "meant",
    "proven",
    "shot",
    "shut",
    "spread",
    "swept",
    "wound",
    "bitten",
    "hidden",
    "forgiven",
    "overtaken",
    "mistaken",
    "withdrawn",
];

const STOPWORDS: &[&str] = &[
    "that", "this", "these", "those", "with", "from", "have", "has", "had", "been", "were", "they",
    "their", "them", "there", "then", "than", "what", "when", "where", "which", "while", "would",
    "could", "should", "will", "your", "about", "also", "into", "more", "most", "some", "such",
    "only", "very", "just", "because", "other", "many", "much", "even", "each", "does", "doing",
    "over", "after", "before", "being", "both", "same", "like", "make", "made", "take", "well",
    "here", "said", "says", "upon", "within", "without", "through", "students", "student",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str) -> Vec<(String, String)> {
        check(&Essay::segment(text))
            .into_iter()
            .map(|f| (f.rule, text[f.range].to_string()))
            .collect()
    }

    fn has(text: &str, rule: &str, quote: &str) {
        let f = find(text);
        assert!(
            f.iter().any(|(r, q)| *r == rule && q == quote),
            "{rule} {quote:?} not in {f:?}"
        );
    }

    #[test]
    fn each_rule_finds_its_problem() {
        has(
            "The garden was lovely. Our garden has roses.",
            "repeated-word",
            "garden",
        );
        has(
            "The report was written by Sam.",
            "passive-voice",
            "was written",
        );
        has(
            "Taxes were quickly raised.",
            "passive-voice",
            "were quickly raised",
        );
        has("I like it. I want it. I need it.", "repeated-opening", "I");
        let long = format!("This {} ends.", "very long ".repeat(20));
        has(&long, "long-sentence", long.trim());
        has(
            "Title\n\nOne. Two.\n\nAlone here.\n\nPart 2\n\nThree. Four.",
            "one-sentence-paragraph",
            "Alone here.",
        );
        let f = find("Title\n\nOne. Two.\n\nAlone here.\n\nPart 2\n\nThree. Four.");
        assert_eq!(f.len(), 1, "headings are not paragraphs: {f:?}");
    }

    #[test]
    fn no_false_alarms_on_plain_prose() {
        let clean = "Should Schools Start Later?\n\nMany students feel tired. I felt the same way. Teachers agree with this view.\n\nOne district tried it. Grades rose and absences fell.\n\nIn short, later starts help.";
        let f = find(clean);
        assert!(
            f.iter().all(|(r, _)| *r == "one-sentence-paragraph"),
            "{f:?}"
        );
        assert_eq!(f.len(), 1, "only the one-line conclusion: {f:?}");
        assert!(find("She had had enough. He said that that was fine.").is_empty());
    }

    #[test]
    fn findings_are_capped_per_rule() {
        let text = "It was made. ".repeat(20);
        assert_eq!(
            find(&text)
                .iter()
                .filter(|(r, _)| *r == "passive-voice")
                .count(),
            MAX_PER_RULE
        );
    }
}
