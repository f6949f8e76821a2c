//! listAssessments, listChat, clearChat: reads and deletes on the history store. They run on their own
//! thread, never in the inference queue, so they answer while a long assessment runs.

use serde_json::{json, Value};

use crate::error::{EngineError, Result};
use crate::store::{assessments, chat, Store};

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| EngineError::ActionFailed(e.to_string()))
}

pub fn list_assessments(store: &Store, file_id: &str) -> Result<Value> {
    to_json(&assessments::list(store, file_id)?)
}

pub fn list_chat(store: &Store, file_id: &str) -> Result<Value> {
    to_json(&chat::history(store, file_id)?)
}

pub fn clear_chat(store: &Store, file_id: &str) -> Result<Value> {
    Ok(json!({ "deleted": chat::clear(store, file_id)? }))
}
