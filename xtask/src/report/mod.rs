//! The outcome model every report is written from: `summary.txt`, `junit.xml`,
//! `manifest.json`, the GitHub step summary and outputs.

pub mod github;
pub mod html;
pub mod junit;
pub mod screenshot;
pub mod summary;
pub mod zip;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every acceptance check held.
    Pass,
    /// An acceptance check of the plan did not hold (JUnit `failure`).
    Fail,
    /// Infrastructure fault: stack down, timeout, backend stopped answering (JUnit `error`).
    Error,
    /// Not run: gated by an earlier failure, not selected, or not applicable.
    Skip,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Error => "ERROR",
            Verdict::Skip => "SKIP",
        }
    }
}

/// The three JUnit test suites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// L01–L08.
    Live,
    /// The mode switch and its health gate.
    Rollback,
    /// M01–M04 after the rollback.
    MockedRerun,
}

impl Suite {
    pub fn as_str(self) -> &'static str {
        match self {
            Suite::Live => "live",
            Suite::Rollback => "rollback",
            Suite::MockedRerun => "mocked-rerun",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScenarioOutcome {
    /// `L01`..`L08`, `ROLLBACK`, `M01`..`M04`.
    pub id: String,
    /// Title, e.g. `Worker Environment Presence`.
    pub title: String,
    pub suite: Suite,
    pub verdict: Verdict,
    pub duration: Duration,
    /// One line, already redacted: why it failed, was skipped, or what passed.
    pub reason: String,
    /// Longer text (the scenario's notes.txt), already redacted.
    pub notes: Option<String>,
    /// Evidence files, relative to the run folder, with `/` separators.
    pub evidence: Vec<String>,
    /// When it started, as an offset from the start of the run (the HTML timeline).
    pub started_at: Duration,
    /// What was checked beyond the plan's acceptance (never decides the verdict).
    pub observations: Vec<String>,
    /// With `--retries`: every attempt that did not pass, in order.
    pub failed_attempts: Vec<Attempt>,
    /// The jobs it submitted, for the timeline.
    pub jobs: Vec<JobMark>,
}

/// One attempt of a retried scenario that did not pass.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// 1-based.
    pub number: u32,
    pub verdict: Verdict,
    /// One line, already redacted.
    pub reason: String,
    pub duration: Duration,
    /// The attempt's evidence folder relative to the run folder, e.g. `live/L05/attempt-1`.
    pub evidence_dir: String,
}

/// A job a scenario submitted: when (offsets from the start of the run) it was submitted and
/// when its final poll settled it.
#[derive(Debug, Clone)]
pub struct JobMark {
    pub job_id: Option<String>,
    pub submitted_at: Duration,
    pub settled_at: Option<Duration>,
}

impl ScenarioOutcome {
    /// `L01 Worker Environment Presence`: the JUnit testcase name.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.id, self.title)
    }
}

/// Everything about one run that the reports need.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The run folder's name, e.g. `2025-11-14T17-14-05Z`.
    pub run_id: String,
    pub stack: String,
    pub base_url: String,
    pub git_commit: String,
    /// The target profile (what the backend answered about itself), when known.
    pub target: Option<serde_json::Value>,
    /// Wall-clock start of the run.
    pub started: SystemTime,
    pub outcomes: Vec<ScenarioOutcome>,
    /// `<out>/<run_id>/`.
    pub run_dir: PathBuf,
    pub junit_path: PathBuf,
    pub summary_path: PathBuf,
    pub zip_path: PathBuf,
}

impl RunReport {
    /// Passed only when every scenario that ran passed and at least one ran.
    pub fn passed(&self) -> bool {
        let ran = self.outcomes.iter().filter(|o| o.verdict != Verdict::Skip);
        ran.clone().count() > 0 && ran.into_iter().all(|o| o.verdict == Verdict::Pass)
    }
}
