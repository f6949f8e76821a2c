//! What each action does on the worker. Each function validates nothing (done before queueing) and
//! returns its typed result (tasks/results.rs).

pub mod assess;
pub mod chat;
pub mod check;
pub mod complete;
pub mod constrained;
pub mod generate;
pub mod grounding;
pub mod history;
pub mod prompts;
pub mod reader;
pub mod requests;
pub mod results;
pub mod settings;
pub mod summary;
