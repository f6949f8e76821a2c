//! The history store on real SQLite files (no model): schema and repositories, history across reopen,
//! consistent reads while another connection writes, the store thread (a file locked at start-up is
//! opened later without losing the session; a failed save is reported) and the degraded path for a
//! file that can't be opened. The SIGKILL test is in store_crash.rs.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use samsara_native::error::Result;
use samsara_native::store::assessments::{self, NewAssessment};
use samsara_native::store::chat::{self, Role};
use samsara_native::store::essays;
use samsara_native::store::thread::{Retry, StoreThread};
use samsara_native::store::{text_hash, Store};
use serde_json::json;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("samsara-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
    dir
}

fn save_assessment(store: &Store, file_id: &str, n: u64) -> Result<String> {
    assessments::save(
        store,
        &NewAssessment {
            id: &assessments::new_id(),
            file_id,
            text_hash: &text_hash(&format!("essay {n}")),
            model: "test-model",
            comments: &json!([{ "content": format!("comment {n}"), "kind": "block" }]),
            summary: Some("A summary."),
            metrics: Some(&json!({ "words": n })),
        },
    )
}

#[test]
fn history_survives_reopening_the_file() -> Result<()> {
    let path = temp_dir("reopen").join("samsara.db");
    {
        let store = Store::open(&path)?;
        let first = save_assessment(&store, "essay-1", 1)?;
        let second = save_assessment(&store, "essay-1", 2)?;
        assert_ne!(first, second);
        save_assessment(&store, "other", 3)?;
        chat::save_exchange(
            &store,
            "essay-1",
            Some(&text_hash("text")),
            "Question?",
            "Answer.",
        )?;
        chat::save_exchange(&store, "essay-1", None, "Second?", "Second answer.")?;
        assert_eq!(store.report().status, "ok");
        assert!(store.report().persistent);
    }
    let store = Store::open(&path)?;
    let list = assessments::list(&store, "essay-1")?;
    assert_eq!(list.len(), 2);
    // Newest first, with everything that was saved.
    assert_eq!(list[0].comments[0]["content"], "comment 2");
    assert_eq!(list[1].comments[0]["content"], "comment 1");
    assert_eq!(list[0].metrics, Some(json!({ "words": 2 })));
    assert_eq!(list[0].model, "test-model");
    assert_eq!(list[0].text_hash, text_hash("essay 2"));
    assert!(list[0].created_at.ends_with('Z') && list[0].created_at.contains('T'));
    let turns = chat::history(&store, "essay-1")?;
    let seen: Vec<(Role, &str)> = turns.iter().map(|t| (t.role, t.content.as_str())).collect();
    assert_eq!(
        seen,
        [
            (Role::User, "Question?"),
            (Role::Assistant, "Answer."),
            (Role::User, "Second?"),
            (Role::Assistant, "Second answer."),
        ]
    );
    assert_eq!(chat::clear(&store, "essay-1")?, 4);
    assert!(chat::history(&store, "essay-1")?.is_empty());
    assert_eq!(assessments::list(&store, "other")?.len(), 1);
    assert_eq!(store.integrity_check()?, "ok");
    Ok(())
}

#[test]
fn the_file_is_in_wal_mode_at_the_latest_schema() -> Result<()> {
    let path = temp_dir("schema").join("samsara.db");
    drop(Store::open(&path)?);
    let conn = rusqlite::Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mode, "wal");
    assert_eq!(version, 3);
    drop(conn);
    // Opening again runs no migration twice.
    let store = Store::open(&path)?;
    save_assessment(&store, "e", 1)?;
    Ok(())
}

#[test]
fn a_file_from_a_newer_version_is_not_touched() {
    let path = temp_dir("newer").join("samsara.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
        conn.pragma_update(None, "user_version", 99)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let err = Store::open(&path)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("newer Samsara"), "{err}");
}

/// A store thread for `path`, with short pauses between open attempts; returns once it has tried.
fn store_thread(path: Option<PathBuf>) -> StoreThread {
    let t = StoreThread::new(Retry {
        first: Duration::from_millis(100),
        max: Duration::from_millis(200),
    });
    t.open(path).unwrap_or_else(|e| panic!("{e}"));
    t.read(|_| Ok(())).unwrap_or_else(|e| panic!("{e}"));
    t
}

fn save_exchange(t: &StoreThread, file_id: &str, q: &str) -> Result<()> {
    let (id, q) = (file_id.to_string(), q.to_string());
    t.write(Arc::new(move |s| {
        chat::save_exchange(s, &id, None, &q, "answer").map(drop)
    }))
}

fn chat_len(t: &StoreThread, file_id: &str) -> Result<usize> {
    let id = file_id.to_string();
    t.read(move |s| Ok(chat::history(s, &id)?.len()))
}

#[test]
fn a_corrupt_file_gives_a_degraded_memory_store_and_is_left_as_it_was() -> Result<()> {
    let path = temp_dir("corrupt").join("samsara.db");
    let garbage: Vec<u8> = (0..64 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &garbage).unwrap_or_else(|e| panic!("{e}"));
    assert!(Store::open(&path).is_err());
    let store = store_thread(Some(path.clone()));
    let report = store.report();
    assert_eq!(report.status, "degraded");
    assert!(!report.persistent);
    let reason = report.error.unwrap_or_default();
    assert!(reason.contains(&path.display().to_string()), "{reason}");
    assert!(reason.contains("not a database"), "{reason}");
    // Still usable, in memory, and the damaged file is kept as it was (retries only read it).
    save_exchange(&store, "e", "q")?;
    assert_eq!(chat_len(&store, "e")?, 2);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(std::fs::read(&path).unwrap_or_default(), garbage);
    Ok(())
}

#[test]
fn a_folder_that_cannot_hold_the_file_gives_a_degraded_store() -> Result<()> {
    // Tests run as root here, so permissions can't make a folder unwritable; a path under a regular
    // file can't be created by anyone.
    let blocker = temp_dir("unwritable").join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap_or_else(|e| panic!("{e}"));
    let store = store_thread(Some(blocker.join("samsara.db")));
    let report = store.report();
    assert_eq!(report.status, "degraded");
    assert!(report
        .error
        .unwrap_or_default()
        .contains("could not be opened"));
    Ok(())
}

#[test]
fn without_a_path_the_store_lives_in_memory_and_says_so() -> Result<()> {
    let store = store_thread(None);
    let report = store.report();
    assert_eq!((report.status, report.persistent), ("ok", false));
    save_exchange(&store, "e", "q")?;
    assert_eq!(chat_len(&store, "e")?, 2);
    Ok(())
}

/// Holds an exclusive lock on the file (as another program might) until dropped.
fn lock_file(path: &std::path::Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).unwrap_or_else(|e| panic!("{e}"));
    c.execute_batch("BEGIN EXCLUSIVE")
        .unwrap_or_else(|e| panic!("{e}"));
    c
}

#[test]
fn a_file_locked_at_start_up_is_opened_later_and_gets_the_sessions_history() -> Result<()> {
    // Another program holds the file (not yet in WAL mode) in a write transaction: even reading it
    // waits, which used to freeze the first healthCheck for 5 s.
    let path = temp_dir("locked-start").join("samsara.db");
    let locker = lock_file(&path);
    locker
        .execute_batch("CREATE TABLE other_program (x)")
        .unwrap_or_else(|e| panic!("{e}"));
    let t0 = Instant::now();
    let store = StoreThread::new(Retry {
        first: Duration::from_millis(100),
        max: Duration::from_millis(200),
    });
    store.open(Some(path.clone()))?;
    let _ = store.report();
    assert!(
        t0.elapsed() < Duration::from_millis(100),
        "open waited for the lock"
    );
    // Meanwhile the session's history lives in memory and the report says what happens.
    save_exchange(&store, "essay", "while locked")?;
    assert_eq!(chat_len(&store, "essay")?, 2);
    let report = store.report();
    assert_eq!((report.status, report.persistent), ("degraded", false));
    assert!(report
        .error
        .unwrap_or_default()
        .contains("saved to the file once it opens"));
    drop(locker);
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.report().status != "ok" {
        assert!(
            Instant::now() < deadline,
            "the file was never opened: {:?}",
            store.report()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(store.report().persistent);
    save_exchange(&store, "essay", "after")?;
    // Both exchanges are in the file itself.
    let file = Store::open(&path)?;
    let saved: Vec<String> = chat::history(&file, "essay")?
        .into_iter()
        .filter(|m| m.role == Role::User)
        .map(|m| m.content)
        .collect();
    assert_eq!(saved, ["while locked", "after"]);
    Ok(())
}

#[test]
fn a_failed_save_is_reported_and_the_store_keeps_working() -> Result<()> {
    let path = temp_dir("failed-save").join("samsara.db");
    let store = store_thread(Some(path.clone()));
    assert_eq!(store.report().status, "ok");
    let locker = lock_file(&path);
    let failed = save_exchange(&store, "essay", "q");
    assert!(failed.is_err());
    let report = store.report();
    assert_eq!(report.status, "degraded");
    assert!(report.error.unwrap_or_default().contains("could not save"));
    drop(locker);
    save_exchange(&store, "essay", "q2")?;
    assert_eq!(chat_len(&store, "essay")?, 2);
    Ok(())
}

#[test]
fn deleting_an_essay_takes_its_assessments_and_chat_and_nothing_else() -> Result<()> {
    let store = Store::open(&temp_dir("delete").join("samsara.db"))?;
    let keep = save_assessment(&store, "other", 1)?;
    let gone = save_assessment(&store, "essay", 2)?;
    let stays = save_assessment(&store, "essay", 3)?;
    chat::save_exchange(&store, "essay", None, "q", "a")?;
    chat::save_exchange(&store, "other", None, "q", "a")?;
    assert!(assessments::delete(&store, &gone)?);
    assert!(!assessments::delete(&store, &gone)?);
    let left: Vec<String> = assessments::list(&store, "essay")?
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(left, [stays]);
    assert!(essays::delete(&store, "essay")?);
    assert!(assessments::list(&store, "essay")?.is_empty());
    assert!(chat::history(&store, "essay")?.is_empty());
    assert_eq!(assessments::list(&store, "other")?[0].id, keep);
    assert_eq!(chat::history(&store, "other")?.len(), 2);
    Ok(())
}

#[test]
fn readers_see_consistent_data_while_a_writer_runs() -> Result<()> {
    let path = temp_dir("readers").join("samsara.db");
    let writer = Store::open(&path)?;
    let done = Arc::new(AtomicBool::new(false));
    let stop = done.clone();
    let writing = std::thread::spawn(move || -> Result<u64> {
        let mut n = 0;
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(3) {
            n += 1;
            save_assessment(&writer, "e", n)?;
            chat::save_exchange(&writer, "e", None, &format!("q{n}"), &format!("a{n}"))?;
        }
        stop.store(true, Ordering::SeqCst);
        Ok(n)
    });
    // Two readers on their own connections, like a second window or process.
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let path = path.clone();
            let done = done.clone();
            std::thread::spawn(move || -> Result<usize> {
                let store = Store::open(&path)?;
                let mut reads = 0;
                let mut last = 0;
                while !done.load(Ordering::SeqCst) {
                    let turns = chat::history(&store, "e")?;
                    // Exchanges are written whole: never a question without its answer.
                    assert_eq!(turns.len() % 2, 0);
                    for (i, pair) in turns.chunks(2).enumerate() {
                        assert_eq!(pair[0].role, Role::User);
                        assert_eq!(pair[0].content, format!("q{}", i + 1));
                        assert_eq!(pair[1].content, format!("a{}", i + 1));
                    }
                    let list = assessments::list(&store, "e")?;
                    assert!(list.len() >= last, "rows went missing");
                    last = list.len();
                    for (i, a) in list.iter().enumerate() {
                        assert_eq!(a.metrics, Some(json!({ "words": list.len() - i })));
                    }
                    let stats = essays::stats(&store, "e")?;
                    // Within one transaction: the assessment of exchange n is written just before it.
                    assert!(
                        stats.assessments == stats.chat_messages / 2
                            || stats.assessments == stats.chat_messages / 2 + 1,
                        "{stats:?}"
                    );
                    reads += 1;
                }
                Ok(reads)
            })
        })
        .collect();
    let written = writing
        .join()
        .unwrap_or_else(|_| panic!("writer panicked"))?;
    let mut reads = 0;
    for r in readers {
        reads += r.join().unwrap_or_else(|_| panic!("reader panicked"))?;
    }
    assert!(
        written > 10 && reads > 10,
        "written {written}, reads {reads}"
    );
    let store = Store::open(&path)?;
    assert_eq!(assessments::list(&store, "e")?.len() as u64, written);
    assert_eq!(store.integrity_check()?, "ok");
    Ok(())
}

#[test]
fn a_missing_folder_is_created() -> Result<()> {
    let path = temp_dir("new-folder")
        .join("profile")
        .join("data")
        .join("samsara.db");
    let store = Store::open(&path)?;
    save_assessment(&store, "e", 1)?;
    assert!(path.is_file());
    assert_eq!(store.report().status, "ok");
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_new_history_is_private_to_its_owner() -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("private").join("new-profile").join("nested");
    let path = dir.join("samsara.db");
    let store = Store::open(&path)?;
    save_assessment(&store, "e", 1)?;
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    assert_eq!(mode(&dir), 0o700, "the folder");
    assert_eq!(mode(&path), 0o600, "the file");
    let wal = dir.join("samsara.db-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600, "its journal");
    }
    Ok(())
}

#[test]
fn the_same_feedback_on_the_same_text_is_saved_once() -> Result<()> {
    let store = Store::open(&temp_dir("same-twice").join("samsara.db"))?;
    let save = |comment: &str, text: &str| {
        assessments::save(
            &store,
            &NewAssessment {
                id: &assessments::new_id(),
                file_id: "essay",
                text_hash: &text_hash(text),
                model: "test-model",
                comments: &json!([{ "content": comment, "kind": "block" }]),
                summary: Some("A summary."),
                metrics: None,
            },
        )
    };
    let first = save("Good.", "An essay.")?;
    assert_eq!(
        save("Good.", "An essay.")?,
        first,
        "unchanged text, same feedback"
    );
    assert_eq!(assessments::list(&store, "essay")?.len(), 1);
    assert_ne!(
        save("Better.", "An essay.")?,
        first,
        "different feedback is kept"
    );
    assert_ne!(
        save("Better.", "An edited essay.")?,
        first,
        "another text is kept"
    );
    assert_eq!(assessments::list(&store, "essay")?.len(), 3);
    Ok(())
}

#[test]
fn settings_keep_their_values_and_fall_back_to_their_defaults() -> Result<()> {
    use samsara_native::tasks::settings::{self, Settings, SettingsPatch, Theme};
    let store = Store::open(&temp_dir("settings").join("samsara.db"))?;
    assert_eq!(settings::read(&store)?, Settings::default());
    let patch: SettingsPatch =
        serde_json::from_str(r#"{"theme":"dark","fontSize":20}"#).unwrap_or_else(|e| panic!("{e}"));
    patch.validate()?;
    settings::saving(&patch)(&store)?;
    let s = settings::read(&store)?;
    assert_eq!((s.theme, s.font_size, s.threads), (Theme::Dark, 20, 1));
    // Out of range or unknown: refused with a plain message, nothing saved.
    for bad in [r#"{"fontSize":99}"#, r#"{"threads":0}"#] {
        let p: SettingsPatch = serde_json::from_str(bad).unwrap_or_else(|e| panic!("{e}"));
        let e = p.validate().expect_err(bad);
        assert!(!e.to_string().contains("fontSize"), "{e}");
    }
    assert!(serde_json::from_str::<SettingsPatch>(r#"{"colour":"red"}"#).is_err());
    // A saved value that is no longer valid gives its default.
    samsara_native::store::settings::save(&store, &[("fontSize".into(), json!(400))])?;
    assert_eq!(settings::read(&store)?.font_size, 16);
    Ok(())
}
