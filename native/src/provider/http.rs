//! HTTP to the provider (reqwest on tokio, rustls): streamed chat completions as server-sent events
//! (eventsource-stream), the model list, and the server's answers turned into our error codes.
//!
//! A request runs on the engine's worker thread, which blocks on the provider's runtime; every 20 ms
//! it checks the request's JobControl, so cancel and the deadline close the connection (the response
//! is dropped) within that time.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use once_cell::sync::Lazy;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Remote;
use crate::engine::{JobControl, JobCtx, Usage};
use crate::error::{EngineError, Result};
use crate::tasks::generate::Finish;
use crate::template::Message;

/// One worker thread runs every provider request's I/O; the engine's worker waits on it.
static RUNTIME: Lazy<Option<tokio::runtime::Runtime>> = Lazy::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("samsara-provider")
        .enable_all()
        .build()
        .ok()
});

static CLIENT: Lazy<Option<reqwest::Client>> = Lazy::new(|| {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        // Between two reads of a streamed answer (a server that stops sending).
        .read_timeout(Duration::from_secs(30))
        .build()
        .ok()
});

/// How often a running request looks at its JobControl.
const POLL: Duration = Duration::from_millis(20);
/// The model list probe's own limit (healthCheck's reachability).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

fn parts() -> Result<(&'static tokio::runtime::Runtime, &'static reqwest::Client)> {
    match (RUNTIME.as_ref(), CLIENT.as_ref()) {
        (Some(rt), Some(c)) => Ok((rt, c)),
        _ => Err(EngineError::ActionFailed(
            "The HTTP client for the provider could not start.".into(),
        )),
    }
}

/// What the streamed answer came to.
pub struct Streamed {
    pub text: String,
    pub finish: Finish,
    /// The server's token counts, when it reports them.
    pub usage: Option<Usage>,
}

/// The answer's form (`response_format`).
#[derive(Clone, Copy)]
pub enum Format<'a> {
    Text,
    /// JSON of this schema, as OpenAI, vLLM, Ollama and llama.cpp's llama-server ask for it.
    JsonSchema(&'a Value),
    /// The same, as llama-cpp-python's server asks for it (it refuses the form above).
    JsonObject(&'a Value),
}

/// `POST {base}/chat/completions` with `stream: true`: each delta goes to `on_delta` as it arrives.
pub fn chat(
    remote: &Remote,
    messages: &[Message],
    max_tokens: usize,
    format: Format,
    control: &JobControl,
    on_delta: &mut dyn FnMut(&str),
) -> Result<Streamed> {
    let (rt, client) = parts()?;
    let msgs: Vec<Value> = messages
        .iter()
        .map(|m| json!({ "role": m.role, "content": m.content }))
        .collect();
    let mut body = json!({
        "model": remote.model,
        "messages": msgs,
        "stream": true,
        "max_tokens": max_tokens,
        "temperature": 0,
        // The server's token counts in the last event (servers that don't know it ignore it).
        "stream_options": { "include_usage": true },
    });
    match format {
        Format::Text => {}
        Format::JsonSchema(schema) => {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": { "name": "feedback", "strict": true, "schema": schema },
            });
        }
        Format::JsonObject(schema) => {
            body["response_format"] = json!({ "type": "json_object", "schema": schema });
        }
    }
    let mut req = client
        .post(format!("{}/chat/completions", remote.base))
        .timeout(Duration::from_millis(remote.timeout_ms))
        .json(&body);
    if let Some(key) = remote.api_key() {
        req = req.bearer_auth(key);
    }
    rt.block_on(async {
        let response = watch(control, req.send())
            .await?
            .map_err(|e| transport(remote, &e))?;
        check_status(remote, &response)?;
        let mut events = response.bytes_stream().eventsource();
        let mut text = String::new();
        let mut finish = None;
        let mut usage = None;
        loop {
            let Some(event) = watch(control, events.next()).await? else {
                // The stream ended without [DONE]: the answer may be cut anywhere.
                return Err(EngineError::InvalidResponse(format!(
                    "The server at {} ended its answer early (no [DONE]).",
                    remote.host
                )));
            };
            let event = event.map_err(|e| match e {
                eventsource_stream::EventStreamError::Transport(e) => transport(remote, &e),
                other => garbled(remote, &other.to_string()),
            })?;
            if event.data.trim() == "[DONE]" {
                break;
            }
            let chunk: Chunk = serde_json::from_str(&event.data)
                .map_err(|_| garbled(remote, "an event that is not a chat completion chunk"))?;
            if let Some(u) = chunk.usage {
                usage = Some(Usage {
                    prompt_tokens: u.prompt_tokens,
                    generated_tokens: u.completion_tokens,
                });
            }
            if let Some(choice) = chunk.choices.into_iter().next() {
                if let Some(delta) = choice.delta.and_then(|d| d.content) {
                    if !delta.is_empty() {
                        on_delta(&delta);
                        text.push_str(&delta);
                    }
                }
                if let Some(reason) = choice.finish_reason {
                    finish = Some(if reason == "length" {
                        Finish::Length
                    } else {
                        Finish::Stop
                    });
                }
            }
        }
        Ok(Streamed {
            text,
            finish: finish.unwrap_or(Finish::Stop),
            usage,
        })
    })
}

/// `chat` for a job: the remote answer to `messages`, its text streamed to the job's onToken (in
/// `Format::Text`) and its token counts added to the job's usage.
pub fn answer(
    ctx: &mut JobCtx,
    remote: &Remote,
    messages: &[Message],
    max_tokens: usize,
    format: Format,
) -> Result<Streamed> {
    let control = ctx.control;
    let streams = matches!(format, Format::Text);
    let out = chat(
        remote,
        messages,
        max_tokens,
        format,
        control,
        &mut |delta| {
            if streams {
                ctx.emit(delta)
            }
        },
    )?;
    if let Some(u) = out.usage {
        ctx.usage.prompt_tokens += u.prompt_tokens;
        ctx.usage.generated_tokens += u.generated_tokens;
    }
    Ok(out)
}

/// `GET {base}/models`: the ids the server offers.
pub fn list_models(remote: &Remote) -> Result<Vec<String>> {
    let (rt, client) = parts()?;
    let mut req = client
        .get(format!("{}/models", remote.base))
        .timeout(PROBE_TIMEOUT);
    if let Some(key) = remote.api_key() {
        req = req.bearer_auth(key);
    }
    rt.block_on(async {
        let response = req.send().await.map_err(|e| transport(remote, &e))?;
        check_status(remote, &response)?;
        let list: ModelList = response
            .json()
            .await
            .map_err(|_| garbled(remote, "a model list that is not JSON"))?;
        Ok(list.data.into_iter().map(|m| m.id).collect())
    })
}

/// Runs `fut`, giving up with the request's error as soon as it is cancelled or past its deadline
/// (dropping `fut` closes the connection).
async fn watch<F: std::future::Future>(control: &JobControl, fut: F) -> Result<F::Output> {
    tokio::pin!(fut);
    loop {
        control.check()?;
        tokio::select! {
            out = &mut fut => return Ok(out),
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

fn check_status(remote: &Remote, r: &reqwest::Response) -> Result<()> {
    let status = r.status();
    if status.is_success() {
        return Ok(());
    }
    let host = &remote.host;
    let code = status.as_u16();
    Err(match code {
        401 | 403 => EngineError::Down(format!(
            "The server at {host} refused the API key (HTTP {code}). Check the key in Settings."
        )),
        429 | 503 => {
            let wait = r
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            EngineError::Busy(match wait {
                Some(s) => format!(
                    "The server at {host} is busy (HTTP {code}); try again in {s} s."
                ),
                None => format!("The server at {host} is busy (HTTP {code}); try again shortly."),
            })
        }
        404 => EngineError::Down(format!(
            "The server at {host} has no such model or path (HTTP 404): check the base URL (it usually ends in /v1) and the model \"{}\".",
            remote.model
        )),
        _ => EngineError::ActionFailed(format!(
            "The server at {host} could not answer (HTTP {code})."
        )),
    })
}

/// A request that failed on the way: unreachable, refused, reset, or too slow.
fn transport(remote: &Remote, e: &reqwest::Error) -> EngineError {
    let host = &remote.host;
    if e.is_timeout() {
        return EngineError::Timeout(format!("The server at {host} did not answer in time."));
    }
    if e.is_connect() {
        return EngineError::Down(format!(
            "Could not reach the server at {host}: is it running, and is the address right?"
        ));
    }
    EngineError::Down(format!("The connection to the server at {host} was lost."))
}

fn garbled(remote: &Remote, what: &str) -> EngineError {
    EngineError::InvalidResponse(format!("The server at {} sent {what}.", remote.host))
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<ServerUsage>,
}

#[derive(Deserialize)]
struct ServerUsage {
    #[serde(default)]
    prompt_tokens: usize,
    #[serde(default)]
    completion_tokens: usize,
}

#[derive(Deserialize)]
struct Choice {
    delta: Option<Delta>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    content: Option<String>,
}

#[derive(Deserialize)]
struct ModelList {
    data: Vec<ModelId>,
}

#[derive(Deserialize)]
struct ModelId {
    id: String,
}
