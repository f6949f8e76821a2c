//! Paragraphs, sentences and words with their byte ranges in the essay (UAX #29 sentence and word
//! boundaries from `unicode-segmentation`).

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

pub struct Word<'a> {
    pub text: &'a str,
    pub range: Range<usize>,
}

pub struct Sentence<'a> {
    pub text: &'a str,
    pub range: Range<usize>,
    pub words: Vec<Word<'a>>,
}

pub struct Paragraph<'a> {
    pub text: &'a str,
    pub range: Range<usize>,
    pub sentences: Vec<Sentence<'a>>,
}

pub struct Essay<'a> {
    pub text: &'a str,
    pub paragraphs: Vec<Paragraph<'a>>,
}

impl<'a> Essay<'a> {
    pub fn segment(text: &'a str) -> Self {
        let paragraphs = paragraph_ranges(text)
            .into_iter()
            .map(|r| paragraph(text, r))
            .filter(|p| !p.sentences.is_empty())
            .collect();
        Essay { text, paragraphs }
    }

    pub fn sentences(&self) -> impl Iterator<Item = &Sentence<'a>> {
        self.paragraphs.iter().flat_map(|p| p.sentences.iter())
    }

    pub fn words(&self) -> impl Iterator<Item = &Word<'a>> {
        self.sentences().flat_map(|s| s.words.iter())
    }
}

/// Paragraphs are separated by blank lines. A text with no blank line but several lines uses one line
/// per paragraph (how many students paste essays), except that a line ending mid-sentence continues
/// on the next (hard-wrapped text).
fn paragraph_ranges(text: &str) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        lines.push(at..at + line.trim_end_matches(['\n', '\r']).len());
        at += line.len();
    }
    let blank = |r: &Range<usize>| text[r.clone()].trim().is_empty();
    let has_blank_separator = lines.iter().any(blank);
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut current: Option<Range<usize>> = None;
    for line in lines {
        if blank(&line) {
            out.extend(current.take());
            continue;
        }
        let continues = match &current {
            None => false,
            Some(_) if has_blank_separator => true,
            Some(c) => wraps(&text[c.clone()], &text[line.clone()]),
        };
        current = Some(match current.take() {
            Some(c) if continues => c.start..line.end,
            Some(c) => {
                out.push(c);
                line
            }
            None => line,
        });
    }
    out.extend(current);
    out.into_iter().map(|r| trimmed(text, r)).collect()
}

/// Whether `next` continues the sentence that `prev` ends in: no closing punctuation, or a lowercase
/// start.
fn wraps(prev: &str, next: &str) -> bool {
    let ends_sentence = prev
        .trim_end()
        .ends_with(['.', '!', '?', ':', '"', '\u{201D}', ')']);
    let lower_start = next
        .trim_start()
        .chars()
        .next()
        .is_some_and(char::is_lowercase);
    !ends_sentence || lower_start
}

fn trimmed(text: &str, r: Range<usize>) -> Range<usize> {
    let s = &text[r.clone()];
    let start = r.start + (s.len() - s.trim_start().len());
    let end = r.start + s.trim_end().len();
    start..end.max(start)
}

fn paragraph(text: &str, range: Range<usize>) -> Paragraph<'_> {
    let body = &text[range.clone()];
    // Line breaks inside a paragraph are wrapping, not sentence ends (UAX #29 would split there). The
    // replacement keeps every byte offset.
    let flat = body.replace(['\n', '\r'], " ");
    let sentences = flat
        .split_sentence_bound_indices()
        .map(|(i, s)| trimmed(text, range.start + i..range.start + i + s.len()))
        .filter(|r| !r.is_empty())
        .map(|r| sentence(text, r))
        .filter(|s| !s.words.is_empty())
        .collect();
    Paragraph {
        text: body,
        range,
        sentences,
    }
}

fn sentence(text: &str, range: Range<usize>) -> Sentence<'_> {
    let body = &text[range.clone()];
    let words = body
        .unicode_word_indices()
        .map(|(i, w)| Word {
            text: w,
            range: range.start + i..range.start + i + w.len(),
        })
        .collect();
    Sentence {
        text: body,
        range,
        words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_separate_paragraphs_and_sentences_follow_uax29() {
        let text = "Title here\n\nFirst one. Second one!\nStill second paragraph?\n\n\n  Last.  \n";
        let e = Essay::segment(text);
        let paras: Vec<&str> = e.paragraphs.iter().map(|p| p.text).collect();
        assert_eq!(
            paras,
            [
                "Title here",
                "First one. Second one!\nStill second paragraph?",
                "Last."
            ]
        );
        let sentences: Vec<&str> = e.paragraphs[1].sentences.iter().map(|s| s.text).collect();
        assert_eq!(
            sentences,
            ["First one.", "Second one!", "Still second paragraph?"]
        );
        for s in e.sentences() {
            assert_eq!(&text[s.range.clone()], s.text);
            for w in &s.words {
                assert_eq!(&text[w.range.clone()], w.text);
            }
        }
    }

    #[test]
    fn one_line_per_paragraph_without_blank_lines() {
        let e = Essay::segment("One para here.\nAnother para.\r\nThird.");
        assert_eq!(e.paragraphs.len(), 3);
        assert_eq!(e.paragraphs[1].text, "Another para.");
        // Hard-wrapped lines stay one paragraph.
        let e = Essay::segment(
            "A sentence that wraps\nonto a second line. And another\nOne here.\nNew para.",
        );
        let paras: Vec<&str> = e.paragraphs.iter().map(|p| p.text).collect();
        assert_eq!(
            paras,
            [
                "A sentence that wraps\nonto a second line. And another\nOne here.",
                "New para."
            ]
        );
        let first: Vec<&str> = e.paragraphs[0].sentences.iter().map(|s| s.text).collect();
        assert_eq!(
            first,
            [
                "A sentence that wraps\nonto a second line.",
                "And another\nOne here."
            ]
        );
    }

    #[test]
    fn words_of_any_script() {
        let e = Essay::segment("Café naïve 😀 东京 don't");
        let words: Vec<&str> = e.words().map(|w| w.text).collect();
        assert_eq!(words, ["Café", "naïve", "东", "京", "don't"]);
    }
}
