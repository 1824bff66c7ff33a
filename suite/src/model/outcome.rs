//! The outcome model: what a scenario found (`Pass`, `Problem`), what the ladder made of it
//! (`ScenarioOutcome`, with its earlier attempts, observations and job marks) and the whole
//! run (`RunReport`, with the stack's timed phases, in `run.rs`). Every reporter is written
//! from these types.
//!
//! Architecture invariant: this is a leaf module but for the comparison the report carries
//! (`compare::BaselineComparison`), so that the ladder, the polling, the stacks and the reporters can
//! all depend on it without a cycle.

use super::comparison::BaselineComparison;
pub(crate) use run::{Interruption, Phase, PhaseMark, RunReport};
use serde::{Deserialize, Serialize};
pub(crate) use shown::Shown;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
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

    /// `Fail` or `Error`: the scenario ran and did not pass.
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::Error)
    }
}

/// The three JUnit test suites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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

/// Missed acceptance check (JUnit `failure`) or infrastructure fault (JUnit `error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Fail,
    Error,
}

impl From<Kind> for Verdict {
    fn from(kind: Kind) -> Verdict {
        match kind {
            Kind::Fail => Verdict::Fail,
            Kind::Error => Verdict::Error,
        }
    }
}

/// Why a scenario did not pass: the `notes.txt` fields.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub kind: Kind,
    /// Observed: one line.
    pub reason: String,
    pub expected: Option<String>,
    pub suspected: Option<String>,
    pub look: Option<String>,
}

impl Problem {
    pub(crate) fn fail(reason: impl Into<String>) -> Self {
        Self::new(Kind::Fail, reason)
    }

    pub(crate) fn error(reason: impl Into<String>) -> Self {
        Self::new(Kind::Error, reason)
    }

    fn new(kind: Kind, reason: impl Into<String>) -> Self {
        Problem {
            kind,
            reason: one_line(&reason.into()),
            expected: None,
            suspected: None,
            look: None,
        }
    }

    pub(crate) fn expected(mut self, s: impl Into<String>) -> Self {
        self.expected = Some(s.into());
        self
    }

    pub(crate) fn suspect(mut self, s: impl Into<String>) -> Self {
        self.suspected = Some(s.into());
        self
    }

    pub(crate) fn look(mut self, s: impl Into<String>) -> Self {
        self.look = Some(s.into());
        self
    }
}

/// Transport and I/O faults while talking to the backend are infrastructure errors.
impl From<anyhow::Error> for Problem {
    fn from(e: anyhow::Error) -> Self {
        Problem::error(format!("{e:#}"))
            .suspect("the backend is down, restarting or answering something else")
            .look("logs.txt in this folder (backend output)")
    }
}

/// `Err(Problem::fail(reason))` unless `cond`.
pub(crate) fn ensure(cond: bool, reason: impl FnOnce() -> String) -> Result<(), Problem> {
    if cond {
        Ok(())
    } else {
        Err(Problem::fail(reason()))
    }
}

/// A passing scenario: what passed, an optional note (a structured limitation), and what
/// the suite observed beyond the plan's acceptance.
#[derive(Debug, Clone)]
pub(crate) struct Pass {
    pub reason: String,
    pub note: Option<String>,
    /// One-line observations: checks beyond the plan's acceptance that did not hold.
    pub observations: Vec<String>,
}

impl Pass {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Pass {
            reason: one_line(&reason.into()),
            note: None,
            observations: Vec::new(),
        }
    }

    pub(crate) fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Adds an observation (one line) to this pass (or call `Ctx::observe` on the way).
    #[allow(dead_code)] // For scenarios whose observations come with their pass.
    pub(crate) fn observe(mut self, text: impl Into<String>) -> Self {
        self.observations.push(one_line(&text.into()));
        self
    }
}

pub(crate) type ScenarioResult = Result<Pass, Problem>;

/// An earlier attempt of a retried scenario that did not pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1-based.
    pub number: u32,
    pub verdict: Verdict,
    /// One line, redacted.
    pub reason: String,
    #[serde(with = "crate::model::seconds")]
    pub duration: Duration,
    /// Run-relative, e.g. `live/L05/attempt-1`.
    pub evidence_dir: String,
}

/// One job a scenario sent, for the timeline: offsets from the start of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobMark {
    /// Known once the backend named it (an initial job may only be known when it settles).
    pub job_id: Option<String>,
    #[serde(with = "crate::model::seconds")]
    pub submitted_at: Duration,
    /// When the wait for its result ended (`None`: it never did, e.g. the scenario failed
    /// before the wait).
    #[serde(with = "crate::model::seconds::option")]
    pub settled_at: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioOutcome {
    /// `L01`..`L08`, `ROLLBACK`, `M01`..`M04`.
    pub id: String,
    /// Title, e.g. `Worker Environment Presence`.
    pub title: String,
    pub suite: Suite,
    pub verdict: Verdict,
    /// When the scenario started, from the start of the run.
    #[serde(with = "crate::model::seconds")]
    pub started_at: Duration,
    #[serde(with = "crate::model::seconds")]
    pub duration: Duration,
    /// One line, already redacted: why it failed, was skipped, or what passed.
    pub reason: String,
    /// Longer text (the scenario's notes.txt), already redacted.
    pub notes: Option<String>,
    /// Evidence files, relative to the run folder, with `/` separators.
    pub evidence: Vec<String>,
    /// One-line observations (beyond the plan's acceptance), already redacted.
    pub observations: Vec<String>,
    /// The earlier attempts that did not pass (`--retries`); empty without a retry.
    pub failed_attempts: Vec<Attempt>,
    /// The jobs the (last) attempt sent.
    pub jobs: Vec<JobMark>,
    /// What the scenario asks the HTML report to show beside its row.
    #[serde(default)]
    pub shown: Vec<Shown>,
}

impl ScenarioOutcome {
    /// An outcome with no timing, evidence, observation, attempt or job yet.
    pub fn new(id: &str, title: &str, suite: Suite, verdict: Verdict, reason: String) -> Self {
        ScenarioOutcome {
            id: id.into(),
            title: title.into(),
            suite,
            verdict,
            started_at: Duration::ZERO,
            duration: Duration::ZERO,
            reason,
            notes: None,
            evidence: Vec::new(),
            observations: Vec::new(),
            failed_attempts: Vec::new(),
            jobs: Vec::new(),
            shown: Vec::new(),
        }
    }

    /// `name` in the scenario's own folder (`<base>/<ID>/<name>`), or, after retries, in its
    /// last attempt's (`<base>/<ID>/attempt-<k>/<name>`, highest k); never a `setup/` copy.
    pub fn own_file(&self, name: &str) -> Option<&str> {
        let folder = format!("/{}/", self.id);
        self.evidence
            .iter()
            .filter_map(|f| {
                let rest = &f[f.find(&folder)? + folder.len()..];
                if rest == name {
                    return Some((0, f.as_str()));
                }
                let (attempt, file) = rest.split_once('/')?;
                let k: u32 = attempt.strip_prefix("attempt-")?.parse().ok()?;
                (file == name).then_some((k, f.as_str()))
            })
            .max_by_key(|(k, _)| *k)
            .map(|(_, f)| f)
    }

    /// `L01 Worker Environment Presence`: the JUnit testcase name.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.id, self.title)
    }

    /// Passed after at least one failed attempt.
    pub fn is_flaky(&self) -> bool {
        self.verdict == Verdict::Pass && !self.failed_attempts.is_empty()
    }
}

/// The suite's own name and version, written beside the target's commit in every report.
pub(crate) const SUITE_VERSION: &str = concat!("codex-live-suite ", env!("CARGO_PKG_VERSION"));

/// Flattens to one line (reasons go into one-line reports and XML attributes).
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) mod run;
mod shown;
#[cfg(test)]
mod tests;
