//! Persistence: essays, assessments, chat history and the personal dictionary in one embedded SQLite file (rusqlite, bundled).
//! WAL journal with full sync (a commit survives a killed process and a power cut), a busy timeout,
//! every write in one IMMEDIATE transaction. All SQL of the project lives in this module.
//!
//! A store that cannot be opened does not stop the engine: it falls back to memory and says why
//! (`StoreReport`), and the file is left untouched so nothing in it is lost.

pub mod assessments;
pub mod chat;
pub mod essays;
mod schema;
pub mod settings;
pub mod thread;
pub mod words;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{EngineError, Result};

/// How long a write waits for another connection's lock before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Opening waits less: the store thread tries again later instead (store/thread.rs).
const OPEN_BUSY_TIMEOUT: Duration = Duration::from_millis(250);

pub struct Store {
    conn: Mutex<Connection>,
    /// The file asked for (None: memory only by choice).
    path: Option<PathBuf>,
    persistent: bool,
    /// Why the store is degraded: it could not be opened, or a write failed.
    problem: Mutex<Option<String>>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StoreReport {
    /// "ok", or "degraded" when history is not being saved as asked.
    pub status: &'static str,
    /// Whether history goes to a file (false: memory only, lost when the process ends).
    pub persistent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn failed(what: &str, e: rusqlite::Error) -> EngineError {
    EngineError::ActionFailed(format!("The history store could not {what}: {e}."))
}

impl Store {
    /// Opens (or creates) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = open_file(path).map_err(|e| {
            EngineError::ActionFailed(format!(
                "The history file {} could not be opened ({e}). History is kept in memory for this \
session only; move the file away to start a new history.",
                path.display()
            ))
        })?;
        Ok(Store {
            conn: Mutex::new(conn),
            path: Some(path.to_path_buf()),
            persistent: true,
            problem: Mutex::new(None),
        })
    }

    /// A store that lives as long as the process. `path` and `problem` say why, if it stands in for a
    /// file that could not be opened.
    pub fn in_memory(path: Option<PathBuf>, problem: Option<String>) -> Result<Store> {
        let mut conn = Connection::open_in_memory().map_err(|e| failed("start in memory", e))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| failed("start in memory", e))?;
        schema::migrate(&mut conn).map_err(|e| failed("create its tables", e))?;
        Ok(Store {
            conn: Mutex::new(conn),
            path,
            persistent: false,
            problem: Mutex::new(problem),
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub(crate) fn set_problem(&self, why: String) {
        *lock(&self.problem) = Some(why);
    }

    pub fn report(&self) -> StoreReport {
        let problem = lock(&self.problem).clone();
        StoreReport {
            status: if problem.is_some() { "degraded" } else { "ok" },
            persistent: self.persistent,
            path: self.path.as_ref().map(|p| p.display().to_string()),
            error: problem,
        }
    }

    /// Runs `f` in one IMMEDIATE transaction: all of it is committed, or none of it.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction) -> rusqlite::Result<T>) -> Result<T> {
        self.transact(TransactionBehavior::Immediate, "save", f)
    }

    /// Runs `f` in one read transaction: it sees one consistent state even while another connection
    /// writes.
    pub fn read<T>(&self, f: impl FnOnce(&Transaction) -> rusqlite::Result<T>) -> Result<T> {
        self.transact(TransactionBehavior::Deferred, "read", f)
    }

    /// A failure also marks the store degraded, so healthCheck tells the user their history is not
    /// being saved.
    fn transact<T>(
        &self,
        behavior: TransactionBehavior,
        what: &str,
        f: impl FnOnce(&Transaction) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let mut conn = lock(&self.conn);
        let result = conn.transaction_with_behavior(behavior).and_then(|tx| {
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        });
        result.map_err(|e| {
            let err = failed(what, e);
            *lock(&self.problem) = Some(err.to_string());
            err
        })
    }

    /// `PRAGMA integrity_check`: "ok", or SQLite's list of problems.
    pub fn integrity_check(&self) -> Result<String> {
        let conn = lock(&self.conn);
        let rows: rusqlite::Result<Vec<String>> = conn
            .prepare("PRAGMA integrity_check")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect());
        rows.map(|r| r.join("; "))
            .map_err(|e| failed("check itself", e))
    }
}

fn open_file(path: &Path) -> rusqlite::Result<Connection> {
    let cant_open = |what: String| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some(what),
        )
    };
    // A missing folder (a new profile, a custom $SAMSARA_STORE) is made; the history is the student's
    // own, so the folder is theirs alone (0700) and so is the file (0600; SQLite gives its journal
    // files the file's mode).
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            private_dir(dir)
                .map_err(|e| cant_open(format!("its folder could not be created: {e}")))?;
        }
    }
    if !path.exists() {
        private_file(path).map_err(|e| cant_open(format!("it could not be created: {e}")))?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(sqlite_path(path), flags)?;
    conn.busy_timeout(OPEN_BUSY_TIMEOUT)?;
    // quick_check reads every page: a damaged file is found now, not halfway through a save.
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            Some(format!("the database is damaged: {check}")),
        ));
    }
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some(format!(
                "the journal could not be switched to WAL (it is {mode})"
            )),
        ));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    schema::migrate(&mut conn)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// The path as SQLite must be given it. Rust's std opens Windows paths longer than MAX_PATH (260) by
/// itself; SQLite's C code needs their `\\?\` form. Written for Windows and reviewed; its runners test
/// it (this machine has none); `long_path_form` itself is tested everywhere.
fn sqlite_path(path: &Path) -> PathBuf {
    if cfg!(windows) {
        if let Some(long) = std::path::absolute(path)
            .ok()
            .and_then(|abs| abs.to_str().and_then(long_path_form))
        {
            return PathBuf::from(long);
        }
    }
    path.to_path_buf()
}

/// The `\\?\` form of an absolute Windows path (`C:\…`, or `\\server\share\…`) that is too long for
/// MAX_PATH once SQLite adds "-journal" to it; None when it fits or is already in a prefixed form.
fn long_path_form(abs: &str) -> Option<String> {
    const MAX_PATH: usize = 260;
    // Bytes, not UTF-16 units: never fewer, so a path near the limit is prefixed rather than missed.
    if abs.len() + "-journal".len() < MAX_PATH
        || abs.starts_with(r"\\?\")
        || abs.starts_with(r"\\.\")
    {
        return None;
    }
    if let Some(unc) = abs.strip_prefix(r"\\") {
        return Some(format!(r"\\?\UNC\{unc}"));
    }
    let b = abs.as_bytes();
    let drive = b.len() > 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\';
    drive.then(|| format!(r"\\?\{abs}"))
}

#[cfg(unix)]
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// An empty file only its owner can read and write, for SQLite to fill.
#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        // Another connection made it first (two processes opening a new history at once).
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other.map(drop),
    }
}

#[cfg(not(unix))]
fn private_file(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// SHA-256 of the text's UTF-8 bytes, lowercase hex: what `textHash` holds (the text itself is not
/// stored).
pub fn text_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The current time as SQLite writes it: ISO-8601 UTC with milliseconds.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

#[cfg(test)]
mod tests {
    use super::long_path_form;

    #[test]
    fn long_windows_paths_get_their_verbatim_form_and_short_ones_stay() {
        let short = r"C:\Users\Zoë Martín\AppData\Roaming\Samsara\history.db";
        assert_eq!(long_path_form(short), None);
        let deep = format!(
            r"C:\Users\Zoë Martín\{}\history.db",
            "Folder with a long name\\".repeat(12)
        );
        assert!(deep.len() > 260);
        assert_eq!(long_path_form(&deep), Some(format!(r"\\?\{deep}")));
        let unc = format!(r"\\school-server\profiles\{}\history.db", "x".repeat(260));
        assert_eq!(
            long_path_form(&unc),
            Some(format!(
                r"\\?\UNC\school-server\profiles\{}\history.db",
                "x".repeat(260)
            ))
        );
        let verbatim = format!(r"\\?\{deep}");
        assert_eq!(long_path_form(&verbatim), None, "already in the long form");
        // Near the limit: the journal's "-journal" suffix must fit too.
        let edge = format!(r"C:\{}", "a".repeat(255 - 3));
        assert_eq!(edge.len(), 255);
        assert!(long_path_form(&edge).is_some());
    }
}
