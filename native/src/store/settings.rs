//! The app's settings (tasks/settings.rs says which and checks them): one row per setting, its value as
//! JSON, so a setting added later needs no migration.

use rusqlite::params;
use serde_json::Value;

use super::{Store, NOW};
use crate::error::Result;

/// Every saved setting, by name.
pub fn all(store: &Store) -> Result<Vec<(String, Value)>> {
    store.read(|tx| {
        let mut stmt = tx.prepare("SELECT key, value FROM settings ORDER BY key")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        // A value that no longer parses is skipped: its default applies.
        Ok(rows
            .filter_map(|r| r.ok())
            .filter_map(|(k, v)| Some((k, serde_json::from_str(&v).ok()?)))
            .collect())
    })
}

/// Saves the given settings in one transaction.
pub fn save(store: &Store, values: &[(String, Value)]) -> Result<()> {
    store.write(|tx| {
        for (key, value) in values {
            tx.execute(
                &format!(
                    "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, {NOW})
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
                ),
                params![key, value.to_string()],
            )?;
        }
        Ok(())
    })
}
