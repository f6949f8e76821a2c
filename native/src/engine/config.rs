//! Engine settings: `configure()` patches them; environment variables give the defaults.

use std::path::PathBuf;

use serde::Deserialize;

use crate::analysis::Dialect;
use crate::error::{EngineError, Result};
use crate::provider::{Provider, ProviderPatch};

pub const DEFAULT_QUEUE_CAPACITY: usize = 16;
pub const MAX_THREADS: usize = 256;

#[derive(Debug, Clone)]
pub struct Config {
    pub model_path: PathBuf,
    pub threads: usize,
    pub context_size: Option<usize>,
    pub store_path: Option<PathBuf>,
    pub queue_capacity: usize,
    /// The English the checker expects ($SAMSARA_DIALECT); auto: found from each essay.
    pub dialect: Dialect,
    /// Bumped whenever a setting that needs a reload changes (model path, context size).
    pub model_generation: u64,
    /// Where chat, the model's comments and summaries are computed (local unless configured).
    pub provider: Provider,
}

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|v| *v > 0)
}

impl Default for Config {
    fn default() -> Self {
        Self {
            model_path: std::env::var_os("SAMSARA_MODEL")
                .map(PathBuf::from)
                .or_else(|| crate::manifest::default_model(std::path::Path::new("models")))
                // No manifest here: healthCheck says this file is missing until configure names one.
                .unwrap_or_else(|| PathBuf::from("models")),
            // One thread by default: candle's pool busy-waits, and two threads collapse when the UI or
            // another process uses the other core (see candle-cpu-notes.md).
            threads: env_usize("SAMSARA_THREADS").unwrap_or(1).min(MAX_THREADS),
            context_size: env_usize("SAMSARA_CONTEXT"),
            store_path: std::env::var_os("SAMSARA_STORE").map(PathBuf::from),
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            dialect: std::env::var("SAMSARA_DIALECT")
                .ok()
                .and_then(|d| serde_json::from_value(serde_json::Value::String(d)).ok())
                .unwrap_or_default(),
            model_generation: 0,
            provider: Provider::Local,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigPatch {
    pub model_path: Option<String>,
    pub threads: Option<u64>,
    pub context_size: Option<u64>,
    pub store_path: Option<String>,
    pub queue_capacity: Option<u64>,
    pub dialect: Option<Dialect>,
    pub provider: Option<ProviderPatch>,
}

impl Config {
    pub fn apply(&mut self, p: ConfigPatch) -> Result<()> {
        let mut next = self.clone();
        if let Some(path) = p.model_path {
            if path.trim().is_empty() || path.contains('\0') {
                return Err(EngineError::invalid("modelPath must be a non-empty path."));
            }
            next.model_path = PathBuf::from(path);
        }
        if let Some(t) = p.threads {
            if t == 0 || t > MAX_THREADS as u64 {
                return Err(EngineError::invalid(format!(
                    "threads must be between 1 and {MAX_THREADS}."
                )));
            }
            next.threads = t as usize;
        }
        if let Some(c) = p.context_size {
            if !(64..=1 << 20).contains(&c) {
                return Err(EngineError::invalid(
                    "contextSize must be between 64 and 1048576.",
                ));
            }
            next.context_size = Some(c as usize);
        }
        if let Some(s) = p.store_path {
            if s.contains('\0') {
                return Err(EngineError::invalid("storePath must be a path."));
            }
            next.store_path = if s.is_empty() {
                None
            } else {
                Some(PathBuf::from(s))
            };
        }
        if let Some(q) = p.queue_capacity {
            if !(1..=4096).contains(&q) {
                return Err(EngineError::invalid(
                    "queueCapacity must be between 1 and 4096.",
                ));
            }
            next.queue_capacity = q as usize;
        }
        if let Some(d) = p.dialect {
            next.dialect = d;
        }
        if let Some(provider) = p.provider {
            next.provider = provider.into_provider()?;
        }
        if next.model_path != self.model_path || next.context_size != self.context_size {
            next.model_generation += 1;
        }
        *self = next;
        Ok(())
    }
}
