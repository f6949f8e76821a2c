//! Per-request cancellation and deadline, checked by the worker between layers and decode steps.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use crate::error::{EngineError, Result};

const ACTIVE: u8 = 0;
const CANCELLED: u8 = 1;
const TIMED_OUT: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Cancel,
    Timeout,
}

pub struct JobControl {
    flag: AtomicU8,
    deadline: Instant,
    timeout_ms: u64,
}

impl JobControl {
    pub fn new(timeout_ms: u64) -> Self {
        Self {
            flag: AtomicU8::new(ACTIVE),
            deadline: Instant::now() + Duration::from_millis(timeout_ms),
            timeout_ms,
        }
    }

    /// Stops the request; true if this call did (false: it was already stopped).
    pub fn stop(&self, reason: StopReason) -> bool {
        let v = match reason {
            StopReason::Cancel => CANCELLED,
            StopReason::Timeout => TIMED_OUT,
        };
        // The first reason wins: a request that timed out stays timed out.
        self.flag
            .compare_exchange(ACTIVE, v, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    /// Ok while the request may go on; the matching error once it was cancelled or is past its deadline.
    pub fn check(&self) -> Result<()> {
        match self.flag.load(Ordering::SeqCst) {
            CANCELLED => Err(EngineError::cancelled()),
            TIMED_OUT => Err(EngineError::timeout(self.timeout_ms)),
            _ if Instant::now() >= self.deadline => {
                let _ = self.stop(StopReason::Timeout);
                self.check()
            }
            _ => Ok(()),
        }
    }

    pub fn error(&self) -> EngineError {
        self.check().err().unwrap_or_else(EngineError::cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_then_timeout_keeps_cancel() {
        let c = JobControl::new(60_000);
        assert!(c.check().is_ok());
        assert!(c.stop(StopReason::Cancel));
        assert!(!c.stop(StopReason::Timeout), "already stopped");
        assert_eq!(c.check().map_err(|e| e.code()), Err("CANCELLED"));
    }

    #[test]
    fn deadline_passes() {
        let c = JobControl::new(0);
        assert_eq!(c.check().map_err(|e| e.code()), Err("ENGINE_TIMEOUT"));
    }
}
