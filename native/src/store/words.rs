//! The personal dictionary: words the student told the checker are right ("Add to dictionary"). Kept
//! lower case; every later check leaves them alone.

use std::collections::HashSet;

use rusqlite::params;

use super::{Store, NOW};
use crate::error::Result;

pub fn add(store: &Store, word: &str) -> Result<()> {
    store.write(|tx| {
        tx.execute(
            &format!("INSERT OR IGNORE INTO words (word, created_at) VALUES (?1, {NOW})"),
            params![word.to_lowercase()],
        )
        .map(|_| ())
    })
}

/// Whether the word was there.
pub fn remove(store: &Store, word: &str) -> Result<bool> {
    store.write(|tx| {
        tx.execute(
            "DELETE FROM words WHERE word = ?1",
            params![word.to_lowercase()],
        )
        .map(|n| n > 0)
    })
}

/// The words, in alphabetical order.
pub fn list(store: &Store) -> Result<Vec<String>> {
    store.read(|tx| {
        let mut stmt = tx.prepare("SELECT word FROM words ORDER BY word")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect()
    })
}

pub fn set(store: &Store) -> Result<HashSet<String>> {
    Ok(list(store)?.into_iter().collect())
}
