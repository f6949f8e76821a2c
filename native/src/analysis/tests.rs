//! The checker on sentences written for these tests (not the evaluation essays): each rule finds its
//! mistake with the right fix, and leaves the correct look-alike alone.

use std::collections::HashSet;

use super::{analyze, Category, Dialect, Finding};
use crate::tasks::check::comment_of;

fn findings(text: &str) -> Vec<Finding> {
    analyze(text, Dialect::Auto, &HashSet::new())
        .findings
        .into_iter()
        .filter(|f| f.category.is_mistake())
        .collect()
}

/// The mistake found on `wrong`, with `fix` as its first suggestion.
fn fixes(text: &str, wrong: &str, fix: &str) {
    let found = findings(text);
    let hit = found.iter().find(|f| &text[f.range.clone()] == wrong);
    let hit = hit.unwrap_or_else(|| panic!("{wrong:?} not flagged in {text:?}: {found:?}"));
    assert_eq!(
        hit.suggestions.first().map(String::as_str),
        Some(fix),
        "{text:?}: {hit:?}"
    );
}

fn clean(text: &str) {
    let found = findings(text);
    assert!(found.is_empty(), "false alarm in {text:?}: {found:?}");
}

#[test]
fn spelling_with_suggestions() {
    fixes("We went to the libary after school.", "libary", "library");
    fixes("I beleive that is true.", "beleive", "believe");
    fixes("Realy, nobody came.", "Realy", "Really");
    // Two slips side by side are both found (a foreign phrase is not).
    fixes("We go to the libary tomorow.", "libary", "library");
    fixes("We go to the libary tomorow.", "tomorow", "tomorrow");
    fixes("I know wich one is mine.", "wich", "which");
    fixes("The view was beautifull today.", "beautifull", "beautiful");
    fixes(
        "We met on Wendsdays after school.",
        "Wendsdays",
        "Wednesdays",
    );
    fixes("My cousin speaks spanish at home.", "spanish", "Spanish");
    clean("We visited Mr van der Merwe on the farm.");
    clean("Thandeka, who lives next door, came too.");
    clean("Mei-Ling plays the flute in the band.");
    clean("We celebrate Día de los Muertos every year.");
    clean("She greeted us with \"dia duit\" and a smile.");
}

#[test]
fn names_other_dialects_and_other_languages_are_not_misspellings() {
    clean("Yesterday Oluwakemi and Przemek visited Wrocław with their teacher.");
    clean("Oluwakemi is my friend, and she lives near the river.");
    clean("The colour of the theatre was grey, and we travelled home.");
    clean("My grandmother greeted us with \"dzień dobry\" at the door.");
    clean("We met Mrs. Wiśniewska and Mr. Okonkwo at the station.");
}

#[test]
fn the_dialect_is_found_or_set() {
    let british =
        "The colour of the theatre was grey, and we travelled home to organise the party.";
    assert_eq!(
        analyze(british, Dialect::Auto, &HashSet::new()).dialect,
        Dialect::British
    );
    assert_eq!(
        analyze(british, Dialect::American, &HashSet::new()).dialect,
        Dialect::American
    );
    // A valid spelling of another dialect is never a misspelling, whichever is set.
    let found = analyze(british, Dialect::American, &HashSet::new()).findings;
    assert!(
        found.iter().all(|f| f.category != Category::Spelling),
        "{found:?}"
    );
}

#[test]
fn the_personal_dictionary_silences_a_word() {
    let text = "The grobe on my desk is blue.";
    assert!(findings(text)
        .iter()
        .any(|f| &text[f.range.clone()] == "grobe"));
    let mine: HashSet<String> = ["grobe".to_string()].into();
    let found = analyze(text, Dialect::Auto, &mine).findings;
    assert!(
        found.iter().all(|f| &text[f.range.clone()] != "grobe"),
        "{found:?}"
    );
}

#[test]
fn subject_verb_agreement() {
    fixes(
        "The teachers at my school gives us homework.",
        "gives",
        "give",
    );
    fixes("My sister walk to school every day.", "walk", "walks");
    fixes("Everyone in the choir sing loudly.", "sing", "sings");
    fixes("The songs we practised is very old.", "is", "are");
    fixes("Each of the boxes have a label.", "have", "has");
    fixes("The people who work here knows the way.", "knows", "know");
    fixes("My cousins from Toronto was late.", "was", "were");
    fixes("Why does my shoes hurt so much?", "does", "do");
    fixes("I asked him, \"Why does my feet hurt?\"", "does", "do");
    fixes(
        "My coach, Mr. Diaz, always say that practice helps.",
        "say",
        "says",
    );
    clean("I watched my sister walk home.");
    clean("The bus stop is far from here.");
    clean("It is vital that each child have a seat.");
    clean("Tom and my sister walk to school.");
    clean("A lot of students walk to school.");
    clean("Two hours is a long time to wait.");
}

#[test]
fn confused_words() {
    fixes("The hole school cheered for the team.", "hole", "whole");
    fixes("Please don't loose your keys again.", "loose", "lose");
    fixes("Your making a mess of the kitchen.", "Your", "You're");
    fixes("She is much taller then her brother.", "then", "than");
    fixes("The noise had a bad affect on us.", "affect", "effect");
    fixes("The soup was to hot to eat.", "to", "too");
    fixes(
        "We stayed inside accept for one short walk.",
        "accept",
        "except",
    );
    fixes(
        "My uncle drove home and than we ate dinner.",
        "than",
        "then",
    );
    clean("I love your cooking, and your writing is good.");
    clean("The bolt came loose during the storm.");
    clean("We ate dinner, then we went home.");
    clean("The new rules will affect every student.");
    fixes("Sometimes I loose my temper with him.", "loose", "lose");
    fixes("The handle on the door was very lose.", "lose", "loose");
    fixes("The film was a bit to long for me.", "to", "too");
    fixes("We found a whole in the fence.", "whole", "hole");
    fixes("They forgot there own books.", "there", "their");
    fixes("Everyone stayed, accept Maria.", "accept", "except");
    clean("The smoke made my eyes water.");
    fixes("The music was quiet loud tonight.", "quiet", "quite");
    fixes("There is two much traffic here.", "two", "too");
    fixes("I cannot except that answer.", "except", "accept");
    fixes("Honestly, I except that I was wrong.", "except", "accept");
    fixes("Everybody danced accept my uncle.", "accept", "except");
    fixes("The farm were my cousins live is big.", "were", "where");
    fixes("The lid was so lose that it fell.", "lose", "loose");
    fixes("I have too sisters and a dog.", "too", "two");
    clean("Reading the books was the best part.");
    clean("He woke before dawn and walked to the river.");
    clean("We counted every one, twice.");
}

#[test]
fn missing_apostrophes() {
    fixes(
        "I borrowed my uncles car for the weekend.",
        "uncles",
        "uncle's",
    );
    clean("My uncles live in the same town.");
    clean("The sports centre opens at nine.");
}

#[test]
fn sentence_starts_with_a_capital() {
    fixes(
        "We waited for an hour. in the end the train came.",
        "in",
        "In",
    );
    clean("We bought fruit, e.g. apples and pears.");
}

#[test]
fn anchors_are_exact_with_accents_emoji_and_cjk() {
    let text = "Café 😀 in Kraków: the libary near 你好世界 is realy old.";
    let found = findings(text);
    assert!(found.len() >= 2, "{found:?}");
    let units: Vec<u16> = text.encode_utf16().collect();
    for f in &found {
        let c = comment_of(text, f);
        let a = c.anchor.unwrap_or_else(|| panic!("inline"));
        assert_eq!(String::from_utf16_lossy(&units[a.start..a.end]), a.quote);
        assert_eq!(a.quote, &text[f.range.clone()]);
    }
}

#[test]
fn a_changed_paragraph_is_checked_again_and_the_others_keep_their_places() {
    let first = "The libary is old.\n\nMy sister walk to school.\n\nThe hole class came.";
    let before = findings(first);
    let edited = "The big libary is very old.\n\nMy sister walk to school.\n\nThe hole class came.";
    let after = findings(edited);
    let quotes = |text: &str, f: &[Finding]| -> Vec<String> {
        f.iter()
            .map(|f| text[f.range.clone()].to_string())
            .collect()
    };
    assert_eq!(quotes(first, &before), ["libary", "walk", "hole"]);
    assert_eq!(quotes(edited, &after), ["libary", "walk", "hole"]);
    // The same text twice gives the same answer (from the paragraph cache).
    assert_eq!(findings(edited), after);
}

#[test]
fn another_language_gets_only_what_holds_in_any_language() {
    let french =
        "Je pense que que nous devons partir tôt demain matin avec les enfants de la classe.";
    let found = analyze(french, Dialect::Auto, &HashSet::new()).findings;
    let rules: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["repeated-words"], "{found:?}");
}

#[test]
fn empty_and_odd_text_gives_no_mistakes_and_no_panic() {
    for text in ["", "   ", "\u{0}", "שלום עולם", "...", "1234", "a\n\n\n\nb"] {
        let _ = findings(text);
    }
    assert!(findings("").is_empty());
}
