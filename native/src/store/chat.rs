//! Chat history per essay: the user's questions and the tutor's answers, oldest first. A question and
//! its answer are saved together, so the history never holds a question without its answer.

use rusqlite::{params, Transaction};
use serde::Serialize;

use super::{essays, Store, NOW};
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }

    fn parse(s: &str) -> rusqlite::Result<Role> {
        match s {
            "user" => Ok(Role::User),
            "assistant" => Ok(Role::Assistant),
            other => Err(rusqlite::Error::InvalidColumnType(
                2,
                format!("role {other:?}"),
                rusqlite::types::Type::Text,
            )),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    #[serde(skip)]
    pub id: i64,
    pub role: Role,
    pub content: String,
    pub created_at: String,
}

/// Saves a question and its answer in one transaction; `text_hash` is the essay's, if the question
/// came with it. Returns the ids of the two messages.
pub fn save_exchange(
    store: &Store,
    file_id: &str,
    text_hash: Option<&str>,
    question: &str,
    answer: &str,
) -> Result<(i64, i64)> {
    store.write(|tx| {
        essays::touch(tx, file_id, text_hash)?;
        let q = insert(tx, file_id, Role::User, question)?;
        let a = insert(tx, file_id, Role::Assistant, answer)?;
        Ok((q, a))
    })
}

fn insert(tx: &Transaction, file_id: &str, role: Role, content: &str) -> rusqlite::Result<i64> {
    tx.query_row(
        &format!(
            "INSERT INTO chat_messages (file_id, role, content, created_at)
             VALUES (?1, ?2, ?3, {NOW}) RETURNING id"
        ),
        params![file_id, role.as_str(), content],
        |r| r.get(0),
    )
}

/// The whole conversation about an essay, oldest first.
pub fn history(store: &Store, file_id: &str) -> Result<Vec<ChatMessage>> {
    store.read(|tx| {
        let mut stmt = tx.prepare(
            "SELECT id, role, content, created_at FROM chat_messages
             WHERE file_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![file_id], |r| {
            Ok(ChatMessage {
                id: r.get(0)?,
                role: Role::parse(&r.get::<_, String>(1)?)?,
                content: r.get(2)?,
                created_at: r.get(3)?,
            })
        })?;
        rows.collect()
    })
}

/// Deletes the conversation about an essay; returns how many messages went.
pub fn clear(store: &Store, file_id: &str) -> Result<usize> {
    store.write(|tx| tx.execute("DELETE FROM chat_messages WHERE file_id = ?1", [file_id]))
}
