//! The history actions JS calls (listAssessments, listChat, clearChat, deleteEssay, deleteAssessment):
//! reads and deletes that run on the store thread (store/thread.rs), never in the inference queue,
//! so they answer while a long assessment runs.

use std::sync::Arc;

use crate::store::thread::Write;
use crate::store::{assessments, chat, essays};

pub fn clear_chat(file_id: String) -> Write {
    Arc::new(move |s| chat::clear(s, &file_id).map(drop))
}

pub fn delete_essay(file_id: String) -> Write {
    Arc::new(move |s| essays::delete(s, &file_id).map(drop))
}

pub fn delete_assessment(id: String) -> Write {
    Arc::new(move |s| assessments::delete(s, &id).map(drop))
}
