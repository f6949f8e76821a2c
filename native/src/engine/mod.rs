//! The engine: one lazily loaded model, one inference worker thread, one bounded FIFO queue.
//!
//! Only the worker loads the model, so ten simultaneous first requests cause exactly one load; the
//! others wait in the queue. `health()` only takes short locks and never waits for the model or queue.

pub mod config;
pub mod control;
pub mod panics;
pub mod quick;

use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use once_cell::sync::{Lazy, OnceCell};
use serde::Serialize;

use crate::error::{EngineError, Result};
use crate::model::{self, transformer::KvState, LoadedModel};
use crate::provider::Provider;
use crate::store::thread::{Retry, StoreThread};
use crate::store::StoreReport;
use crate::tokenizer::TextCodec;
use config::{Config, ConfigPatch};
pub use control::{JobControl, StopReason};

/// The worker's local model and its KV cache, kept between jobs so that a shared prompt prefix is
/// not computed again.
#[derive(Default)]
pub struct Local {
    model: Option<Arc<LoadedModel>>,
    kv: KvState,
    /// A model given by a test: used as it is, never loaded from the settings.
    fixed: bool,
}

impl Local {
    /// A job context's model that is not the engine's (tests, examples).
    pub fn with_model(model: Arc<LoadedModel>) -> Local {
        Local {
            kv: model.net.new_state(),
            model: Some(model),
            fixed: true,
        }
    }
}

/// What a job sees while it runs on the worker.
pub struct JobCtx<'a> {
    local: &'a mut Local,
    /// `loadModel()`: retries a failed load even when the settings did not change.
    force_load: bool,
    pub control: &'a JobControl,
    pub on_token: Option<&'a mut (dyn FnMut(&str) + Send)>,
    /// Tokens the model has run for this job so far (tasks/generate.rs counts them; a remote server's
    /// own counts are added when it reports them).
    pub usage: Usage,
    /// Where this job's model answers come from: the configured provider when the job started, local
    /// once the server failed and fallbackToLocal took over.
    pub provider: Provider,
    /// Why the server's answer was replaced by the local model's (fallbackToLocal).
    pub fallback: Option<String>,
    /// Whether text went to onToken already (a fallback never follows streamed text).
    pub emitted: bool,
}

/// Tokens the model ran for a request: the prompts' tokens (a prefix reused from the cache is not
/// run, so not counted) and every token after them (the answer, and text a schema forces into it).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
}

impl<'a> JobCtx<'a> {
    /// A job on `local`'s model, with the configured provider, streaming nowhere.
    pub fn new(local: &'a mut Local, control: &'a JobControl) -> Self {
        JobCtx {
            local,
            force_load: false,
            control,
            on_token: None,
            usage: Usage::default(),
            provider: engine().config().provider,
            fallback: None,
            emitted: false,
        }
    }

    pub fn check(&self) -> Result<()> {
        self.control.check()
    }

    pub fn emit(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(f) = self.on_token.as_mut() {
            f(text);
            self.emitted = true;
        }
    }

    /// The local model, loaded on this (worker) thread the first time a job needs it: a job that the
    /// remote provider answers never waits for it.
    pub fn model(&mut self) -> Result<Arc<LoadedModel>> {
        if !self.local.fixed {
            let m = engine().ensure_model(self.force_load)?;
            self.control.check()?;
            if !self
                .local
                .model
                .as_ref()
                .is_some_and(|o| Arc::ptr_eq(o, &m))
            {
                self.local.kv = m.net.new_state();
                self.local.model = Some(m);
            }
        }
        self.local
            .model
            .clone()
            .ok_or_else(|| EngineError::Down("No model is loaded.".into()))
    }

    /// The local model's KV cache (call `model()` first).
    pub fn kv(&mut self) -> &mut KvState {
        &mut self.local.kv
    }
}

/// A job's result is its JSON (serialized from the task's typed result, tasks/results.rs).
pub type Work = Box<dyn FnOnce(&mut JobCtx) -> Result<String> + Send>;
pub type Reply = Box<dyn FnOnce(Result<String>) + Send>;
pub type OnToken = Box<dyn FnMut(&str) + Send>;

pub struct Task {
    pub action: &'static str,
    /// `loadModel()`: retries a failed load even when the settings did not change.
    pub force_load: bool,
    pub work: Work,
    pub on_token: Option<OnToken>,
    pub reply: Reply,
}

struct Pending {
    id: String,
    control: Arc<JobControl>,
    task: Task,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Pending>,
    running: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelState {
    Unloaded,
    Loading,
    Ready,
    Failed,
}

struct Slot {
    state: ModelState,
    model: Option<Arc<LoadedModel>>,
    error: Option<String>,
    progress: f32,
    /// The settings generation the model (or the failure) belongs to.
    generation: u64,
}

pub struct Engine {
    config: Mutex<Config>,
    slot: Mutex<Slot>,
    queue: Mutex<Queue>,
    wake: Condvar,
    controls: Mutex<HashMap<String, Arc<JobControl>>>,
    codecs: Mutex<HashMap<PathBuf, Arc<TextCodec>>>,
    /// The history store of the configured storePath, on its own thread.
    history: StoreThread,
    /// Whether the store thread was told the configured storePath.
    history_opened: OnceCell<()>,
    worker: OnceCell<()>,
    /// The threads of the loaded model (0: none loaded yet); a new setting applies at the next load.
    threads_in_use: AtomicU64,
    started: Instant,
    loads: AtomicU64,
    next_id: AtomicU64,
}

static ENGINE: Lazy<Engine> = Lazy::new(|| Engine {
    config: Mutex::new(Config::default()),
    slot: Mutex::new(Slot {
        state: ModelState::Unloaded,
        model: None,
        error: None,
        progress: 0.0,
        generation: 0,
    }),
    queue: Mutex::new(Queue::default()),
    wake: Condvar::new(),
    controls: Mutex::new(HashMap::new()),
    codecs: Mutex::new(HashMap::new()),
    history: StoreThread::new(Retry::default()),
    history_opened: OnceCell::new(),
    worker: OnceCell::new(),
    threads_in_use: AtomicU64::new(0),
    started: Instant::now(),
    loads: AtomicU64::new(0),
    next_id: AtomicU64::new(1),
});

pub fn engine() -> &'static Engine {
    &ENGINE
}

/// candle and rayon (which Harper's tagger uses) size their pools once, from these variables, at
/// first use. They stay at one thread: our pool splits candle's products, and rayon's idle workers
/// spin on the cores the UI and the inference worker need (a healthCheck waited 5 ms for one).
/// Called when the addon loads, before any of them runs.
pub fn limit_library_threads() {
    for var in ["CANDLE_NUM_THREADS", "RAYON_NUM_THREADS"] {
        std::env::set_var(var, "1");
    }
}

/// Locks survive a panic elsewhere: the data they guard stays consistent between statements.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelReport {
    pub state: ModelState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_progress: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthReport {
    pub status: &'static str,
    pub version: &'static str,
    pub uptime_ms: u64,
    pub model: ModelReport,
    pub queue: QueueReport,
    pub store: StoreReport,
    pub threads: usize,
    /// The matrix kernels in use: "avx512-vnni", "avx2" or "scalar".
    pub kernels: &'static str,
    pub model_loads: u64,
    /// Where chat, comments and summaries go; a remote server's last reachability probe.
    pub provider: crate::provider::ProviderReport,
}

#[derive(Debug, Serialize)]
pub struct QueueReport {
    pub running: usize,
    pub waiting: usize,
    pub capacity: usize,
}

impl Engine {
    pub fn configure(&self, patch: ConfigPatch) -> Result<()> {
        let moved = {
            let mut cfg = lock(&self.config);
            let before = cfg.store_path.clone();
            cfg.apply(patch)?;
            (cfg.store_path != before).then(|| cfg.store_path.clone())
        };
        match moved {
            // Opened on the store thread: a locked file never holds up this call.
            Some(path) if self.history_opened.get().is_some() => self.history.open(path),
            _ => Ok(()),
        }
    }

    pub fn config(&self) -> Config {
        lock(&self.config).clone()
    }

    /// Queues a task. Fails at once (nothing queued) when the id is in use or the queue is full.
    /// On failure the task comes back so the caller can answer it with the error.
    pub fn submit(
        &self,
        request_id: Option<String>,
        timeout_ms: u64,
        task: Task,
    ) -> std::result::Result<String, (EngineError, Task)> {
        // The id and timeout were validated by the caller (tasks::requests::validate_options).
        let id = match request_id {
            Some(id) => id,
            None => format!("req-{}", self.next_id.fetch_add(1, Ordering::Relaxed)),
        };
        let control = Arc::new(JobControl::new(timeout_ms));
        {
            let mut controls = lock(&self.controls);
            if controls.contains_key(&id) {
                return Err((
                    EngineError::invalid(format!("requestId {id:?} is already in use.")),
                    task,
                ));
            }
            let capacity = lock(&self.config).queue_capacity;
            let mut q = lock(&self.queue);
            if q.waiting.len() >= capacity {
                let e = EngineError::Busy(format!(
                    "The engine is busy ({} requests waiting). Try again in a moment.",
                    q.waiting.len()
                ));
                return Err((e, task));
            }
            controls.insert(id.clone(), control.clone());
            q.waiting.push_back(Pending {
                id: id.clone(),
                control,
                task,
            });
        }
        self.ensure_worker();
        self.wake.notify_one();
        Ok(id)
    }

    /// Stops a request: a waiting one is answered at once, a running one at its next check.
    pub fn cancel(&self, id: &str, reason: StopReason) -> bool {
        let control = lock(&self.controls).get(id).cloned();
        let Some(control) = control else { return false };
        if !control.stop(reason) {
            return false;
        }
        let removed = {
            let mut q = lock(&self.queue);
            match q.waiting.iter().position(|p| p.id == id) {
                Some(i) => q.waiting.remove(i),
                None => None,
            }
        };
        if let Some(p) = removed {
            lock(&self.controls).remove(&p.id);
            (p.task.reply)(Err(p.control.error()));
        }
        true
    }

    /// Cancels everything waiting or running (app quit).
    pub fn cancel_all(&self) -> usize {
        let ids: Vec<String> = lock(&self.controls).keys().cloned().collect();
        ids.iter()
            .filter(|id| self.cancel(id, StopReason::Cancel))
            .count()
    }

    pub fn health(&self) -> HealthReport {
        let cfg = self.config();
        let (running, waiting) = {
            let q = lock(&self.queue);
            (usize::from(q.running.is_some()), q.waiting.len())
        };
        let slot = lock(&self.slot);
        let current = slot.generation == cfg.model_generation;
        let m = slot.model.as_ref().filter(|_| current);
        let state = if current || slot.state == ModelState::Loading {
            slot.state
        } else {
            ModelState::Unloaded
        };
        let mut error = slot.error.clone().filter(|_| state == ModelState::Failed);
        if state == ModelState::Unloaded && !cfg.model_path.is_file() {
            error = Some(format!(
                "Model file {} not found.",
                cfg.model_path.display()
            ));
        }
        let store = self.history().report();
        let provider = cfg.provider.report();
        let local_down = matches!(
            (state, &error),
            (ModelState::Failed, _) | (ModelState::Unloaded, Some(_))
        );
        // With a server, the local model matters only as its fallback; a server the probe could not
        // reach is down unless the local model stands in for it.
        let (down, degraded) = match &cfg.provider {
            Provider::Local => (local_down, false),
            Provider::Remote(r) => {
                let server_down = provider.reachable == Some(false);
                match r.fallback_to_local {
                    false => (server_down, false),
                    true => (server_down && local_down, server_down || local_down),
                }
            }
        };
        let status = match () {
            _ if down => "down",
            _ if degraded || store.status != "ok" => "degraded",
            _ => "ok",
        };
        HealthReport {
            status,
            version: env!("CARGO_PKG_VERSION"),
            uptime_ms: self.started.elapsed().as_millis() as u64,
            model: ModelReport {
                state,
                name: m.map(|m| m.name.clone()),
                path: m
                    .map(|m| m.path.clone())
                    .unwrap_or(cfg.model_path.clone())
                    .display()
                    .to_string(),
                architecture: m.map(|m| m.architecture.to_string()),
                quantization: m.map(|m| m.quantization.clone()),
                context_length: m.map(|m| m.net.context),
                load_progress: (state == ModelState::Loading).then_some(slot.progress),
                error,
            },
            queue: QueueReport {
                running,
                waiting,
                capacity: cfg.queue_capacity,
            },
            store,
            threads: match self.threads_in_use.load(Ordering::Relaxed) {
                0 => cfg.threads,
                n => n as usize,
            },
            kernels: crate::model::kernels::isa().name(),
            model_loads: self.loads.load(Ordering::Relaxed),
            provider,
        }
    }

    /// The history store of the configured storePath (memory only without one). The first call
    /// starts opening the file on the store thread and returns at once.
    pub fn history(&self) -> &StoreThread {
        self.history_opened.get_or_init(|| {
            let path = lock(&self.config).store_path.clone();
            // If the thread can't start, every history call reports it.
            let _ = self.history.open(path);
        });
        &self.history
    }

    /// The tokenizer of the configured model, built from the file's metadata without loading weights.
    pub fn codec(&self) -> Result<Arc<TextCodec>> {
        let cfg = self.config();
        {
            let slot = lock(&self.slot);
            if let Some(m) = slot
                .model
                .as_ref()
                .filter(|_| slot.generation == cfg.model_generation)
            {
                return Ok(m.codec.clone());
            }
        }
        if let Some(c) = lock(&self.codecs).get(&cfg.model_path) {
            return Ok(c.clone());
        }
        let codec = Arc::new(model::load_codec(&cfg.model_path)?);
        lock(&self.codecs).insert(cfg.model_path.clone(), codec.clone());
        Ok(codec)
    }

    fn ensure_worker(&self) {
        self.worker.get_or_init(|| {
            let spawned = std::thread::Builder::new()
                .name("samsara-inference".into())
                .spawn(|| engine().worker_loop());
            if let Err(e) = spawned {
                // Without a worker nothing can run; answer everything queued instead of hanging.
                let msg = format!("Could not start the inference thread: {e}");
                let drained: Vec<Pending> = lock(&self.queue).waiting.drain(..).collect();
                for p in drained {
                    lock(&self.controls).remove(&p.id);
                    (p.task.reply)(Err(EngineError::ActionFailed(msg.clone())));
                }
            }
        });
    }

    fn worker_loop(&self) {
        let mut local = Local::default();
        loop {
            let job = {
                let mut q = lock(&self.queue);
                loop {
                    if let Some(p) = q.waiting.pop_front() {
                        q.running = Some(p.id.clone());
                        break p;
                    }
                    q = self.wake.wait(q).unwrap_or_else(|p| p.into_inner());
                }
            };
            let Pending { id, control, task } = job;
            let Task {
                action,
                force_load,
                work,
                mut on_token,
                reply,
            } = task;
            if local.model.as_ref().is_some_and(|m| !self.is_current(m)) {
                // Let the old weights go before a new model loads, instead of holding both.
                local = Local::default();
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<String> {
                control.check()?;
                let mut ctx = JobCtx::new(&mut local, &control);
                ctx.force_load = force_load;
                ctx.on_token = on_token
                    .as_mut()
                    .map(|f| f.as_mut() as &mut (dyn FnMut(&str) + Send));
                work(&mut ctx)
            }));
            let result = match outcome {
                Ok(r) => r,
                Err(panic) => {
                    // The cache may be half-written: start the next job from scratch.
                    local.kv.clear();
                    Err(EngineError::ActionFailed(format!(
                        "The engine hit an internal error in {action} and stopped this request ({}). \
Other requests are not affected.",
                        panic_message(&panic)
                    )))
                }
            };
            lock(&self.controls).remove(&id);
            lock(&self.queue).running = None;
            reply(result);
        }
    }

    /// Whether `m` is the model the current settings ask for.
    fn is_current(&self, m: &Arc<LoadedModel>) -> bool {
        let generation = lock(&self.config).model_generation;
        let slot = lock(&self.slot);
        slot.generation == generation && slot.model.as_ref().is_some_and(|s| Arc::ptr_eq(s, m))
    }

    /// Returns the loaded model, loading it on this (worker) thread if needed.
    fn ensure_model(&self, force: bool) -> Result<Arc<LoadedModel>> {
        let cfg = self.config();
        {
            let mut slot = lock(&self.slot);
            let current = slot.generation == cfg.model_generation;
            match (&slot.model, slot.state) {
                (Some(m), ModelState::Ready) if current => return Ok(m.clone()),
                (_, ModelState::Failed) if current && !force => {
                    return Err(EngineError::Down(slot.error.clone().unwrap_or_default()))
                }
                _ => {}
            }
            slot.state = ModelState::Loading;
            slot.progress = 0.0;
            slot.error = None;
            slot.model = None; // free the old weights before loading new ones
            slot.generation = cfg.model_generation;
        }
        let threads = cfg.threads;
        self.threads_in_use.store(threads as u64, Ordering::Relaxed);
        self.loads.fetch_add(1, Ordering::Relaxed);
        let progress = |p: f32| lock(&self.slot).progress = p;
        let loaded = catch_unwind(AssertUnwindSafe(|| {
            model::load(
                &cfg.model_path,
                model::LoadOptions {
                    context: cfg.context_size,
                    threads,
                    codec: lock(&self.codecs).get(&cfg.model_path).cloned(),
                },
                &progress,
            )
        }))
        .unwrap_or_else(|p| {
            Err(EngineError::Down(format!(
                "Model file {}: loading failed ({}).",
                cfg.model_path.display(),
                panic_message(&p)
            )))
        });
        let mut slot = lock(&self.slot);
        match loaded {
            Ok(m) => {
                let m = Arc::new(m);
                lock(&self.codecs).insert(cfg.model_path.clone(), m.codec.clone());
                slot.state = ModelState::Ready;
                slot.progress = 1.0;
                slot.model = Some(m.clone());
                Ok(m)
            }
            Err(e) => {
                slot.state = ModelState::Failed;
                slot.error = Some(e.to_string());
                Err(e)
            }
        }
    }

    /// Drops the model so its memory is returned (`shutdown` cancels the work first); the next request
    /// loads it again.
    pub fn unload(&self) {
        let mut slot = lock(&self.slot);
        slot.model = None;
        slot.state = ModelState::Unloaded;
        slot.error = None;
    }
}

/// Where a caught panic happened, never its message (it may quote the essay: engine/panics.rs).
fn panic_message(_payload: &Box<dyn std::any::Any + Send>) -> String {
    format!("at {}", panics::location())
}
