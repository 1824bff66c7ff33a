//! What a run tells its reporters (nextest's model: the runner emits events, reporters
//! consume them, the runner never prints).
//!
//! The ladder, the stacks and the polling hold an `&Events` and `emit` into it; `Events`
//! hands each event to its [`Sink`]: the run's reporter (`report::Shared::events`), which
//! fans it out to its live outputs and, at the end, writes every report from the final
//! `RunReport`. Architecture invariant: outside the reporters and `main.rs` nothing prints.

pub(crate) use crate::model::outcome::Phase;
use crate::model::outcome::{Attempt, PhaseMark, RunReport, ScenarioOutcome, Suite};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// One thing that happened during a run. Offsets (`at`, `after`) count from the run's start.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The stack is up; the ladder is about to start.
    RunStarted {
        run_id: String,
        stack: String,
        base_url: String,
        /// The target profile, when known.
        target: Option<serde_json::Value>,
    },
    /// A scenario starts running (not sent for skipped scenarios).
    ScenarioStarted {
        id: String,
        title: String,
        suite: Suite,
        #[serde(with = "crate::model::seconds")]
        at: Duration,
    },
    /// A scenario sent a job (`POST /projects/` or `POST /{pid}/jobs`).
    JobSubmitted {
        scenario: String,
        job_id: Option<String>,
        #[serde(with = "crate::model::seconds")]
        at: Duration,
    },
    /// The wait for a job's result ended (with its result or without).
    JobSettled {
        scenario: String,
        job_id: Option<String>,
        #[serde(with = "crate::model::seconds")]
        at: Duration,
    },
    /// An attempt did not pass; `will_retry`: another attempt follows.
    AttemptFailed {
        scenario: String,
        attempt: Attempt,
        will_retry: bool,
    },
    /// Something the suite checks beyond the plan's acceptance did not hold (one line).
    Observation { scenario: String, text: String },
    /// A scenario is over (passed, failed, errored or skipped).
    ScenarioFinished { outcome: ScenarioOutcome },
    /// The stack rolls back to mocked mode (plan section 8).
    Rollback {
        #[serde(with = "crate::model::seconds")]
        at: Duration,
    },
    /// A step of the stack's life-cycle ended: it started at `at` and took `took` (kept for
    /// `RunReport::phases`, the report's timeline; read by benchmarks from
    /// events.jsonl; the ladder's phases come from scenario events).
    Phase {
        phase: Phase,
        #[serde(with = "crate::model::seconds")]
        at: Duration,
        #[serde(with = "crate::model::seconds")]
        took: Duration,
    },
    /// A signal ended the run early (sent by the interrupt path; every reporter handles it).
    RunInterrupted {
        signal: String,
        #[serde(with = "crate::model::seconds")]
        after: Duration,
    },
    /// The run is over: every reporter writes what it owes (boxed: the largest event by far).
    RunFinished { report: Box<RunReport> },
    /// A line of progress text (stack start-up, warnings).
    Line { text: String },
    /// What the run waits for now (a scenario's job, a backend's health): the spinner's
    /// message and countdown. `waited`: since this wait began; `limit`: when it gives up.
    Waiting {
        what: String,
        #[serde(with = "crate::model::seconds")]
        waited: Duration,
        #[serde(with = "crate::model::seconds")]
        limit: Duration,
    },
    /// A request the scenarios' client sent and how it ended (`--verbose` prints it).
    Request {
        method: String,
        /// From the backend's root, e.g. `/api/v1/projects/`.
        path: String,
        /// `None`: no answer (refused, reset, timed out).
        status: Option<u16>,
        /// Until the answer's headers (or the failure).
        #[serde(with = "crate::model::seconds")]
        latency: Duration,
    },
}

/// Where every event goes (the run's live outputs, in their order); returns what could not
/// be written.
pub(crate) type Sink = Box<dyn FnMut(&Event) -> Vec<anyhow::Error> + Send>;

/// The fan-out: every event goes to the run's one [`Sink`]; errors in writing are kept for
/// the end of the run, and the stack's phases for its report.
pub struct Events {
    sink: Mutex<Sink>,
    errors: Mutex<Vec<anyhow::Error>>,
    phases: Mutex<Vec<PhaseMark>>,
    start: Instant,
    started: SystemTime,
}

impl Events {
    pub fn new(sink: Sink) -> Self {
        Events {
            sink: Mutex::new(sink),
            errors: Mutex::new(Vec::new()),
            phases: Mutex::new(Vec::new()),
            start: Instant::now(),
            started: SystemTime::now(),
        }
    }

    /// No output: events go nowhere (a caller that only wants the result, and tests).
    pub fn silent() -> Self {
        Events::new(Box::new(|_| Vec::new()))
    }

    /// Wall-clock start of the run.
    pub fn started(&self) -> SystemTime {
        self.started
    }

    /// Time since the run started (the offsets of the timeline).
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    pub fn emit(&self, event: Event) {
        if let Event::Phase { phase, at, took } = event {
            self.phases
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(PhaseMark { phase, at, took });
        }
        let mut sink = self.sink.lock().unwrap_or_else(|p| p.into_inner());
        let failed = sink(&event);
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(failed);
    }

    /// A line of progress text.
    pub fn line(&self, text: impl Into<String>) {
        self.emit(Event::Line { text: text.into() });
    }

    /// The stack's phases sent so far, in the order they ended (`RunReport::phases`).
    pub fn phases(&self) -> Vec<PhaseMark> {
        self.phases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Runs `step` and sends `Phase` with its timing (also when it fails).
    pub fn timed<T>(&self, phase: Phase, step: impl FnOnce() -> T) -> T {
        let at = self.elapsed();
        let out = step();
        self.emit(Event::Phase {
            phase,
            at,
            took: self.elapsed().saturating_sub(at),
        });
        out
    }

    /// What the run waits for now, for how long so far, and until when.
    pub fn waiting(&self, what: impl Into<String>, waited: Duration, limit: Duration) {
        self.emit(Event::Waiting {
            what: what.into(),
            waited,
            limit,
        });
    }

    /// Records an error in writing a report outside the reporters (e.g. `target.json`):
    /// `finish` names it like a reporter's.
    pub fn fail(&self, error: anyhow::Error) {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(error);
    }

    /// The errors in writing kept so far, each once, in their order (the end of a run
    /// adds them to `RunReport::unwritten`); none are kept after.
    pub fn take_errors(&self) -> Vec<String> {
        let kept = std::mem::take(&mut *self.errors.lock().unwrap_or_else(|p| p.into_inner()));
        let mut once = Vec::new();
        for e in kept {
            add_once(&mut once, format!("{e:#}"));
        }
        once
    }
}

/// Adds `item` to `list` unless it is there already.
pub(crate) fn add_once(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests;
