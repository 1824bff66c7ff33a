//! The run as a whole: `RunReport`, what ended it early (`Interruption`) and the stack's
//! timed life-cycle steps (`Phase`, `PhaseMark`).

use super::{BaselineComparison, ScenarioOutcome, Verdict};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// Everything about one run that the reports need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The run folder's name, e.g. `2025-11-14T17-14-05Z`.
    pub run_id: String,
    /// Wall-clock start of the run.
    pub started: SystemTime,
    pub stack: String,
    pub base_url: String,
    /// The commit of the repository under test (the config file's, or the current
    /// directory's), not the suite's.
    pub git_commit: String,
    /// The target profile (what the backend under test is and can do), when known.
    pub target: Option<serde_json::Value>,
    pub outcomes: Vec<ScenarioOutcome>,
    /// `<out>/<run_id>/`.
    pub run_dir: PathBuf,
    pub junit_path: PathBuf,
    pub summary_path: PathBuf,
    pub zip_path: PathBuf,
    /// The reports that could not be written, each naming the file and why (filled in while
    /// the reports are written: each sees the failures of those before it).
    pub unwritten: Vec<String>,
    /// What the run was compared with (`live-suite`), for the summary, the step summary,
    /// the HTML report and the console.
    pub comparison: Option<BaselineComparison>,
    /// The signal that ended the run early: the reports say they are partial.
    pub interrupted: Option<Interruption>,
    /// The folder of the mocked smoke's own `summary.txt` (`mocked/RERUN`, `mocked/SMOKE`).
    pub smoke_dir: Option<String>,
    /// The settings that change timings or verdicts (`ladder::Settings::recorded`).
    pub settings: std::collections::BTreeMap<String, String>,
    /// The stack's timed steps in the order they ended: build and up before the first
    /// scenario, the rollback's up among them, down after the last; none for a target
    /// someone else runs (`--base-url`).
    #[serde(default)]
    pub phases: Vec<PhaseMark>,
}

#[cfg(test)]
impl RunReport {
    /// A report with empty facts and no outcomes, for tests that set what they look at
    /// (`RunReport { outcomes, ..RunReport::for_tests() }`).
    pub fn for_tests() -> Self {
        RunReport {
            run_id: "r".into(),
            started: SystemTime::UNIX_EPOCH,
            stack: "local".into(),
            base_url: String::new(),
            git_commit: String::new(),
            target: None,
            outcomes: Vec::new(),
            run_dir: PathBuf::new(),
            junit_path: PathBuf::new(),
            summary_path: PathBuf::new(),
            zip_path: PathBuf::new(),
            unwritten: Vec::new(),
            comparison: None,
            interrupted: None,
            smoke_dir: None,
            settings: Default::default(),
            phases: Vec::new(),
        }
    }
}

/// A signal ended the run after `after`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interruption {
    /// `SIGINT`, `SIGTERM` or `SIGHUP`.
    pub signal: String,
    #[serde(with = "crate::model::seconds")]
    pub after: Duration,
}

impl Interruption {
    /// `interrupted by SIGINT after 4.2 s`.
    pub fn describe(&self) -> String {
        format!(
            "interrupted by {} after {:.1} s",
            self.signal,
            self.after.as_secs_f64()
        )
    }
}

impl RunReport {
    /// Passed only when every scenario that ran passed and at least one ran.
    pub fn passed(&self) -> bool {
        let ran = self.outcomes.iter().filter(|o| o.verdict != Verdict::Skip);
        ran.clone().count() > 0 && ran.into_iter().all(|o| o.verdict == Verdict::Pass)
    }

    /// The exit code the run ends with when every report is written: 0 when it passed,
    /// else 1, or 128 + n when a signal cut it short.
    pub fn exit_code(&self) -> i32 {
        let signal = self.interrupted.as_ref().map(|i| match i.signal.as_str() {
            "SIGHUP" => libc::SIGHUP,
            "SIGINT" => libc::SIGINT,
            _ => libc::SIGTERM,
        });
        match signal {
            Some(n) => 128 + n,
            None => i32::from(!self.passed()),
        }
    }

    /// How many observations the scenarios made.
    /// The target profile's one line (`target: /healthz absent, …`), when probed.
    pub fn target_description(&self) -> Option<&str> {
        self.target.as_ref()?.get("description")?.as_str()
    }

    pub fn observations(&self) -> usize {
        self.outcomes.iter().map(|o| o.observations.len()).sum()
    }

    /// How many scenarios have `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.verdict == verdict)
            .count()
    }

    /// The verdict of the whole run: ERROR when a report could not be written, PASS when
    /// every scenario that ran passed (and one ran), else FAIL when an acceptance check
    /// failed, else ERROR for an infrastructure fault, else SKIP (nothing ran).
    pub fn overall_verdict(&self) -> Verdict {
        if !self.unwritten.is_empty() {
            Verdict::Error
        } else if self.passed() {
            Verdict::Pass
        } else if self.count(Verdict::Fail) > 0 {
            Verdict::Fail
        } else if self.count(Verdict::Error) > 0 {
            Verdict::Error
        } else {
            Verdict::Skip
        }
    }

    /// The first scenario that did not pass, if any.
    pub fn first_failure(&self) -> Option<&ScenarioOutcome> {
        self.outcomes.iter().find(|o| o.verdict.is_failure())
    }
}

/// The stack's life-cycle steps that `Event::Phase` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Binaries (cargo) and, for compose, the images.
    Build,
    /// Start of the backend up to a passed health gate (again on rollback).
    Up,
    /// Teardown of the stack at the end of the run.
    Down,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Build => "build",
            Phase::Up => "up",
            Phase::Down => "down",
        }
    }
}

/// One timed step of the stack: it started `at` (from the start of the run) and took `took`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhaseMark {
    pub phase: Phase,
    #[serde(with = "crate::model::seconds")]
    pub at: Duration,
    #[serde(with = "crate::model::seconds")]
    pub took: Duration,
}

impl PhaseMark {
    /// When the step ended, from the start of the run.
    pub fn end(&self) -> Duration {
        self.at + self.took
    }
}
