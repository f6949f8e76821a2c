//! Crash safety: a child process writes assessments and chat exchanges in a loop and reports each
//! write once its transaction has committed; it is killed with SIGKILL at a random moment, 20 times.
//! After each kill the database must open, pass `PRAGMA integrity_check`, and hold every write the
//! child reported. The child is this test binary, started again with SAMSARA_CRASH_CHILD set.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use samsara_native::error::Result;
use samsara_native::store::assessments::{self, NewAssessment};
use samsara_native::store::chat::{self, Role};
use samsara_native::store::{text_hash, Store};
use serde_json::json;

const CHILD_ENV: &str = "SAMSARA_CRASH_CHILD";
const KILLS: usize = 20;
const FILE_ID: &str = "crash-essay";

/// The child: writes until it is killed, printing `@@A <id>` / `@@C <question id>` after each commit
/// (marked, because the test harness prints on the same lines).
#[test]
fn crash_child() -> Result<()> {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return Ok(()); // only does something when started by the test below
    };
    let store = Store::open(Path::new(&path))?;
    println!("@@READY");
    for n in 0u64.. {
        let id = assessments::save(
            &store,
            &NewAssessment {
                id: &assessments::new_id(),
                file_id: FILE_ID,
                text_hash: &text_hash(&n.to_string()),
                model: "crash-test",
                comments: &json!([{ "content": "x".repeat(200 + (n as usize % 500)), "kind": "block" }]),
                summary: Some("summary"),
                metrics: Some(&json!({ "n": n })),
            },
        )?;
        println!("@@A {id}");
        let (q, _) =
            chat::save_exchange(&store, FILE_ID, None, &format!("q{n}"), &format!("a{n}"))?;
        println!("@@C {q}");
    }
    Ok(())
}

/// A small xorshift, seeded from the clock (the seed is printed so a failure can be replayed).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The child's report in a line of output, if there is one.
fn marked(line: &str) -> Option<&str> {
    line.find("@@").map(|i| line[i + 2..].trim_end())
}

fn temp_db() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("samsara-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
    dir.join("samsara.db")
}

#[test]
fn committed_writes_survive_sigkill_20_times() -> Result<()> {
    if std::env::var_os(CHILD_ENV).is_some() {
        return Ok(());
    }
    let seed = std::env::var("SAMSARA_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    eprintln!("crash test seed {seed} (SAMSARA_CRASH_SEED={seed} replays it)");
    let mut rng = Rng(seed);
    let db = temp_db();
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let mut committed_assessments: HashSet<String> = HashSet::new();
    let mut committed_questions: HashSet<i64> = HashSet::new();
    for round in 0..KILLS {
        let mut child = Command::new(&exe)
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait until it writes, then let it run 5–250 ms more: kills land anywhere in a transaction.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let line = rx.recv_timeout(Duration::from_secs(1)).unwrap_or_default();
            if marked(&line) == Some("READY") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "round {round}: child did not start"
            );
        }
        let run_for = Duration::from_millis(5 + rng.next() % 245);
        let started = Instant::now();
        let mut lines = Vec::new();
        while started.elapsed() < run_for {
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(1)) {
                lines.push(l);
            }
        }
        child.kill().unwrap_or_else(|e| panic!("kill: {e}")); // SIGKILL on Unix
        let status = child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
        assert!(
            !status.success(),
            "round {round}: the child ended by itself"
        );
        let _ = reader.join();
        // Lines the child printed before it died are commits it reported.
        lines.extend(rx.try_iter());
        for l in lines.iter().filter_map(|l| marked(l)) {
            if let Some(id) = l.strip_prefix("A ") {
                committed_assessments.insert(id.to_string());
            } else if let Some(q) = l.strip_prefix("C ").and_then(|q| q.parse().ok()) {
                committed_questions.insert(q);
            }
        }

        let store = Store::open(&db)?;
        assert_eq!(store.integrity_check()?, "ok", "round {round}");
        let stored: HashSet<String> = assessments::list(&store, FILE_ID)?
            .into_iter()
            .map(|a| a.id)
            .collect();
        let lost: Vec<&String> = committed_assessments.difference(&stored).collect();
        assert!(lost.is_empty(), "round {round}: lost {lost:?}");
        let turns = chat::history(&store, FILE_ID)?;
        assert_eq!(turns.len() % 2, 0, "round {round}: half an exchange");
        let questions: HashSet<i64> = turns
            .iter()
            .filter(|t| t.role == Role::User)
            .map(|t| t.id)
            .collect();
        let lost: Vec<&i64> = committed_questions.difference(&questions).collect();
        assert!(
            lost.is_empty(),
            "round {round}: lost chat questions {lost:?}"
        );
    }
    eprintln!(
        "{KILLS} kills: {} assessments and {} chat exchanges reported, none lost",
        committed_assessments.len(),
        committed_questions.len()
    );
    assert!(
        committed_assessments.len() > KILLS,
        "the child hardly wrote"
    );
    Ok(())
}
