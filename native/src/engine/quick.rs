//! The quick thread: checkText, the personal dictionary, history reads and the checker's warm-up run
//! here, one after another, never behind an inference (they take milliseconds; a model answer takes
//! seconds). One thread with a queue, not a thread per call.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Sender};
use std::sync::Mutex;

use once_cell::sync::Lazy;

use crate::error::{EngineError, Result};

pub type QuickJob = Box<dyn FnOnce() + Send>;

static QUEUE: Lazy<Mutex<Option<Sender<QuickJob>>>> = Lazy::new(|| Mutex::new(None));

/// Queues `job` on the quick thread (started on first use).
pub fn run(job: QuickJob) -> Result<()> {
    let mut queue = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
    if queue.is_none() {
        let (tx, rx) = channel::<QuickJob>();
        std::thread::Builder::new()
            .name("samsara-quick".into())
            .spawn(move || {
                for job in rx {
                    // Each job answers its own caller, also when it fails; a panic stops only that job.
                    let _ = catch_unwind(AssertUnwindSafe(job));
                }
            })
            .map_err(|e| EngineError::ActionFailed(format!("Could not start a thread: {e}")))?;
        *queue = Some(tx);
    }
    let sent = queue.as_ref().map(|tx| tx.send(job));
    match sent {
        Some(Ok(())) => Ok(()),
        _ => {
            *queue = None;
            Err(EngineError::ActionFailed(
                "The quick-work thread stopped; try again.".into(),
            ))
        }
    }
}
