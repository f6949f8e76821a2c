use harper_core::spell::{Dictionary, FstDictionary};
use harper_core::{Document, TokenStringExt};
fn main() {
    let dict = FstDictionary::curated();
    for text in std::env::args().skip(1) {
        let doc = Document::new_plain_english(&text, &dict);
        let src = doc.get_source();
        for s in doc.iter_sentences() {
            let mut line = String::new();
            for t in s.iter().filter(|t| !t.kind.is_whitespace()) {
                let w = t.get_str(src);
                let tag = match &t.kind { harper_core::TokenKind::Word(Some(m)) => format!("{:?}{}{}{}{}", m.pos_tag, if t.kind.is_plural_noun(){"/pl"}else{""}, if t.kind.is_singular_noun(){"/sg"}else{""}, if t.kind.is_verb_lemma(){"/lem"}else{""}, if m.common {"/c"} else {""}), harper_core::TokenKind::Word(None) => "OOV".into(), k => format!("{k:?}").chars().take(12).collect() };
                line.push_str(&format!("{w}[{tag}] "));
            }
            println!("{line}");
        }
    }
    for w in ["definately", "untill", "becuase"] {
        let chars: Vec<char> = w.chars().collect();
        for d in 1..=3u8 {
            let r = harper_core::spell::suggest_correct_spelling(&chars, 200, d, &*dict);
            println!("{w} d{d}: {:?}", r.iter().take(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>());
        }
    }
}
#[allow(dead_code)]
fn _x() {}
