//! models/manifest.json: the models we know (file, architecture, hash, where to fetch them) and the
//! default. Model file names are written there only; code and tests look them up.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{EngineError, Result};

#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub default: String,
    pub models: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
pub struct Entry {
    pub id: String,
    pub file: String,
    pub architecture: String,
    /// Not fetched by `npm install` (`npm run fetch-models:extra`).
    #[serde(default)]
    pub extra: bool,
}

impl Manifest {
    /// Reads `dir/manifest.json`.
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            EngineError::ActionFailed(format!("{} could not be read: {e}", path.display()))
        })?;
        serde_json::from_str(&text).map_err(|e| {
            EngineError::ActionFailed(format!("{} is not a model manifest: {e}", path.display()))
        })
    }

    pub fn default_entry(&self) -> Option<&Entry> {
        self.models.iter().find(|m| m.id == self.default)
    }

    /// The first model of an architecture ("llama", "qwen2", "gemma3").
    pub fn of_architecture(&self, architecture: &str) -> Option<&Entry> {
        self.models.iter().find(|m| m.architecture == architecture)
    }
}

/// The default model in `dir` as the manifest there names it; None without a readable manifest.
pub fn default_model(dir: &Path) -> Option<PathBuf> {
    let manifest = Manifest::read(dir).ok()?;
    manifest.default_entry().map(|m| dir.join(&m.file))
}
