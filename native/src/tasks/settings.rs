//! getSettings / setSettings: the app's settings, kept in the history store so they follow the
//! student's history. Setting the dialect or the threads also configures the engine (lib.rs; threads
//! take effect at the next model load).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::analysis::Dialect;
use crate::engine::config::{ConfigPatch, MAX_THREADS};
use crate::error::{EngineError, Result};
use crate::store::thread::Write;
use crate::store::{settings, Store};

pub const MIN_FONT_SIZE: u32 = 12;
pub const MAX_FONT_SIZE: u32 = 28;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub dialect: Dialect,
    pub theme: Theme,
    /// The essay and feedback text size, in CSS pixels.
    pub font_size: u32,
    pub threads: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            dialect: Dialect::Auto,
            theme: Theme::System,
            font_size: 16,
            threads: 1,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SettingsPatch {
    pub dialect: Option<Dialect>,
    pub theme: Option<Theme>,
    pub font_size: Option<u32>,
    pub threads: Option<u64>,
}

/// The most inference threads worth offering: this machine's cores.
pub fn max_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(MAX_THREADS)
}

impl SettingsPatch {
    pub fn validate(&self) -> Result<()> {
        if let Some(size) = self.font_size {
            if !(MIN_FONT_SIZE..=MAX_FONT_SIZE).contains(&size) {
                return Err(EngineError::invalid(format!(
                    "The text size must be between {MIN_FONT_SIZE} and {MAX_FONT_SIZE}."
                )));
            }
        }
        if let Some(t) = self.threads {
            if t == 0 || t > max_threads() as u64 {
                return Err(EngineError::invalid(format!(
                    "The number of threads must be between 1 and {} on this computer.",
                    max_threads()
                )));
            }
        }
        Ok(())
    }

    /// The patch as (name, JSON value) rows.
    fn rows(&self) -> Vec<(String, Value)> {
        let mut rows = Vec::new();
        let mut put = |key: &str, v: Option<Value>| {
            if let Some(v) = v {
                rows.push((key.to_string(), v));
            }
        };
        put(
            "dialect",
            self.dialect.and_then(|d| serde_json::to_value(d).ok()),
        );
        put(
            "theme",
            self.theme.and_then(|t| serde_json::to_value(t).ok()),
        );
        put("fontSize", self.font_size.map(Value::from));
        put("threads", self.threads.map(Value::from));
        rows
    }
}

/// The saved settings over the defaults; a saved value that is no longer valid gives its default. The
/// dialect and threads default to the engine's ($SAMSARA_DIALECT, $SAMSARA_THREADS in development), so
/// applying unsaved settings at start-up changes nothing.
pub fn read(store: &Store) -> Result<Settings> {
    let cfg = crate::engine::engine().config();
    let mut s = Settings {
        dialect: cfg.dialect,
        threads: cfg.threads,
        ..Settings::default()
    };
    for (key, value) in settings::all(store)? {
        let patch: SettingsPatch = match serde_json::from_value(serde_json::json!({ key: value })) {
            Ok(p) => p,
            Err(_) => continue,
        };
        if patch.validate().is_err() {
            continue;
        }
        apply(&mut s, &patch);
    }
    Ok(s)
}

fn apply(s: &mut Settings, p: &SettingsPatch) {
    if let Some(d) = p.dialect {
        s.dialect = d;
    }
    if let Some(t) = p.theme {
        s.theme = t;
    }
    if let Some(f) = p.font_size {
        s.font_size = f;
    }
    if let Some(t) = p.threads {
        s.threads = t as usize;
    }
}

impl SettingsPatch {
    /// What the engine takes from these settings: the dialect at once, the threads at the next load.
    pub fn engine_patch(&self) -> ConfigPatch {
        ConfigPatch {
            dialect: self.dialect,
            threads: self.threads,
            ..ConfigPatch::default()
        }
    }
}

/// The history write of a settings patch (validated by the caller; replayable: store/thread.rs).
pub fn saving(patch: &SettingsPatch) -> Write {
    let rows = patch.rows();
    Arc::new(move |store| settings::save(store, &rows))
}
