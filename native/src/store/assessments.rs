//! Assessments: what assessEssay returned, with the model that wrote it and the hash of the text it
//! was about, so the UI can tell whether its anchors still fit the current text.

use rusqlite::{params, Row, Transaction};
use serde::Serialize;
use serde_json::Value;

use super::{essays, Store, NOW};
use crate::error::Result;

pub struct NewAssessment<'a> {
    /// From `new_id()`: made before saving, so a save replayed on the file later keeps it.
    pub id: &'a str,
    pub file_id: &'a str,
    pub text_hash: &'a str,
    pub model: &'a str,
    /// The comments as returned to the caller (JSON).
    pub comments: &'a Value,
    pub summary: Option<&'a str>,
    pub metrics: Option<&'a Value>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StoredAssessment {
    pub id: String,
    pub file_id: String,
    pub text_hash: String,
    pub created_at: String,
    pub model: String,
    pub comments: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Value>,
}

/// A fresh assessment id: 32 lowercase hex digits.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Saves one assessment (and touches its essay) in one transaction; returns its id. The same feedback
/// on the same text as the essay's newest assessment is not saved twice: that one's id comes back.
pub fn save(store: &Store, a: &NewAssessment) -> Result<String> {
    store.write(|tx| {
        essays::touch(tx, a.file_id, Some(a.text_hash))?;
        match same_as_newest(tx, a)? {
            Some(id) => Ok(id),
            None => insert(tx, a),
        }
    })
}

fn same_as_newest(tx: &Transaction, a: &NewAssessment) -> rusqlite::Result<Option<String>> {
    let newest = tx.query_row(
        "SELECT id, text_hash, model, comments, summary FROM assessments WHERE file_id = ?1
         ORDER BY created_at DESC, rowid DESC LIMIT 1",
        params![a.file_id],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        },
    );
    match newest {
        Ok((id, hash, model, comments, summary))
            if hash == a.text_hash
                && model == a.model
                && serde_json::from_str::<Value>(&comments).ok().as_ref() == Some(a.comments)
                && summary.as_deref() == a.summary =>
        {
            Ok(Some(id))
        }
        Ok(_) | Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e),
    }
}

fn insert(tx: &Transaction, a: &NewAssessment) -> rusqlite::Result<String> {
    tx.query_row(
        &format!(
            "INSERT INTO assessments (id, file_id, text_hash, created_at, model, comments, summary, metrics)
             VALUES (?1, ?2, ?3, {NOW}, ?4, ?5, ?6, ?7)
             RETURNING id"
        ),
        params![
            a.id,
            a.file_id,
            a.text_hash,
            a.model,
            a.comments.to_string(),
            a.summary,
            a.metrics.map(Value::to_string),
        ],
        |r| r.get(0),
    )
}

/// Deletes one assessment; whether it was there.
pub fn delete(store: &Store, id: &str) -> Result<bool> {
    store.write(|tx| {
        tx.execute("DELETE FROM assessments WHERE id = ?1", [id])
            .map(|n| n > 0)
    })
}

/// The assessments of an essay, newest first.
pub fn list(store: &Store, file_id: &str) -> Result<Vec<StoredAssessment>> {
    store.read(|tx| {
        let mut stmt = tx.prepare(
            "SELECT id, file_id, text_hash, created_at, model, comments, summary, metrics
             FROM assessments WHERE file_id = ?1 ORDER BY created_at DESC, rowid DESC",
        )?;
        let rows = stmt.query_map(params![file_id], from_row)?;
        rows.collect()
    })
}

fn json_column(r: &Row, i: usize) -> rusqlite::Result<Value> {
    let text: String = r.get(i)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn from_row(r: &Row) -> rusqlite::Result<StoredAssessment> {
    let metrics = match r.get::<_, Option<String>>(7)? {
        Some(_) => Some(json_column(r, 7)?),
        None => None,
    };
    Ok(StoredAssessment {
        id: r.get(0)?,
        file_id: r.get(1)?,
        text_hash: r.get(2)?,
        created_at: r.get(3)?,
        model: r.get(4)?,
        comments: json_column(r, 5)?,
        summary: r.get(6)?,
        metrics,
    })
}
