//! The one error type of the engine. Each variant is one JS error code (design.md), 1:1.

use thiserror::Error;

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum EngineError {
    /// The payload failed validation: wrong type, empty, too large, unknown field.
    #[error("{0}")]
    InvalidRequest(String),
    /// The deadline passed; the work was stopped.
    #[error("{0}")]
    Timeout(String),
    /// The model is missing, unreadable, corrupt, unsupported, or failed to load.
    #[error("{0}")]
    Down(String),
    /// The model's output could not be turned into the declared shape.
    #[error("{0}")]
    InvalidResponse(String),
    /// Anything else that failed inside the engine, including a caught panic.
    #[error("{0}")]
    ActionFailed(String),
    /// The bounded request queue is full.
    #[error("{0}")]
    Busy(String),
    /// The caller aborted the request.
    #[error("{0}")]
    Cancelled(String),
}

impl EngineError {
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::InvalidRequest(_) => "INVALID_REQUEST",
            EngineError::Timeout(_) => "ENGINE_TIMEOUT",
            EngineError::Down(_) => "ENGINE_DOWN",
            EngineError::InvalidResponse(_) => "ENGINE_INVALID_RESPONSE",
            EngineError::ActionFailed(_) => "ENGINE_ACTION_FAILED",
            EngineError::Busy(_) => "ENGINE_BUSY",
            EngineError::Cancelled(_) => "CANCELLED",
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        EngineError::InvalidRequest(msg.into())
    }

    pub fn cancelled() -> Self {
        EngineError::Cancelled("The request was cancelled.".into())
    }

    pub fn timeout(ms: u64) -> Self {
        EngineError::Timeout(format!(
            "The request took longer than {ms} ms and was stopped. Try a shorter text or a longer timeoutMs."
        ))
    }
}

/// Errors from candle inside a running model are engine failures, not input errors.
impl From<candle_core::Error> for EngineError {
    fn from(e: candle_core::Error) -> Self {
        EngineError::ActionFailed(format!("Inference failed: {e}"))
    }
}

pub type Result<T> = std::result::Result<T, EngineError>;
