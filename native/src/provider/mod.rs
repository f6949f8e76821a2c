//! The remote provider: an OpenAI-compatible server (vLLM, Ollama, llama.cpp's server) that a school
//! runs for its students. `configure({provider})` chooses it; chat, the model's comments and the
//! summary then go to `POST {baseUrl}/chat/completions` (http.rs), while the checker and everything
//! else stay local. healthCheck reports its reachability from a background probe (`GET
//! {baseUrl}/models`), cached, so that healthCheck never waits on the network.
//!
//! The API key is a secret: it goes into the Authorization header and nowhere else — not into errors,
//! logs, healthCheck or `Debug`.

pub mod feedback;
pub mod http;

use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::engine::JobCtx;
use crate::error::{EngineError, Result};
use crate::tasks::results::Answered;

/// Default deadline for one request to the server (each request's own timeoutMs still applies).
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;
/// How long a reachability probe's answer is trusted before healthCheck starts another.
const PROBE_FRESH: Duration = Duration::from_secs(30);

/// `configure({provider})` as given.
#[derive(Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum ProviderPatch {
    Local,
    OpenaiCompatible {
        base_url: String,
        #[serde(default)]
        model: String,
        api_key: Option<String>,
        timeout_ms: Option<u64>,
        fallback_to_local: Option<bool>,
    },
}

impl fmt::Debug for ProviderPatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderPatch::Local => f.write_str("Local"),
            ProviderPatch::OpenaiCompatible { base_url, .. } => {
                write!(f, "OpenaiCompatible({base_url})")
            }
        }
    }
}

/// The server requests go to, once validated.
pub struct Remote {
    /// Without a trailing slash: `{base}/chat/completions`.
    pub base: String,
    /// The host (and port) named in messages; never the key.
    pub host: String,
    pub model: String,
    api_key: Option<String>,
    pub timeout_ms: u64,
    pub fallback_to_local: bool,
    /// The server refused `response_format` json_schema and takes json_object with a schema instead.
    json_object_form: AtomicBool,
    /// The last reachability probe (shared with the probe thread).
    health: Mutex<Probe>,
}

impl fmt::Debug for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Remote")
            .field("base", &self.base)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

#[derive(Default)]
struct Probe {
    running: bool,
    at: Option<Instant>,
    /// Milliseconds since the Unix epoch (native/index.js gives it as ISO 8601 `checkedAt`).
    checked_at_ms: Option<u64>,
    reachable: Option<bool>,
    error: Option<String>,
}

/// Where chat, comments and summaries are computed.
#[derive(Debug, Clone, Default)]
pub enum Provider {
    #[default]
    Local,
    Remote(Arc<Remote>),
}

/// healthCheck().provider.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderReport {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reachable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_at_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ProviderPatch {
    pub fn into_provider(self) -> Result<Provider> {
        Ok(match self.into_remote(true)? {
            Some(remote) => Provider::Remote(remote),
            None => Provider::Local,
        })
    }

    /// The server's model list, for settings offered before they are saved ("Test connection"): the
    /// model may still be unnamed. Blocks on the network (at most the probe's limit).
    pub fn list_models(self) -> Result<Vec<String>> {
        match self.into_remote(false)? {
            Some(remote) => http::list_models(&remote),
            None => Err(EngineError::invalid(
                "listProviderModels needs an openai-compatible provider.",
            )),
        }
    }

    fn into_remote(self, needs_model: bool) -> Result<Option<Arc<Remote>>> {
        let ProviderPatch::OpenaiCompatible {
            base_url,
            model,
            api_key,
            timeout_ms,
            fallback_to_local,
        } = self
        else {
            return Ok(None);
        };
        let url = reqwest::Url::parse(base_url.trim()).map_err(|_| {
            EngineError::invalid("provider.baseUrl must be an http:// or https:// URL.")
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(EngineError::invalid(
                "provider.baseUrl must be an http:// or https:// URL.",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // A password in the URL would end up in messages: the key has its own field.
            return Err(EngineError::invalid(
                "provider.baseUrl must not hold a user name or password; use provider.apiKey.",
            ));
        }
        let model = model.trim().to_string();
        if (needs_model && model.is_empty()) || model.len() > 256 {
            return Err(EngineError::invalid(
                "provider.model must name the server's model (1 to 256 characters).",
            ));
        }
        let api_key = api_key.filter(|k| !k.is_empty());
        if api_key
            .as_ref()
            .is_some_and(|k| k.len() > 4096 || k.chars().any(|c| c.is_control() || c == ' '))
        {
            return Err(EngineError::invalid(
                "provider.apiKey must be printable, without spaces, at most 4096 characters.",
            ));
        }
        let timeout_ms = timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if !(100..=600_000).contains(&timeout_ms) {
            return Err(EngineError::invalid(
                "provider.timeoutMs must be between 100 and 600000.",
            ));
        }
        let host = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        Ok(Some(Arc::new(Remote {
            base: url.as_str().trim_end_matches('/').to_string(),
            host,
            model,
            api_key,
            timeout_ms,
            fallback_to_local: fallback_to_local.unwrap_or(false),
            json_object_form: AtomicBool::new(false),
            health: Mutex::new(Probe::default()),
        })))
    }
}

/// Runs the model's part of a job on the configured server, or on this computer's model. With
/// fallbackToLocal, a server that fails before any text was streamed, while the request still has
/// time, is replaced by the local model for the rest of the job (`ctx.fallback` says why).
pub fn run<T>(
    ctx: &mut JobCtx,
    remote: impl FnOnce(&mut JobCtx, &Remote) -> Result<T>,
    local: impl FnOnce(&mut JobCtx) -> Result<T>,
) -> Result<T> {
    if let Provider::Remote(server) = ctx.provider.clone() {
        match remote(ctx, &server) {
            Err(e)
                if server.fallback_to_local
                    && !ctx.emitted
                    && !matches!(
                        e,
                        EngineError::Cancelled(_) | EngineError::InvalidRequest(_)
                    )
                    && ctx.check().is_ok() =>
            {
                ctx.fallback = Some(e.to_string());
                ctx.provider = Provider::Local;
            }
            done => return done,
        }
    }
    local(ctx)
}

/// Which provider wrote a job's model part, for its result.
pub fn answered(ctx: &JobCtx) -> Answered {
    Answered {
        answered_by: ctx.provider.kind(),
        fallback_reason: ctx.fallback.clone(),
    }
}

impl Provider {
    pub fn kind(&self) -> &'static str {
        match self {
            Provider::Local => "local",
            Provider::Remote(_) => "openai-compatible",
        }
    }

    /// What healthCheck says; starts a probe in the background when the last one is stale. Never
    /// waits on the network.
    pub fn report(&self) -> ProviderReport {
        let Provider::Remote(remote) = self else {
            return ProviderReport {
                kind: "local",
                ..Default::default()
            };
        };
        let mut p = remote.health.lock().unwrap_or_else(|e| e.into_inner());
        let stale = p.at.is_none_or(|at| at.elapsed() > PROBE_FRESH);
        if stale && !p.running {
            p.running = true;
            let remote = remote.clone();
            std::thread::Builder::new()
                .name("samsara-provider-probe".into())
                .spawn(move || remote.probe())
                .map_err(|_| p.running = false)
                .ok();
        }
        ProviderReport {
            kind: "openai-compatible",
            base_url: Some(remote.base.clone()),
            model: Some(remote.model.clone()),
            reachable: p.reachable,
            checked_at_ms: p.checked_at_ms,
            error: p.error.clone(),
        }
    }
}

impl Remote {
    pub(crate) fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    /// `GET {base}/models`, recorded for healthCheck.
    fn probe(&self) {
        let outcome = http::list_models(self);
        let mut p = self.health.lock().unwrap_or_else(|e| e.into_inner());
        p.running = false;
        p.at = Some(Instant::now());
        p.checked_at_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_millis() as u64);
        match outcome {
            Ok(_) => {
                p.reachable = Some(true);
                p.error = None;
            }
            Err(e) => {
                p.reachable = Some(false);
                p.error = Some(e.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(json: &str) -> Result<Provider> {
        serde_json::from_str::<ProviderPatch>(json)
            .map_err(|e| EngineError::invalid(e.to_string()))?
            .into_provider()
    }

    #[test]
    fn remote_settings_are_checked_and_the_key_never_shows() {
        let p = patch(r#"{"kind":"openai-compatible","baseUrl":"http://10.0.0.5:8080/v1/","model":"qwen","apiKey":"sk-SECRET"}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let Provider::Remote(r) = &p else {
            panic!("remote expected")
        };
        assert_eq!(r.base, "http://10.0.0.5:8080/v1");
        assert_eq!(r.host, "10.0.0.5:8080");
        assert!(!format!("{p:?}").contains("SECRET"));
        assert!(matches!(patch(r#"{"kind":"local"}"#), Ok(Provider::Local)));
        for bad in [
            r#"{"kind":"openai-compatible","baseUrl":"ftp://x","model":"m"}"#,
            r#"{"kind":"openai-compatible","baseUrl":"http://u:pw@x","model":"m"}"#,
            r#"{"kind":"openai-compatible","baseUrl":"http://x","model":" "}"#,
            r#"{"kind":"openai-compatible","baseUrl":"http://x","model":"m","timeoutMs":5}"#,
            r#"{"kind":"openai-compatible","baseUrl":"http://x","model":"m","apiKey":"a b"}"#,
            r#"{"kind":"openai-compatible","baseUrl":"http://x","model":"m","extra":1}"#,
            r#"{"kind":"ollama"}"#,
        ] {
            let e = patch(bad).err().unwrap_or_else(|| panic!("accepted {bad}"));
            assert_eq!(e.code(), "INVALID_REQUEST", "{bad}");
        }
    }
}
