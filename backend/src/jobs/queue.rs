//! The job queue: jobs of one project run one at a time in submission order; different
//! projects run concurrently up to `MAX_CONCURRENT_JOBS` (a semaphore).
//!
//! `submit` answers at once. When the project is idle it first writes
//! `.codex/request.json` and archives the previous `result.json`, so both are on disk before
//! the POST answers. When another job of the project is still waiting or running, that step
//! happens right before the job runs instead — writing it earlier would hand the running
//! worker somebody else's request.

use super::outcome::{judge, Outcome, INTERRUPTED_BY_SHUTDOWN};
use crate::db::Db;
use crate::runner::{JobSpec, Runner};
use crate::workspace::Workspaces;
use codex_contract::{JobSummary, Status, WorkerRequest};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

const NOT_STARTED_AT_SHUTDOWN: &str = "backend shut down before the job started";
/// How long cancelled runners get to kill and remove their workers after the grace period.
const CLEANUP_AFTER_CANCEL: Duration = Duration::from_secs(20);

/// A job waiting to run. `prepared`: its request.json is written already (by `submit`, for
/// an idle project), so `run_one` does not write it again.
struct Queued {
    job: JobSummary,
    prepared: bool,
}

#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    ws: Workspaces,
    runner: Arc<dyn Runner>,
    permits: Semaphore,
    /// A project has an entry while its drain task lives; the deque holds jobs not started.
    projects: Mutex<HashMap<String, VecDeque<Queued>>>,
    tracker: TaskTracker,
    cancel: CancellationToken,
    closing: AtomicBool,
}

impl Scheduler {
    pub fn new(db: Db, ws: Workspaces, runner: Arc<dyn Runner>, max_concurrent: usize) -> Self {
        Scheduler {
            inner: Arc::new(Inner {
                db,
                ws,
                runner,
                permits: Semaphore::new(max_concurrent),
                projects: Mutex::new(HashMap::new()),
                tracker: TaskTracker::new(),
                cancel: CancellationToken::new(),
                closing: AtomicBool::new(false),
            }),
        }
    }

    pub fn runner_name(&self) -> &'static str {
        self.inner.runner.name()
    }

    /// Queues `job` (already stored as `queued`) and returns without waiting for it.
    pub async fn submit(&self, job: JobSummary) -> anyhow::Result<()> {
        anyhow::ensure!(
            !self.inner.closing.load(Ordering::SeqCst),
            "the backend is shutting down"
        );
        let project_id = job.project_id.clone();
        let start_task = {
            let mut projects = self.inner.lock();
            let idle = !projects.contains_key(&project_id);
            projects
                .entry(project_id.clone())
                .or_default()
                .push_back(Queued {
                    job: job.clone(),
                    prepared: false,
                });
            idle
        };
        if start_task {
            // Idle project: nobody else touches its workspace until the task below starts,
            // and later submissions queue behind this job, so it is still the front one.
            match self.inner.prepare(&job).await {
                Ok(()) => {
                    if let Some(front) = self
                        .inner
                        .lock()
                        .get_mut(&project_id)
                        .and_then(|q| q.front_mut())
                    {
                        front.prepared = front.job.id == job.id;
                    }
                }
                // The drain task retries and records the reason on the job.
                Err(e) => {
                    tracing::warn!(job_id = %job.id, error = format!("{e:#}"), "preparing the workspace failed")
                }
            }
            let inner = self.inner.clone();
            self.inner
                .tracker
                .spawn(async move { inner.drain(project_id).await });
        }
        Ok(())
    }

    /// Shutdown: jobs not started end as `error` now; running jobs get `grace` to finish,
    /// then their workers are killed and they end as `error` ("interrupted by shutdown").
    pub async fn shutdown(&self, grace: Duration) {
        let inner = &self.inner;
        inner.closing.store(true, Ordering::SeqCst);
        let waiting: Vec<JobSummary> = {
            let mut projects = inner.lock();
            projects
                .values_mut()
                .flat_map(|q| q.drain(..).map(|queued| queued.job))
                .collect()
        };
        for job in waiting {
            inner
                .finish(&job, Outcome::error(NOT_STARTED_AT_SHUTDOWN))
                .await;
        }
        inner.tracker.close();
        if tokio::time::timeout(grace, inner.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                grace_s = grace.as_secs(),
                "jobs still running after the grace period; stopping them"
            );
            inner.cancel.cancel();
            if tokio::time::timeout(CLEANUP_AFTER_CANCEL, inner.tracker.wait())
                .await
                .is_err()
            {
                tracing::warn!("runners did not stop in time");
            }
        }
        match inner.db.fail_unfinished(INTERRUPTED_BY_SHUTDOWN).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(jobs = n, "marked unfinished jobs as error"),
            Err(e) => tracing::error!(error = format!("{e:#}"), "cannot mark unfinished jobs"),
        }
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Queued>>> {
        // The map stays consistent even if a holder panicked (each change is one call).
        self.projects.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs the project's jobs in order until its queue is empty.
    async fn drain(self: Arc<Self>, project_id: String) {
        loop {
            let next = {
                let mut projects = self.lock();
                let next = projects.get_mut(&project_id).and_then(|q| q.pop_front());
                if next.is_none() {
                    projects.remove(&project_id);
                }
                next
            };
            match next {
                Some(queued) => self.run_one(queued).await,
                None => return,
            }
        }
    }

    async fn run_one(&self, queued: Queued) {
        let Queued { job, prepared } = queued;
        let permit = tokio::select! {
            p = self.permits.acquire() => p,
            _ = self.cancel.cancelled() => {
                return self.finish(&job, Outcome::error(NOT_STARTED_AT_SHUTDOWN)).await;
            }
        };
        let Ok(_permit) = permit else {
            return; // The semaphore is never closed.
        };
        if self.closing.load(Ordering::SeqCst) {
            return self
                .finish(&job, Outcome::error(NOT_STARTED_AT_SHUTDOWN))
                .await;
        }
        if !prepared {
            if let Err(e) = self.prepare(&job).await {
                return self
                    .finish(
                        &job,
                        Outcome::error(format!("cannot prepare the workspace: {e:#}")),
                    )
                    .await;
            }
        }
        if let Err(e) = self.db.start_job(job.id.clone()).await {
            tracing::error!(job_id = %job.id, error = format!("{e:#}"), "cannot mark the job in_progress");
        }
        let spec = JobSpec {
            project_id: job.project_id.clone(),
            job_id: job.id.clone(),
            job_type: job.job_type,
            instruction: job.instruction.clone(),
            workspace: self.ws.dir(&job.project_id),
        };
        let started = std::time::Instant::now();
        tracing::info!(job_id = %job.id, project_id = %job.project_id, job_type = %job.job_type, runner = self.runner.name(), "job started");
        let run = self.runner.run(&spec, self.cancel.child_token()).await;
        let outcome = judge(&job.id, run, || self.ws.read_result(&job.project_id));
        tracing::info!(
            job_id = %job.id,
            status = if matches!(outcome, Outcome::Completed { .. }) { "completed" } else { "error" },
            ms = started.elapsed().as_millis() as u64,
            "job finished"
        );
        self.finish(&job, outcome).await;
    }

    /// Writes request.json, archiving the previous result (see the module doc).
    async fn prepare(&self, job: &JobSummary) -> anyhow::Result<()> {
        let previous = self
            .db
            .previous_job_id(job.project_id.clone(), job.id.clone())
            .await?;
        let req = WorkerRequest {
            project_id: job.project_id.clone(),
            job_id: job.id.clone(),
            job_type: job.job_type,
            instruction: job.instruction.clone(),
        };
        let ws = self.ws.clone();
        tokio::task::spawn_blocking(move || ws.prepare(&req, previous.as_deref())).await?
    }

    async fn finish(&self, job: &JobSummary, outcome: Outcome) {
        let (status, error, summary) = match outcome {
            Outcome::Completed { summary } => (Status::Completed, None, Some(summary)),
            Outcome::Error { reason, summary } => {
                tracing::warn!(job_id = %job.id, reason = %reason, "job ended in error");
                let summary = summary.unwrap_or_else(|| reason.clone());
                (Status::Error, Some(reason), Some(summary))
            }
        };
        if let Err(e) = self
            .db
            .finish_job(job.id.clone(), status, error, summary)
            .await
        {
            tracing::error!(job_id = %job.id, error = format!("{e:#}"), "cannot record the job's end");
        }
    }
}
