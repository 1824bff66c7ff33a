//! What a run tells its reporters (nextest's model: the runner emits events, reporters
//! consume them, the runner never prints).
//!
//! The ladder, the stacks and the polling hold an `&Events` and `emit` into it; `Events`
//! fans each event out to every registered `Reporter` in order (`report/` has one module per
//! reporter). Architecture invariant: outside the reporters and `main.rs` nothing prints.

use crate::compare::Against;
use crate::outcome::{Attempt, RunReport, ScenarioOutcome, Suite};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// One thing that happened during a run. Offsets (`at`, `after`) count from the run's start.
#[derive(Debug, Clone, serde::Serialize)]
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
        at: Duration,
    },
    /// A scenario sent a job (`POST /projects/` or `POST /{pid}/jobs`).
    JobSubmitted {
        scenario: String,
        job_id: Option<String>,
        at: Duration,
    },
    /// The wait for a job's result ended (with its result or without).
    JobSettled {
        scenario: String,
        job_id: Option<String>,
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
    Rollback { at: Duration },
    /// A step of the stack's life-cycle ended: it started at `at` and took `took` (read by
    /// `cargo xtask bench` from events.jsonl; the ladder's phases come from scenario events).
    Phase {
        phase: Phase,
        at: Duration,
        took: Duration,
    },
    /// A signal ended the run early (sent by the interrupt path; every reporter handles it).
    RunInterrupted { signal: String, after: Duration },
    /// The run compared with its baseline (`live-suite`, just before `RunFinished`).
    Compared { against: Against },
    /// The run is over: every reporter writes what it owes.
    RunFinished { report: RunReport },
    /// A line of progress text (stack start-up, warnings).
    Line { text: String },
    /// What the run waits for now (a scenario's job, a backend's health): the spinner's
    /// message and countdown. `waited`: since this wait began; `limit`: when it gives up.
    Waiting {
        what: String,
        waited: Duration,
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
        latency: Duration,
    },
}

/// The stack's life-cycle steps that `Event::Phase` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Binaries (cargo) and, for compose, the images.
    Build,
    /// Start of the backend up to a passed health gate (again on rollback).
    Up,
    /// Teardown of the stack at the end of the run.
    Down,
}

/// Consumes events. Reporters keep their own state (no global state).
pub trait Reporter: Send {
    /// Handles one event. An `Err` is remembered by `Events` and returned by `finish`.
    fn event(&mut self, event: &Event) -> anyhow::Result<()>;
}

/// The fan-out: every event goes to each reporter, in registration order.
pub struct Events {
    reporters: Mutex<Vec<Box<dyn Reporter>>>,
    errors: Mutex<Vec<anyhow::Error>>,
    start: Instant,
    started: SystemTime,
}

impl Events {
    pub fn new(reporters: Vec<Box<dyn Reporter>>) -> Self {
        Events {
            reporters: Mutex::new(reporters),
            errors: Mutex::new(Vec::new()),
            start: Instant::now(),
            started: SystemTime::now(),
        }
    }

    /// No reporter: events go nowhere (tests).
    #[cfg(any(test, feature = "test-support"))]
    pub fn silent() -> Self {
        Events::new(Vec::new())
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
        let mut reporters = self.reporters.lock().unwrap_or_else(|p| p.into_inner());
        for r in reporters.iter_mut() {
            if let Err(e) = r.event(&event) {
                self.errors
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(e);
            }
        }
    }

    /// A line of progress text.
    pub fn line(&self, text: impl Into<String>) {
        self.emit(Event::Line { text: text.into() });
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

    /// Sends `RunFinished` to each reporter in turn and returns the reports that could not
    /// be written (each naming the file and why, each once): the errors any reporter
    /// returned during the run, then during this event. A reporter sees in
    /// `RunReport::unwritten` the failures before its turn, so that what it writes does not
    /// say the run passed while a report is missing.
    pub fn finish(&self, mut report: RunReport) -> Vec<String> {
        let mut reporters = self.reporters.lock().unwrap_or_else(|p| p.into_inner());
        let earlier = std::mem::take(&mut *self.errors.lock().unwrap_or_else(|p| p.into_inner()));
        for e in earlier {
            add_once(&mut report.unwritten, format!("{e:#}"));
        }
        let mut event = Event::RunFinished {
            report: report.clone(),
        };
        for r in reporters.iter_mut() {
            if let Err(e) = r.event(&event) {
                add_once(&mut report.unwritten, format!("{e:#}"));
                event = Event::RunFinished {
                    report: report.clone(),
                };
            }
        }
        report.unwritten
    }
}

fn add_once(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    struct Record(Arc<Mutex<Vec<String>>>, &'static str);

    impl Reporter for Record {
        fn event(&mut self, event: &Event) -> anyhow::Result<()> {
            if let Event::Line { text } = event {
                self.0.lock().unwrap().push(format!("{}:{text}", self.1));
                if text == "fail" {
                    anyhow::bail!("{} could not write", self.1);
                }
            }
            Ok(())
        }
    }

    #[test]
    fn every_reporter_gets_every_event_in_order_and_errors_surface_at_the_end() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let events = Events::new(vec![
            Box::new(Record(seen.clone(), "a")),
            Box::new(Record(seen.clone(), "b")),
        ]);
        events.line("one");
        events.line("fail");
        assert_eq!(
            *seen.lock().unwrap(),
            ["a:one", "b:one", "a:fail", "b:fail"]
        );
        let report = crate::outcome::RunReport {
            run_id: String::new(),
            started: events.started(),
            stack: String::new(),
            base_url: String::new(),
            git_commit: String::new(),
            target: None,
            outcomes: Vec::new(),
            run_dir: Default::default(),
            junit_path: Default::default(),
            summary_path: Default::default(),
            zip_path: Default::default(),
            unwritten: Vec::new(),
        };
        assert_eq!(
            events.finish(report),
            ["a could not write", "b could not write"]
        );
    }
}
