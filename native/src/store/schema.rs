//! The schema and its migrations, keyed on `PRAGMA user_version`: migration N takes a database from
//! version N-1 to N, in one transaction with the version bump. Never edit a released migration; add one.

use rusqlite::{Connection, TransactionBehavior};

const MIGRATIONS: &[&str] = &[
    // 1: essays (the text itself is not stored, only its hash), assessments, chat messages.
    "CREATE TABLE essays (
        file_id    TEXT PRIMARY KEY,
        text_hash  TEXT,
        updated_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE assessments (
        id         TEXT PRIMARY KEY,
        file_id    TEXT NOT NULL REFERENCES essays(file_id) ON DELETE CASCADE,
        text_hash  TEXT NOT NULL,
        created_at TEXT NOT NULL,
        model      TEXT NOT NULL,
        comments   TEXT NOT NULL,
        summary    TEXT,
        metrics    TEXT
    ) STRICT;
    CREATE INDEX assessments_by_file ON assessments(file_id, created_at);
    CREATE TABLE chat_messages (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        file_id    TEXT NOT NULL REFERENCES essays(file_id) ON DELETE CASCADE,
        role       TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        content    TEXT NOT NULL,
        created_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX chat_by_file ON chat_messages(file_id, id);",
    // 2: the personal dictionary (lower case).
    "CREATE TABLE words (
        word       TEXT PRIMARY KEY,
        created_at TEXT NOT NULL
    ) STRICT;",
    // 3: the app's settings (theme, font size, dialect, threads), each value as JSON.
    "CREATE TABLE settings (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) STRICT;",
];

fn version(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map(|v| v.max(0) as usize)
}

pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    // Up to date (every open but the first): nothing to write, so no write lock to wait for while
    // another connection keeps writing.
    if version(conn)? == MIGRATIONS.len() {
        return Ok(());
    }
    loop {
        // IMMEDIATE: two processes opening a new file at once migrate it once, one after the other.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let v = version(&tx)?;
        if v > MIGRATIONS.len() {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(format!(
                    "the file was written by a newer Samsara (schema version {v}, this one knows {})",
                    MIGRATIONS.len()
                )),
            ));
        }
        let Some(sql) = MIGRATIONS.get(v) else {
            return tx.commit();
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (v + 1) as i64)?;
        tx.commit()?;
    }
}
