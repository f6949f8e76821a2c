//! The store thread: the one thread that opens the history file and runs every read and write on it,
//! in order, from a queue. Nothing else touches SQLite, so the JS thread never waits for a lock and a
//! burst of history calls costs one thread, not one each.
//!
//! Opening happens here too. A file that can't be opened yet (another program holds a lock) is tried
//! again with a growing pause; meanwhile history lives in memory and every write is kept, then written
//! to the file once it opens, so the session loses nothing.

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{Store, StoreReport};
use crate::error::{EngineError, Result};

/// A change to the history, kept as code so it can be replayed on the file once it opens.
pub type Write = Arc<dyn Fn(&Store) -> Result<()> + Send + Sync>;
type Job = Box<dyn FnOnce(&Store) + Send>;
type Done = Box<dyn FnOnce(Result<()>) + Send>;

enum Command {
    Open(Option<PathBuf>),
    Read(Job),
    Write(Write, Done),
}

/// Pauses between attempts to open a file that could not be opened, doubling up to the last.
pub struct Retry {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            first: Duration::from_secs(1),
            max: Duration::from_secs(30),
        }
    }
}

pub struct StoreThread {
    queue: Mutex<Option<Sender<Command>>>,
    /// What healthCheck shows, updated by the thread after every command; read without waiting.
    report: Arc<Mutex<StoreReport>>,
    retry: Retry,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn stopped() -> EngineError {
    EngineError::ActionFailed("The history store stopped; try again.".into())
}

impl StoreThread {
    /// The thread starts on first use, with a memory store until `open` names a file.
    pub fn new(retry: Retry) -> StoreThread {
        StoreThread {
            queue: Mutex::new(None),
            report: Arc::new(Mutex::new(StoreReport {
                status: "ok",
                persistent: false,
                path: None,
                error: None,
            })),
            retry,
        }
    }

    pub fn report(&self) -> StoreReport {
        lock(&self.report).clone()
    }

    /// Switches to the history file at `path` (None: memory only). Returns at once; the file is opened
    /// on the store thread.
    pub fn open(&self, path: Option<PathBuf>) -> Result<()> {
        {
            // Until the thread has tried, report the file asked for.
            let mut r = lock(&self.report);
            r.path = path.as_ref().map(|p| p.display().to_string());
            r.persistent = path.is_some();
        }
        self.send(Command::Open(path))
    }

    /// Runs `f` on the store thread and waits for it (from a worker thread, never the JS thread).
    pub fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = channel();
        self.send(Command::Read(Box::new(move |s| {
            let _ = tx.send(f(s));
        })))?;
        rx.recv().unwrap_or_else(|_| Err(stopped()))
    }

    /// Queues `f`; it answers its own caller (a JS promise) from the store thread.
    pub fn read_then(&self, f: impl FnOnce(&Store) + Send + 'static) -> Result<()> {
        self.send(Command::Read(Box::new(f)))
    }

    /// Applies `w` and waits for the outcome.
    pub fn write(&self, w: Write) -> Result<()> {
        let (tx, rx) = channel();
        self.write_then(
            w,
            Box::new(move |r| {
                let _ = tx.send(r);
            }),
        )?;
        rx.recv().unwrap_or_else(|_| Err(stopped()))
    }

    /// Queues `w`; `done` gets the outcome on the store thread.
    pub fn write_then(&self, w: Write, done: Done) -> Result<()> {
        self.send(Command::Write(w, done))
    }

    fn send(&self, command: Command) -> Result<()> {
        let mut queue = lock(&self.queue);
        if queue.is_none() {
            let (tx, rx) = channel();
            let report = self.report.clone();
            let retry = (self.retry.first, self.retry.max);
            std::thread::Builder::new()
                .name("samsara-store".into())
                .spawn(move || Backend::new(report, retry).run(rx))
                .map_err(|e| {
                    EngineError::ActionFailed(format!("Could not start the history thread: {e}"))
                })?;
            *queue = Some(tx);
        }
        let sent = queue.as_ref().map(|tx| tx.send(command));
        match sent {
            Some(Ok(())) => Ok(()),
            _ => {
                *queue = None;
                Err(stopped())
            }
        }
    }
}

/// The store thread's state.
struct Backend {
    report: Arc<Mutex<StoreReport>>,
    /// The file asked for, if any.
    wanted: Option<PathBuf>,
    /// The file's store once open; else the memory store standing in for it.
    current: Option<Store>,
    /// Writes made while the wanted file could not be opened, oldest first.
    backlog: Vec<Write>,
    retry_at: Option<Instant>,
    pause: Duration,
    retry: (Duration, Duration),
}

impl Backend {
    fn new(report: Arc<Mutex<StoreReport>>, retry: (Duration, Duration)) -> Backend {
        Backend {
            report,
            wanted: None,
            current: None,
            backlog: Vec::new(),
            retry_at: None,
            pause: retry.0,
            retry,
        }
    }

    fn run(mut self, rx: Receiver<Command>) {
        loop {
            let command = match self.retry_at {
                Some(at) => match rx.recv_timeout(at.saturating_duration_since(Instant::now())) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                },
                None => match rx.recv() {
                    Ok(c) => Some(c),
                    Err(_) => return,
                },
            };
            // A panic in one command (a bug) must not end the thread every history call depends on.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match command {
                None => self.try_open(),
                Some(Command::Open(path)) => {
                    if self.current.is_none() || path != self.wanted {
                        self.wanted = path;
                        self.current = None;
                        self.backlog.clear();
                        self.pause = self.retry.0;
                        self.try_open();
                    }
                }
                Some(Command::Read(job)) => match self.store() {
                    Ok(s) => job(s),
                    // The job's reply channel closes unanswered: its caller gets "stopped".
                    Err(_) => drop(job),
                },
                Some(Command::Write(w, done)) => {
                    let waiting = self.retry_at.is_some();
                    let r = self.store().and_then(|s| w(s));
                    if waiting && r.is_ok() {
                        self.backlog.push(w);
                    }
                    // The report first: a caller that sees the failure then finds it in healthCheck.
                    self.publish();
                    done(r);
                }
            }));
            self.publish();
        }
    }

    /// The store in use, making a memory one if there is none yet.
    fn store(&mut self) -> Result<&Store> {
        if self.current.is_none() {
            self.current = Some(Store::in_memory(self.wanted.clone(), None)?);
        }
        self.current.as_ref().ok_or_else(stopped)
    }

    fn try_open(&mut self) {
        let Some(path) = self.wanted.clone() else {
            self.retry_at = None;
            return;
        };
        match Store::open(&path) {
            Ok(file) => {
                // Write what the session did meanwhile; a write that fails now marks the store
                // degraded (Store::write records why) and the rest still go in.
                for w in self.backlog.drain(..) {
                    let _ = w(&file);
                }
                self.current = Some(file);
                self.retry_at = None;
                self.pause = self.retry.0;
            }
            Err(e) => {
                let why = format!(
                    "{e} Trying again in {} s; what you do meanwhile is kept and saved to the file \
once it opens.",
                    self.pause.as_secs_f32()
                );
                match self.current.as_ref().filter(|s| !s.persistent) {
                    Some(memory) => memory.set_problem(why),
                    None => self.current = Store::in_memory(Some(path), Some(why)).ok(),
                }
                self.retry_at = Some(Instant::now() + self.pause);
                self.pause = (self.pause * 2).min(self.retry.1);
            }
        }
    }

    fn publish(&self) {
        if let Some(s) = &self.current {
            *lock(&self.report) = s.report();
        }
    }
}
