//! The inference threads for matrix products. Work is split into many small tasks that threads claim
//! one at a time, and the calling thread works too: if another process takes a core, the threads that
//! run simply claim its share, instead of everybody busy-waiting for it (what makes candle's and
//! llama.cpp's 2-thread runs collapse from ~56 to ~4 tok/s on a loaded 2-core machine). Idle workers
//! spin for at most ~50 µs, then sleep on a condition variable.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const SPIN: Duration = Duration::from_micros(50);

/// A task body, with its lifetime erased: `run` does not return before every worker has let go of it.
#[derive(Clone, Copy)]
struct Body(*const (dyn Fn(usize) + Sync));
// SAFETY: the pointee is Sync, and it outlives its use (see `Pool::run`).
unsafe impl Send for Body {}

struct Job {
    body: Body,
    tasks: usize,
    next: Arc<AtomicUsize>,
    /// A task panicked on a worker: `run` fails once every worker has left the job.
    failed: Arc<AtomicBool>,
}

#[derive(Default)]
struct State {
    job: Option<Job>,
    /// Workers inside the current job.
    active: usize,
    shutdown: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Bumped for every job: lets a spinning worker see one without taking the lock.
    epoch: AtomicU64,
    work: Condvar,
    idle: Condvar,
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A buffer that the tasks of one `Pool::run` fill in disjoint parts.
#[derive(Clone, Copy)]
pub struct DisjointMut(*mut f32);
// SAFETY: only a pointer; `part` is unsafe and its callers guarantee the parts are disjoint.
unsafe impl Send for DisjointMut {}
unsafe impl Sync for DisjointMut {}

impl DisjointMut {
    pub fn new(buf: &mut [f32]) -> Self {
        DisjointMut(buf.as_mut_ptr())
    }

    pub fn ptr(self) -> *mut f32 {
        self.0
    }

    /// `len` values from `offset`.
    ///
    /// # Safety
    /// The range lies inside the buffer, and no other task uses it meanwhile.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn part(&self, offset: usize, len: usize) -> &mut [f32] {
        unsafe { std::slice::from_raw_parts_mut(self.0.add(offset), len) }
    }
}

pub struct Pool {
    threads: usize,
    /// One job at a time (the model is shared; only the inference worker runs it, but be sure).
    running: Mutex<()>,
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    /// `threads` in all, counting the caller (1: no worker threads, everything inline).
    pub fn new(threads: usize) -> Pool {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            epoch: AtomicU64::new(0),
            work: Condvar::new(),
            idle: Condvar::new(),
        });
        let workers = (1..threads.max(1))
            .filter_map(|i| {
                let shared = shared.clone();
                std::thread::Builder::new()
                    .name(format!("samsara-math-{i}"))
                    .spawn(move || worker(&shared))
                    .ok()
            })
            .collect::<Vec<_>>();
        Pool {
            threads: workers.len() + 1,
            running: Mutex::new(()),
            shared,
            workers,
        }
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `body(0..tasks)`, each index once, on the pool and the calling thread; returns when all
    /// are done.
    pub fn run(&self, tasks: usize, body: &(dyn Fn(usize) + Sync)) {
        if self.workers.is_empty() || tasks <= 1 {
            (0..tasks).for_each(body);
            return;
        }
        let _one_job = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let next = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicBool::new(false));
        {
            let mut s = lock(&self.shared.state);
            // SAFETY (lifetime erasure): the job is removed below, after every worker that entered it
            // has left (`active == 0`), before this function returns and `body` goes out of scope.
            let body: *const (dyn Fn(usize) + Sync) = body;
            let body: *const (dyn Fn(usize) + Sync + 'static) =
                unsafe { std::mem::transmute(body) };
            s.job = Some(Job {
                body: Body(body),
                tasks,
                next: next.clone(),
                failed: failed.clone(),
            });
            self.shared.epoch.fetch_add(1, Ordering::Release);
        }
        self.shared.work.notify_all();
        // Also when a task panics on this thread: the workers leave the job before `body` goes.
        let job = JobEnd {
            shared: &self.shared,
            next: &next,
            tasks,
        };
        claim(&next, tasks, body);
        drop(job);
        if failed.load(Ordering::Acquire) {
            panic!("a matrix task failed on an inference thread");
        }
    }
}

/// Ends a job: no task is claimed any more, every worker has left it, it is removed.
struct JobEnd<'a> {
    shared: &'a Shared,
    next: &'a AtomicUsize,
    tasks: usize,
}

impl Drop for JobEnd<'_> {
    fn drop(&mut self) {
        self.next.fetch_max(self.tasks, Ordering::Relaxed);
        let started = Instant::now();
        let mut s = lock(&self.shared.state);
        while s.active > 0 {
            if started.elapsed() < SPIN {
                drop(s);
                std::hint::spin_loop();
                s = lock(&self.shared.state);
            } else {
                s = self.shared.idle.wait(s).unwrap_or_else(|p| p.into_inner());
            }
        }
        s.job = None;
    }
}

fn claim(next: &AtomicUsize, tasks: usize, body: &(dyn Fn(usize) + Sync)) {
    loop {
        let t = next.fetch_add(1, Ordering::Relaxed);
        if t >= tasks {
            return;
        }
        body(t);
    }
}

fn worker(shared: &Shared) {
    let mut seen = 0u64;
    loop {
        // Spin a little for the next job (decode runs hundreds of small products per token), then sleep.
        let started = Instant::now();
        while shared.epoch.load(Ordering::Acquire) == seen && started.elapsed() < SPIN {
            std::hint::spin_loop();
        }
        let mut s = lock(&shared.state);
        while shared.epoch.load(Ordering::Acquire) == seen && !s.shutdown {
            s = shared.work.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        if s.shutdown {
            return;
        }
        seen = shared.epoch.load(Ordering::Acquire);
        let Some(job) = s.job.as_ref() else { continue };
        let (body, tasks, next, failed) =
            (job.body, job.tasks, job.next.clone(), job.failed.clone());
        s.active += 1;
        drop(s);
        // SAFETY: `run` keeps the body alive while `active > 0`. A panicking task ends the job (the
        // other tasks are not claimed) and `run` fails; this worker lives on.
        let ran = catch_unwind(AssertUnwindSafe(|| {
            claim(&next, tasks, unsafe { &*body.0 })
        }));
        if ran.is_err() {
            failed.store(true, Ordering::Release);
            next.fetch_max(tasks, Ordering::Relaxed);
        }
        let mut s = lock(&shared.state);
        s.active -= 1;
        if s.active == 0 {
            shared.idle.notify_all();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        lock(&self.shared.state).shutdown = true;
        self.shared.work.notify_all();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_a_worker() -> bool {
        std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("samsara-math"))
    }

    #[test]
    fn a_panicking_task_fails_the_run_and_the_pool_keeps_working() {
        let pool = Pool::new(3);
        // On a worker (the run must not wait forever for it), then on the calling thread (the workers
        // must leave the job before `run` unwinds past its body).
        for panics_on_worker in [true, false] {
            let failed = catch_unwind(AssertUnwindSafe(|| {
                pool.run(256, &|_| {
                    std::thread::sleep(Duration::from_micros(50));
                    if on_a_worker() == panics_on_worker {
                        panic!("task failed");
                    }
                })
            }));
            assert!(
                failed.is_err(),
                "the run fails (worker: {panics_on_worker})"
            );
            let hits = AtomicUsize::new(0);
            pool.run(64, &|_| {
                hits.fetch_add(1, Ordering::Relaxed);
            });
            assert_eq!(hits.load(Ordering::Relaxed), 64, "the next run works");
        }
    }

    #[test]
    fn every_task_runs_exactly_once_on_any_number_of_threads() {
        for threads in [1, 2, 3] {
            let pool = Pool::new(threads);
            for tasks in [0, 1, 5, 64] {
                let hits: Vec<AtomicUsize> = (0..tasks).map(|_| AtomicUsize::new(0)).collect();
                pool.run(tasks, &|t| {
                    hits[t].fetch_add(1, Ordering::Relaxed);
                });
                assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
            }
        }
    }
}
