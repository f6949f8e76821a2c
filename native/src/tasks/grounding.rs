//! Keeping the tutor honest about the essay. Every quotation in a reply that is presented as the
//! student's words (a quoted phrase of three or more words, not introduced as a suggestion such as
//! "you could write …") must be a verbatim span of the current essay. After generation, each one is
//! checked; a near miss (the model "corrected" the student's sentence while quoting it, or quoted its
//! own earlier rewrite) is repaired to the essay's real sentence; a quotation of something the essay
//! does not say is removed with the sentence that makes the claim. Without an essay, nothing may be
//! quoted as the student's.

use std::ops::Range;

use once_cell::sync::Lazy;
use serde::Deserialize;

/// A quote shares at least this share of its words with an essay sentence to be repaired to it.
const REPAIR_OVERLAP: f64 = 0.5;
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Rules {
    /// Quotations shorter than this are word mentions ("use “their”"), not quotes of the essay.
    min_quote_words: usize,
    /// Words before a quotation that introduce the tutor's own suggestion, not the student's words.
    cues: Vec<String>,
    /// Words in a line ending with ':' that present the following lines as the student's words.
    block_introducers: Vec<String>,
    /// Words that show a sentence after such a line is the tutor talking again, not a quotation.
    commentary: Vec<String>,
    /// Words of a question that asks for the essay's own words: the answer is a quotation.
    quote_requests: Vec<String>,
}

/// Whether the question asks for the essay's own words ("Quote the sentence where …").
pub fn asks_to_quote(question: &str) -> bool {
    let q = question.to_lowercase();
    RULES.quote_requests.iter().any(|r| q.contains(r.as_str()))
}

/// From suggestion-cues.json: one source, which the chat test reads too (a unit test checks it parses).
static RULES: Lazy<Rules> =
    Lazy::new(|| serde_json::from_str(include_str!("suggestion-cues.json")).unwrap_or_default());

#[derive(Debug, PartialEq)]
struct Quotation {
    /// Byte range of the quoted text (inside the marks).
    start: usize,
    end: usize,
}

/// The reply with every quotation of the essay made verbatim, or removed.
/// `asked_to_quote`: the question asked for the essay's words ("Quote the sentence where …"), so the
/// whole reply is presented as them until the tutor speaks about them.
pub fn ground(reply: &str, essay: Option<&str>, asked_to_quote: bool) -> String {
    let mut out = ground_blocks(reply, essay, asked_to_quote.then_some(Block::Part));
    // Removing a sentence can pair the remaining straight quotes differently: check again until
    // nothing changes (each pass only removes or repairs, so this ends).
    for _ in 0..8 {
        let next = ground_quotations(&out, essay);
        if next == out {
            break;
        }
        out = next;
    }
    out
}

fn ground_quotations(reply: &str, essay: Option<&str>) -> String {
    // Edits on the reply as it is (byte ranges and their new text), applied at the end: two
    // quotations in one sentence must not remove it twice.
    let mut edits: Vec<(Range<usize>, &str)> = Vec::new();
    for q in quotations(reply) {
        let quoted = &reply[q.start..q.end];
        if quoted.split_whitespace().count() < RULES.min_quote_words.max(1)
            || is_suggestion(&reply[..q.start])
            || essay.is_some_and(|e| e.contains(quoted))
        {
            continue;
        }
        let edit = match essay.and_then(|e| repair(quoted, e)) {
            Some(real) => (q.start..q.end, real),
            None => (sentence_around(reply, q.start, q.end), ""),
        };
        // Overlapping edits become one: a removal takes in whatever it overlaps (two quotations in
        // one sentence); two repairs never overlap, as quotations don't.
        let (mut range, mut text) = edit;
        let mut keep = true;
        edits.retain(|(r, t)| {
            let overlaps = r.start < range.end && range.start < r.end;
            if overlaps && (t.is_empty() || text.is_empty()) {
                range = range.start.min(r.start)..range.end.max(r.end);
                text = "";
                return false;
            }
            keep &= !overlaps;
            true
        });
        if keep {
            edits.push((range, text));
        }
    }
    let mut out = reply.to_string();
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    for (range, text) in edits {
        if out.is_char_boundary(range.start)
            && range.end <= out.len()
            && out.is_char_boundary(range.end)
        {
            out.replace_range(range, text);
        }
    }
    tidy(&out)
}

/// Lines presented as the student's words ("The weakest sentence in my essay is:" and the lines after
/// it, up to a blank line): each sentence kept if the essay has it, repaired to the essay's sentence it
/// was meant to be, or removed.
fn ground_blocks(reply: &str, essay: Option<&str>, from_start: Option<Block>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut quoting: Option<Block> = from_start;
    // Blank lines right after the introducer belong to it; after quoted text, the first one ends a
    // sentence or paragraph ("The weakest sentence is:"), not the essay ("The student's essay:").
    let mut quoted_text = false;
    for line in reply.lines() {
        if line.trim().is_empty() {
            if quoted_text && quoting == Some(Block::Part) {
                quoting = None;
                quoted_text = false;
            }
            out.push(line.to_string());
            continue;
        }
        if quoting.is_some() {
            quoted_text = true;
            let mut parts: Vec<&str> = Vec::new();
            for s in sentences(line) {
                let verdict = match essay {
                    Some(e) if e.contains(s) => Some(s),
                    Some(e) => repair(s, e),
                    None => None,
                };
                match verdict {
                    Some(real) => parts.push(real),
                    // The tutor speaking again ("This sentence is clear."): the quotation is over,
                    // and the rest of the line is the tutor's.
                    None if is_commentary(s) => {
                        quoting = None;
                        let at = (s.as_ptr() as usize).wrapping_sub(line.as_ptr() as usize);
                        parts.push(line.get(at..).unwrap_or(s));
                        break;
                    }
                    None => {}
                }
            }
            out.push(parts.join(" "));
            // The tutor's line may itself present what follows ("The weakest sentence is:").
            if quoting.is_none() {
                quoting = introduces(line);
                quoted_text = false;
            }
            continue;
        }
        quoting = introduces(line);
        out.push(line.to_string());
    }
    out.join("\n")
}

/// What an introducer presents: the whole essay ("The student's essay:"), or a part of it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    Essay,
    Part,
}

/// A sentence in which the tutor talks about the essay rather than quoting it.
fn is_commentary(sentence: &str) -> bool {
    let w = words(sentence);
    RULES.commentary.iter().any(|c| w.iter().any(|x| x == c))
}

/// A line that presents what follows as the student's words, not as the tutor's suggestion.
fn introduces(line: &str) -> Option<Block> {
    let l = line.trim().to_lowercase();
    let presents = l.ends_with(':')
        && RULES
            .block_introducers
            .iter()
            .any(|w| l.contains(w.as_str()))
        && !RULES.cues.iter().any(|c| l.contains(c.as_str()));
    let part = [
        "sentence",
        "paragraph",
        "introduction",
        "conclusion",
        "quote",
    ]
    .iter()
    .any(|w| l.contains(w));
    presents.then_some(if part { Block::Part } else { Block::Essay })
}

/// The quotations of `reply` presented as the student's words (the fuzz target's check).
pub fn quotes_of_the_student(reply: &str) -> Vec<&str> {
    quotations(reply)
        .into_iter()
        .map(|q| &reply[q.start..q.end])
        .filter(|quoted| quoted.split_whitespace().count() >= RULES.min_quote_words.max(1))
        .filter(|quoted| {
            let at = (quoted.as_ptr() as usize).wrapping_sub(reply.as_ptr() as usize);
            !is_suggestion(reply.get(..at).unwrap_or(""))
        })
        .collect()
}

/// Quotations in straight or curly double quotes: “…” and "…".
fn quotations(text: &str) -> Vec<Quotation> {
    let mut out = Vec::new();
    let mut open: Option<(usize, char)> = None;
    for (i, c) in text.char_indices() {
        match (open, c) {
            (None, '“') => open = Some((i + c.len_utf8(), '”')),
            (None, '"') => open = Some((i + 1, '"')),
            (Some((start, close)), c) if c == close => {
                out.push(Quotation { start, end: i });
                open = None;
            }
            // A paragraph break ends an unclosed quotation: nothing is quoted across it.
            (Some(_), '\n') => open = None,
            _ => {}
        }
    }
    out
}

fn is_suggestion(before: &str) -> bool {
    let start = before.char_indices().rev().nth(40).map_or(0, |(i, _)| i);
    let window = before[start..].to_lowercase();
    RULES.cues.iter().any(|cue| window.contains(cue.as_str()))
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('’', "'"))
        .collect()
}

/// The essay sentence the quotation was meant to be (most of its words in common), verbatim.
fn repair<'a>(quoted: &str, essay: &'a str) -> Option<&'a str> {
    let q = words(quoted);
    let mut best: Option<(f64, &str)> = None;
    for sentence in sentences(essay) {
        let s = words(sentence);
        if s.is_empty() {
            continue;
        }
        let shared = q.iter().filter(|w| s.contains(w)).count();
        let overlap = shared as f64 / q.len().max(s.len()) as f64;
        if overlap >= REPAIR_OVERLAP && best.is_none_or(|(b, _)| overlap > b) {
            best = Some((overlap, sentence));
        }
    }
    best.map(|(_, s)| s)
}

/// The essay's sentences, trimmed, as slices of it.
fn sentences(essay: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in essay.char_indices() {
        let end = i + c.len_utf8();
        let boundary = matches!(c, '.' | '!' | '?' | '\n')
            && essay[end..].chars().next().is_none_or(char::is_whitespace);
        if boundary {
            let s = essay[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let s = essay[start..].trim();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

/// Removes the sentence of `text` that holds bytes `start..end`.
/// The bytes of the sentence of `text` that holds `start..end` (with its closing marks).
fn sentence_around(text: &str, start: usize, end: usize) -> Range<usize> {
    let from = text[..start]
        .rfind(['.', '!', '?', '\n'])
        .map_or(0, |i| i + 1);
    // A quotation that ends its own sentence ("… gold.”) ends the claim with its closing mark.
    let to = if text[start..end].trim_end().ends_with(['.', '!', '?']) {
        end + text[end..].chars().next().map_or(0, char::len_utf8)
    } else {
        text[end..]
            .find(['.', '!', '?', '\n'])
            .map_or(text.len(), |i| end + i + 1)
    };
    let to = text[to..]
        .char_indices()
        .find(|(_, c)| !matches!(c, '"' | '”' | ')'))
        .map_or(text.len(), |(i, _)| to + i);
    from..to
}

fn tidy(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut out = lines.join("\n");
    while out.contains("  ") {
        out = out.replace("  ", " ");
    }
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESSAY: &str = "Why Libraries Matter\n\nThe librarians helps students every day. Their is a quiet room for homework.\n\nA town without a library loses something.";

    #[test]
    fn the_cue_list_parses() {
        assert!(RULES.cues.len() > 10);
        assert!(RULES.cues.iter().any(|c| c == "could write"));
        assert_eq!(RULES.min_quote_words, 3);
    }

    #[test]
    fn verbatim_quotes_stay() {
        let r = "You wrote “The librarians helps students every day.” Use “help”.";
        assert_eq!(ground(r, Some(ESSAY), false), r);
    }

    #[test]
    fn a_corrected_quote_is_repaired_to_the_essay_sentence() {
        let r =
            "The mistake is in \"The librarians help students every day.\" The verb should agree.";
        let g = ground(r, Some(ESSAY), false);
        assert!(
            g.contains("\"The librarians helps students every day.\""),
            "{g}"
        );
    }

    #[test]
    fn an_invented_quote_is_removed_with_its_claim() {
        let r = "Good work. You wrote “Libraries are full of dragons and gold.” Keep going.";
        assert_eq!(ground(r, Some(ESSAY), false), "Good work. Keep going.");
    }

    #[test]
    fn suggestions_and_word_mentions_are_not_quotes_of_the_essay() {
        let r = "You could write “The librarians help students every day.” Also use “there is”.";
        assert_eq!(ground(r, Some(ESSAY), false), r);
    }

    #[test]
    fn without_an_essay_nothing_is_quoted_as_the_students() {
        let r = "In your essay you say “my town needs a library today.” That is a strong point.";
        assert_eq!(ground(r, None, false), "That is a strong point.");
    }

    #[test]
    fn lines_presented_as_the_essay_are_checked_too() {
        let r = "The weakest sentence in my essay is:\n\nThe librarians help students every day.\n\nIt needs a verb that agrees.";
        assert_eq!(
            ground(r, Some(ESSAY), false),
            "The weakest sentence in my essay is:\n\nThe librarians helps students every day.\n\nIt needs a verb that agrees."
        );
        let invented =
            "The student's essay:\nDragons guard the gold in every cave.\n\nThis essay is short.";
        assert_eq!(
            ground(invented, Some(ESSAY), false),
            "The student's essay:\n\nThis essay is short."
        );
        // The whole essay "quoted" with a sentence changed: repaired, across paragraphs.
        let retold = "The student's essay:\n\nWhy Libraries Matter\n\nThe librarians help students every day. Their is a quiet room for homework.\n\nYour essay is clear.";
        assert_eq!(
            ground(retold, Some(ESSAY), false),
            "The student's essay:\n\nWhy Libraries Matter\n\nThe librarians helps students every day. Their is a quiet room for homework.\n\nYour essay is clear."
        );
        let suggestion = "A better sentence could be:\nThe librarians help every student.";
        assert_eq!(ground(suggestion, Some(ESSAY), false), suggestion);
    }

    #[test]
    fn two_invented_quotations_in_one_sentence_remove_it_once() {
        let r = "I would change \"the main point of the essay\" to \"the key point of the essay\" for consistency. Good luck.";
        assert_eq!(ground(r, Some(ESSAY), false), "Good luck.");
        assert_eq!(ground(r, None, false), "Good luck.");
    }

    #[test]
    fn an_introducer_inside_a_quote_request_starts_a_new_quotation() {
        let r = "The weakest sentence in my essay is:\n\nThe librarians help students every day.";
        assert_eq!(
            ground(r, Some(ESSAY), true),
            "The weakest sentence in my essay is:\n\nThe librarians helps students every day."
        );
    }

    #[test]
    fn an_answer_to_a_quote_request_is_a_quotation() {
        assert!(asks_to_quote("Quote the sentence where I make my point."));
        let invented = "The night was dark and stormy everywhere.";
        assert_eq!(ground(invented, Some(ESSAY), true), "");
        let near = "The librarians help students every day. This is your main point.";
        assert_eq!(
            ground(near, Some(ESSAY), true),
            "The librarians helps students every day. This is your main point."
        );
    }

    #[test]
    fn quotes_with_accents_emoji_and_cjk_are_checked_verbatim() {
        let essay = "Mon café 😀 est très “bon”. 你好世界 is here.";
        let r = "You wrote \"Mon café 😀 est très\" and it is lovely.";
        assert_eq!(ground(r, Some(essay), false), r);
        let wrong = "You wrote \"Mon café est très bien\" today.";
        assert!(ground(wrong, Some(essay), false).contains("Mon café 😀 est très “bon”."));
    }
}
