//! Neon glue only: JS values in, engine calls, JS values (or coded errors) out. No logic lives here.
//! Payloads cross as JSON strings: requests parse into tasks/requests.rs types, results serialize from
//! tasks/results.rs types, once, here. native/index.js wraps these raw exports in the documented API.

pub mod analysis;
pub mod engine;
pub mod error;
#[cfg(feature = "fuzz")]
#[doc(hidden)]
pub mod fuzz_targets;
pub mod manifest;
pub mod model;
pub mod provider;
pub mod sampling;
pub mod store;
pub mod tasks;
pub mod template;
pub mod tokenizer;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use neon::prelude::*;
use neon::types::Deferred;

use engine::config::ConfigPatch;
use engine::{engine, JobCtx, StopReason, Task, Work};
use error::EngineError;
use store::thread::Write;
use store::Store;
use tasks::requests::{
    parse, validate_assessment_id, validate_file_id, validate_options, validate_word, AssessInput,
    ChatInput, CheckInput, CompleteInput, SummaryInput, Validate, LIMITS,
};

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, EngineError> {
    serde_json::to_string(value).map_err(|e| EngineError::ActionFailed(e.to_string()))
}

fn js_error<'a, C: Context<'a>>(cx: &mut C, e: &EngineError) -> JsResult<'a, JsError> {
    let err = cx.error(e.to_string())?;
    let code = cx.string(e.code());
    err.set(cx, "code", code)?;
    Ok(err)
}

fn throw<'a, C: Context<'a>, T>(cx: &mut C, e: &EngineError) -> NeonResult<T> {
    let err = js_error(cx, e)?;
    cx.throw(err)
}

fn reject(cx: &mut FunctionContext, deferred: Deferred, e: &EngineError) -> NeonResult<()> {
    let err = js_error(cx, e)?;
    deferred.reject(cx, err);
    Ok(())
}

fn opt_string(cx: &mut FunctionContext, i: usize) -> NeonResult<Option<String>> {
    match cx.argument_opt(i) {
        Some(v) => match v.downcast::<JsString, _>(cx) {
            Ok(s) => Ok(Some(s.value(cx))),
            Err(_) => Ok(None),
        },
        None => Ok(None),
    }
}

/// (payloadJson, requestId?, timeoutMs, onToken?) → Promise<resultJson>
fn queue_action<'a>(
    mut cx: FunctionContext<'a>,
    action: &'static str,
    prepare: fn(&str) -> Result<Work, EngineError>,
) -> JsResult<'a, JsPromise> {
    let (deferred, promise) = cx.promise();
    let json = cx.argument::<JsString>(0)?.value(&mut cx);
    let request_id = opt_string(&mut cx, 1)?;
    let timeout = cx.argument::<JsNumber>(2)?.value(&mut cx);
    let timeout = match validate_options(request_id.as_deref(), timeout) {
        Ok(t) => t,
        Err(e) => {
            reject(&mut cx, deferred, &e)?;
            return Ok(promise);
        }
    };
    let on_token = match cx.argument_opt(3) {
        Some(v) => v
            .downcast::<JsFunction, _>(&mut cx)
            .ok()
            .map(|f| Arc::new(f.root(&mut cx))),
        None => None,
    };
    let work = match prepare(&json) {
        Ok(w) => w,
        Err(e) => {
            reject(&mut cx, deferred, &e)?;
            return Ok(promise);
        }
    };
    let channel = cx.channel();
    let on_token: Option<engine::OnToken> = on_token.map(|cb| {
        let channel = channel.clone();
        Box::new(move |text: &str| {
            let cb = cb.clone();
            let text = text.to_string();
            channel.send(move |mut cx| {
                let f = cb.to_inner(&mut cx);
                let s = cx.string(text);
                f.call_with(&cx).arg(s).exec(&mut cx)
            });
        }) as engine::OnToken
    });
    let reply: engine::Reply = Box::new(move |result| {
        deferred.settle_with(&channel, move |mut cx| match result {
            Ok(json) => Ok(cx.string(json)),
            Err(e) => throw(&mut cx, &e),
        });
    });
    let task = Task {
        action,
        force_load: action == "loadModel",
        work,
        on_token,
        reply,
    };
    if let Err((e, task)) = engine().submit(request_id, timeout, task) {
        (task.reply)(Err(e));
    }
    Ok(promise)
}

fn prepare<T, R, F>(action: &str, json: &str, run: F) -> Result<Work, EngineError>
where
    T: for<'de> serde::Deserialize<'de> + Validate + Send + 'static,
    R: serde::Serialize,
    F: FnOnce(&mut JobCtx, T) -> Result<R, EngineError> + Send + 'static,
{
    let input: T = parse(action, json)?;
    input.validate()?;
    Ok(Box::new(move |ctx: &mut JobCtx| {
        run(ctx, input).and_then(|r| to_json(&r))
    }))
}

fn assess_essay(cx: FunctionContext) -> JsResult<JsPromise> {
    queue_action(cx, "assessEssay", |j| {
        prepare::<AssessInput, _, _>("assessEssay", j, tasks::assess::assess)
    })
}

fn chat(cx: FunctionContext) -> JsResult<JsPromise> {
    queue_action(cx, "chat", |j| {
        prepare::<ChatInput, _, _>("chat", j, tasks::chat::chat)
    })
}

fn generate_feedback_summary(cx: FunctionContext) -> JsResult<JsPromise> {
    queue_action(cx, "generateFeedbackSummary", |j| {
        prepare::<SummaryInput, _, _>("generateFeedbackSummary", j, tasks::summary::summary)
    })
}

fn complete(cx: FunctionContext) -> JsResult<JsPromise> {
    queue_action(cx, "complete", |j| {
        prepare::<CompleteInput, _, _>("complete", j, tasks::complete::complete)
    })
}

fn load_model(cx: FunctionContext) -> JsResult<JsPromise> {
    queue_action(cx, "loadModel", |_| {
        Ok(Box::new(|ctx: &mut JobCtx| {
            let loaded = ctx.model();
            // Then the checker's dictionary, on the quick thread, so the first check is fast too. Not
            // during the load: both at once keep two cores busy, and healthCheck waited for a core.
            let _ = engine::quick::run(Box::new(analysis::checker::warm_up));
            loaded?;
            to_json(&engine().health().model)
        }))
    })
}

/// (providerJson) → Promise<modelsJson>: `GET {baseUrl}/models` on a thread of its own (it waits on
/// the network, so neither the JS thread nor the quick thread may).
fn list_provider_models(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let json = cx.argument::<JsString>(0)?.value(&mut cx);
    let (deferred, promise) = cx.promise();
    let patch = match parse::<provider::ProviderPatch>("listProviderModels", &json) {
        Ok(p) => p,
        Err(e) => {
            reject(&mut cx, deferred, &e)?;
            return Ok(promise);
        }
    };
    let channel = cx.channel();
    let listing = move || {
        let result = catch_unwind(AssertUnwindSafe(|| patch.list_models()))
            .unwrap_or_else(|_| {
                Err(EngineError::ActionFailed(
                    "The model list could not be read.".into(),
                ))
            })
            .and_then(|models| to_json(&models));
        deferred.settle_with(&channel, move |mut cx| match result {
            Ok(json) => Ok(cx.string(json)),
            Err(e) => throw(&mut cx, &e),
        });
    };
    // If the thread can't start, the dropped Deferred rejects the promise (Neon does that).
    let _ = std::thread::Builder::new()
        .name("samsara-provider-list".into())
        .spawn(listing);
    Ok(promise)
}

fn health_check(mut cx: FunctionContext) -> JsResult<JsString> {
    let report = serde_json::to_string(&engine().health()).unwrap_or_else(|_| "{}".into());
    Ok(cx.string(report))
}

fn configure(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let json = cx.argument::<JsString>(0)?.value(&mut cx);
    let applied = parse::<ConfigPatch>("configure", &json).and_then(|p| engine().configure(p));
    match applied {
        Ok(()) => Ok(cx.undefined()),
        Err(e) => throw(&mut cx, &e),
    }
}

fn tokenize(mut cx: FunctionContext) -> JsResult<JsArray> {
    let text = cx.argument::<JsString>(0)?.value(&mut cx);
    let special = cx.argument::<JsBoolean>(1)?.value(&mut cx);
    let ids = engine().codec().and_then(|c| c.encode(&text, special));
    let ids = match ids {
        Ok(ids) => ids,
        Err(e) => return throw(&mut cx, &e),
    };
    let arr = JsArray::new(&mut cx, ids.len());
    for (i, id) in ids.iter().enumerate() {
        let n = cx.number(*id as f64);
        arr.set(&mut cx, i as u32, n)?;
    }
    Ok(arr)
}

fn detokenize(mut cx: FunctionContext) -> JsResult<JsString> {
    let arr = cx.argument::<JsArray>(0)?.to_vec(&mut cx)?;
    let mut ids = Vec::with_capacity(arr.len());
    for v in arr {
        let n = match v.downcast::<JsNumber, _>(&mut cx) {
            Ok(n) => n.value(&mut cx),
            Err(_) => f64::NAN,
        };
        if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64) {
            return throw(
                &mut cx,
                &EngineError::invalid(
                    "detokenize takes an array of token ids (non-negative integers).",
                ),
            );
        }
        ids.push(n as u32);
    }
    match engine().codec().and_then(|c| c.decode(&ids)) {
        Ok(s) => Ok(cx.string(s)),
        Err(e) => throw(&mut cx, &e),
    }
}

/// Runs `run` on the quick thread (never behind an inference) and settles the promise with its JSON.
fn quick_action<'a>(
    mut cx: FunctionContext<'a>,
    checked: Result<(), EngineError>,
    run: impl FnOnce() -> Result<String, EngineError> + Send + 'static,
) -> JsResult<'a, JsPromise> {
    let (deferred, promise) = cx.promise();
    if let Err(e) = checked {
        reject(&mut cx, deferred, &e)?;
        return Ok(promise);
    }
    let channel = cx.channel();
    let job = move || {
        let result = catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| {
            Err(EngineError::ActionFailed(
                "The engine hit an internal error and stopped this request.".into(),
            ))
        });
        deferred.settle_with(&channel, move |mut cx| match result {
            Ok(json) => Ok(cx.string(json)),
            Err(e) => throw(&mut cx, &e),
        });
    };
    // If the job can't be queued, the dropped Deferred rejects the promise (Neon does that).
    let _ = engine::quick::run(Box::new(job));
    Ok(promise)
}

/// Settles a promise from the store thread: rejected at once when `checked` fails.
fn settle_from_store<'a>(
    cx: &mut FunctionContext<'a>,
    checked: Result<(), EngineError>,
    queue: impl FnOnce(Box<dyn FnOnce(Result<String, EngineError>) + Send>) -> Result<(), EngineError>,
) -> JsResult<'a, JsPromise> {
    let (deferred, promise) = cx.promise();
    if let Err(e) = checked {
        reject(cx, deferred, &e)?;
        return Ok(promise);
    }
    let channel = cx.channel();
    let settle = Box::new(move |result: Result<String, EngineError>| {
        deferred.settle_with(&channel, move |mut cx| match result {
            Ok(json) => Ok(cx.string(json)),
            Err(e) => throw(&mut cx, &e),
        });
    });
    // If the job can't be queued, the dropped Deferred rejects the promise (Neon does that).
    let _ = queue(settle);
    Ok(promise)
}

/// A history read on the store thread → Promise<resultJson>.
fn history_read<'a, T: serde::Serialize>(
    mut cx: FunctionContext<'a>,
    checked: Result<(), EngineError>,
    read: impl FnOnce(&Store) -> Result<T, EngineError> + Send + 'static,
) -> JsResult<'a, JsPromise> {
    settle_from_store(&mut cx, checked, |settle| {
        engine()
            .history()
            .read_then(move |s| settle(read(s).and_then(|v| to_json(&v))))
    })
}

/// A history change on the store thread → Promise<"null">.
fn history_write<'a>(
    mut cx: FunctionContext<'a>,
    checked: Result<(), EngineError>,
    write: Write,
) -> JsResult<'a, JsPromise> {
    settle_from_store(&mut cx, checked, |settle| {
        engine()
            .history()
            .write_then(write, Box::new(move |r| settle(r.map(|()| "null".into()))))
    })
}

fn file_id_arg(cx: &mut FunctionContext) -> NeonResult<(String, Result<(), EngineError>)> {
    let file_id = cx.argument::<JsString>(0)?.value(cx);
    let checked = validate_file_id(&file_id);
    Ok((file_id, checked))
}

fn list_assessments(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let (id, checked) = file_id_arg(&mut cx)?;
    history_read(cx, checked, move |s| store::assessments::list(s, &id))
}

fn list_chat(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let (id, checked) = file_id_arg(&mut cx)?;
    history_read(cx, checked, move |s| store::chat::history(s, &id))
}

fn clear_chat(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let (id, checked) = file_id_arg(&mut cx)?;
    history_write(cx, checked, tasks::history::clear_chat(id))
}

fn delete_essay(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let (id, checked) = file_id_arg(&mut cx)?;
    history_write(cx, checked, tasks::history::delete_essay(id))
}

fn delete_assessment(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let id = cx.argument::<JsString>(0)?.value(&mut cx);
    let checked = validate_assessment_id(&id);
    history_write(cx, checked, tasks::history::delete_assessment(id))
}

/// (payloadJson) → Promise<resultJson>: the deterministic checker alone.
fn check_text(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let json = cx.argument::<JsString>(0)?.value(&mut cx);
    let input = parse::<CheckInput>("checkText", &json).and_then(|i| i.validate().map(|()| i));
    match input {
        Ok(input) => quick_action(cx, Ok(()), move || {
            tasks::check::check_text(input).and_then(|r| to_json(&r))
        }),
        Err(e) => quick_action(cx, Err(e), || Ok(String::new())),
    }
}

/// (word) → Promise: addWord and removeWord.
fn word_action<'a>(
    mut cx: FunctionContext<'a>,
    write: fn(String) -> Write,
) -> JsResult<'a, JsPromise> {
    let word = cx.argument::<JsString>(0)?.value(&mut cx);
    let checked = validate_word(&word);
    history_write(cx, checked, write(word))
}

fn add_word(cx: FunctionContext) -> JsResult<JsPromise> {
    word_action(cx, tasks::check::add_word)
}

fn remove_word(cx: FunctionContext) -> JsResult<JsPromise> {
    word_action(cx, tasks::check::remove_word)
}

fn list_words(cx: FunctionContext) -> JsResult<JsPromise> {
    history_read(cx, Ok(()), store::words::list)
}

fn get_settings(cx: FunctionContext) -> JsResult<JsPromise> {
    history_read(cx, Ok(()), tasks::settings::read)
}

/// (patchJson) → Promise<settingsJson>: validated, given to the engine (dialect now, threads at the
/// next load), saved, then read back whole.
fn set_settings(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let json = cx.argument::<JsString>(0)?.value(&mut cx);
    let patch = parse::<tasks::settings::SettingsPatch>("setSettings", &json)
        .and_then(|p| p.validate().map(|()| p))
        .and_then(|p| engine().configure(p.engine_patch()).map(|()| p));
    let write = patch.as_ref().ok().map(tasks::settings::saving);
    settle_from_store(&mut cx, patch.map(drop), |settle| {
        // Called only when the patch was valid (settle_from_store rejects at once otherwise).
        let Some(write) = write else { return Ok(()) };
        engine().history().write_then(
            write,
            Box::new(move |saved| match saved {
                Ok(()) => {
                    // Fails only if the store thread stopped: the dropped promise then rejects.
                    let _ = engine().history().read_then(move |s| {
                        settle(tasks::settings::read(s).and_then(|v| to_json(&v)))
                    });
                }
                Err(e) => settle(Err(e)),
            }),
        )
    })
}

/// The request limits (tasks/requests.rs), as JSON.
fn limits(mut cx: FunctionContext) -> JsResult<JsString> {
    let json = to_json(&LIMITS).unwrap_or_else(|_| "{}".into());
    Ok(cx.string(json))
}

fn cancel(mut cx: FunctionContext) -> JsResult<JsBoolean> {
    let id = cx.argument::<JsString>(0)?.value(&mut cx);
    let reason = match opt_string(&mut cx, 1)?.as_deref() {
        Some("timeout") => StopReason::Timeout,
        _ => StopReason::Cancel,
    };
    let found = engine().cancel(&id, reason);
    Ok(cx.boolean(found))
}

fn cancel_all(mut cx: FunctionContext) -> JsResult<JsNumber> {
    let n = engine().cancel_all();
    Ok(cx.number(n as f64))
}

fn unload_model(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    engine().unload();
    Ok(cx.undefined())
}

#[neon::main]
fn main(mut cx: ModuleContext) -> NeonResult<()> {
    engine::limit_library_threads();
    engine::panics::install_hook();
    cx.export_function("assessEssay", assess_essay)?;
    cx.export_function("chat", chat)?;
    cx.export_function("generateFeedbackSummary", generate_feedback_summary)?;
    cx.export_function("complete", complete)?;
    cx.export_function("loadModel", load_model)?;
    cx.export_function("healthCheck", health_check)?;
    cx.export_function("configure", configure)?;
    cx.export_function("listProviderModels", list_provider_models)?;
    cx.export_function("tokenize", tokenize)?;
    cx.export_function("detokenize", detokenize)?;
    cx.export_function("listAssessments", list_assessments)?;
    cx.export_function("listChat", list_chat)?;
    cx.export_function("clearChat", clear_chat)?;
    cx.export_function("deleteEssay", delete_essay)?;
    cx.export_function("deleteAssessment", delete_assessment)?;
    cx.export_function("limits", limits)?;
    cx.export_function("getSettings", get_settings)?;
    cx.export_function("setSettings", set_settings)?;
    cx.export_function("checkText", check_text)?;
    cx.export_function("addWord", add_word)?;
    cx.export_function("removeWord", remove_word)?;
    cx.export_function("listWords", list_words)?;
    cx.export_function("cancel", cancel)?;
    cx.export_function("cancelAll", cancel_all)?;
    cx.export_function("unloadModel", unload_model)?;
    Ok(())
}
