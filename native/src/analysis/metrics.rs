//! Counts and readability. Flesch reading ease and Flesch–Kincaid grade are English formulas; for
//! other languages they are reported but mean little.

use serde::Serialize;

use super::segment::Essay;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    pub words: usize,
    pub sentences: usize,
    pub paragraphs: usize,
    pub characters: usize,
    pub avg_sentence_length: f64,
    pub flesch_reading_ease: f64,
    pub flesch_kincaid_grade: f64,
}

impl Metrics {
    pub fn of(essay: &Essay) -> Self {
        let words = essay.words().count();
        let sentences = essay.sentences().count();
        let syllables: usize = essay.words().map(|w| syllables(w.text)).sum();
        let (w, s) = (words.max(1) as f64, sentences.max(1) as f64);
        let per_sentence = w / s;
        let per_word = syllables as f64 / w;
        Metrics {
            words,
            sentences,
            paragraphs: essay.paragraphs.len(),
            characters: essay.text.encode_utf16().count(),
            avg_sentence_length: round1(per_sentence),
            flesch_reading_ease: round1(206.835 - 1.015 * per_sentence - 84.6 * per_word),
            flesch_kincaid_grade: round1(0.39 * per_sentence + 11.8 * per_word - 15.59),
        }
    }
}

fn round1(x: f64) -> f64 {
    if x.is_finite() {
        (x * 10.0).round() / 10.0
    } else {
        0.0
    }
}

/// English syllables by vowel groups, with a silent final "e" (but not "-le"); at least one.
pub fn syllables(word: &str) -> usize {
    let w: Vec<char> = word
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    if w.is_empty() {
        return 1;
    }
    let vowel = |c: char| "aeiouyàáâäèéêëìíîïòóôöùúûü".contains(c);
    let mut groups = 0;
    let mut prev = false;
    for &c in &w {
        let v = vowel(c);
        if v && !prev {
            groups += 1;
        }
        prev = v;
    }
    let n = w.len();
    // Silent final "e" ("make"), but "-le" after a consonant is a syllable ("table").
    let consonant_le = n > 2 && w[n - 2] == 'l' && !vowel(w[n - 3]);
    if n > 2 && w[n - 1] == 'e' && !vowel(w[n - 2]) && !consonant_le {
        groups -= 1;
    }
    if n > 3 && w.ends_with(&['e', 's']) && !vowel(w[n - 3]) && !"scxzgh".contains(w[n - 3]) {
        groups -= 1;
    }
    groups.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllable_counts() {
        for (w, n) in [
            ("cat", 1),
            ("table", 2),
            ("make", 1),
            ("reading", 2),
            ("education", 4),
            ("students", 2),
            ("the", 1),
            ("schedules", 2),
            ("boxes", 2),
            ("42", 1),
        ] {
            assert_eq!(syllables(w), n, "{w}");
        }
    }

    #[test]
    fn flesch_on_a_known_passage() {
        // 2 sentences, 12 words, 14 syllables: 206.835 - 1.015*6 - 84.6*14/12 = 102.0;
        // 0.39*6 + 11.8*14/12 - 15.59 = 0.5.
        let m = Metrics::of(&Essay::segment(
            "The cat sat on the mat. It was a very sunny day.",
        ));
        assert_eq!((m.words, m.sentences, m.paragraphs), (12, 2, 1));
        assert_eq!(m.avg_sentence_length, 6.0);
        assert_eq!(m.flesch_reading_ease, 102.0);
        assert_eq!(m.flesch_kincaid_grade, 0.5);
    }

    #[test]
    fn empty_text_has_finite_metrics() {
        let m = Metrics::of(&Essay::segment("   "));
        assert_eq!(m.words, 0);
        assert!(m.flesch_reading_ease.is_finite());
    }
}
