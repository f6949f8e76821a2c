//! Essays: one row per fileId with the hash of its latest known text (never the text) and when it last
//! changed. Assessments and chat messages hang off it.

use rusqlite::{params, Transaction};
use serde::Serialize;

use super::{Store, NOW};
use crate::error::Result;

/// Creates the essay or marks it updated; a `None` hash keeps the one already known.
pub fn touch(tx: &Transaction, file_id: &str, text_hash: Option<&str>) -> rusqlite::Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO essays (file_id, text_hash, updated_at) VALUES (?1, ?2, {NOW})
             ON CONFLICT (file_id) DO UPDATE SET
               text_hash = coalesce(excluded.text_hash, essays.text_hash),
               updated_at = excluded.updated_at"
        ),
        params![file_id, text_hash],
    )?;
    Ok(())
}

/// Deletes an essay with its assessments and chat (the tables cascade); whether it was there.
pub fn delete(store: &Store, file_id: &str) -> Result<bool> {
    store.write(|tx| {
        tx.execute("DELETE FROM essays WHERE file_id = ?1", [file_id])
            .map(|n| n > 0)
    })
}

/// How much is stored about an essay, read in one transaction (one consistent moment).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EssayStats {
    pub assessments: usize,
    pub chat_messages: usize,
}

pub fn stats(store: &Store, file_id: &str) -> Result<EssayStats> {
    store.read(|tx| {
        let count = |sql: &str| tx.query_row(sql, [file_id], |r| r.get::<_, i64>(0));
        Ok(EssayStats {
            assessments: count("SELECT count(*) FROM assessments WHERE file_id = ?1")?.max(0)
                as usize,
            chat_messages: count("SELECT count(*) FROM chat_messages WHERE file_id = ?1")?.max(0)
                as usize,
        })
    })
}
