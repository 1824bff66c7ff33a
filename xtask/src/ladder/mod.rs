//! The gated ladders: L01–L08 live (`live.rs`), the rollback and M01–M04 mocked rerun
//! (`mocked.rs`), and what they share: scenario results, gating, retries with
//! `attempt-<k>/` folders and `notes.txt`.
//!
//! Gating (plan section 4): strictly in order; the first scenario that does not pass writes
//! `notes.txt` (observed, expected, suspected root cause, where to look) and every later
//! one is skipped "gated by <ID>".

pub mod jobs;
pub mod live;
pub mod mocked;

use crate::client::Client;
use crate::evidence::{Evidence, Folder};
use crate::progress::Progress;
use crate::report::{self, ScenarioOutcome, Suite, Verdict};
use crate::stack::Stack;
use std::time::{Duration, Instant};

/// Missed acceptance check (JUnit `failure`) or infrastructure fault (JUnit `error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Fail,
    Error,
}

/// Why a scenario did not pass: the `notes.txt` fields.
#[derive(Debug, Clone)]
pub struct Problem {
    pub kind: Kind,
    /// Observed: one line.
    pub reason: String,
    pub expected: Option<String>,
    pub suspected: Option<String>,
    pub look: Option<String>,
}

impl Problem {
    pub fn fail(reason: impl Into<String>) -> Self {
        Self::new(Kind::Fail, reason)
    }

    pub fn error(reason: impl Into<String>) -> Self {
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

    pub fn expected(mut self, s: impl Into<String>) -> Self {
        self.expected = Some(s.into());
        self
    }

    pub fn suspect(mut self, s: impl Into<String>) -> Self {
        self.suspected = Some(s.into());
        self
    }

    pub fn look(mut self, s: impl Into<String>) -> Self {
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
pub fn ensure(cond: bool, reason: impl FnOnce() -> String) -> Result<(), Problem> {
    if cond {
        Ok(())
    } else {
        Err(Problem::fail(reason()))
    }
}

/// A passing scenario: what passed, and an optional note (a structured limitation).
#[derive(Debug, Clone)]
pub struct Pass {
    pub reason: String,
    pub note: Option<String>,
}

impl Pass {
    pub fn new(reason: impl Into<String>) -> Self {
        Pass {
            reason: one_line(&reason.into()),
            note: None,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

pub type ScenarioResult = Result<Pass, Problem>;

pub struct Scenario {
    pub id: &'static str,
    pub title: &'static str,
    pub suite: Suite,
    /// The plan's acceptance (section 11), the `expected:` of notes.txt.
    pub acceptance: &'static str,
    pub run: fn(&mut Ctx, &mut Folder) -> ScenarioResult,
}

/// Suite-wide settings the scenarios read.
#[derive(Debug, Clone)]
pub struct Settings {
    pub poll_timeout: Duration,
    pub long_run_seconds: u64,
    pub retries: u32,
}

/// A project the later scenarios reuse (L01's, or M01's in the rerun).
#[derive(Debug, Clone)]
pub struct Project {
    pub id: String,
    /// The raw `POST /projects/` answer.
    pub response: String,
    /// Its initial job's result.json, as read.
    pub result: crate::freshness::Fresh,
}

pub struct Ctx<'a> {
    pub client: Client,
    pub stack: &'a mut dyn Stack,
    pub progress: &'a Progress,
    pub settings: Settings,
    pub project: Option<Project>,
}

/// Why a scenario was not run (`--from`, `--only`, `--no-rollback`, …); `None` = run it.
pub type Selection<'s> = &'s dyn Fn(&Scenario) -> Option<String>;

/// Runs `scenarios` in order under `base` (`live` or `mocked/RERUN`), gated, with retries.
/// `gate`: an earlier failure that skips the whole ladder (e.g. `ROLLBACK`).
pub fn run(
    ctx: &mut Ctx,
    ev: &Evidence,
    base: &str,
    scenarios: &[Scenario],
    select: Selection,
    mut gate: Option<String>,
) -> Vec<ScenarioOutcome> {
    let mut outcomes = Vec::new();
    for s in scenarios {
        let skip = gate
            .as_ref()
            .map(|g| format!("gated by {g}"))
            .or_else(|| select(s));
        let outcome = match skip {
            Some(reason) => skipped(s, reason, ctx.progress),
            None => run_one(ctx, ev, base, s),
        };
        if matches!(outcome.verdict, Verdict::Fail | Verdict::Error) && gate.is_none() {
            gate = Some(s.id.to_owned());
        }
        outcomes.push(outcome);
    }
    outcomes
}

/// A scenario that does not run: its line is printed and reported like any other.
pub fn skipped(s: &Scenario, reason: String, progress: &Progress) -> ScenarioOutcome {
    let o = ScenarioOutcome {
        id: s.id.into(),
        title: s.title.into(),
        suite: s.suite,
        verdict: Verdict::Skip,
        duration: Duration::ZERO,
        reason,
        notes: None,
        evidence: Vec::new(),
        started_at: Duration::ZERO,
        observations: Vec::new(),
        failed_attempts: Vec::new(),
        jobs: Vec::new(),
    };
    report::github::group_start(&o.display_name());
    progress.scenario_end(&o);
    report::github::group_end();
    o
}

fn run_one(ctx: &mut Ctx, ev: &Evidence, base: &str, s: &Scenario) -> ScenarioOutcome {
    let rel = format!("{base}/{}", s.id);
    report::github::group_start(&format!("{} {}", s.id, s.title));
    ctx.progress.scenario_start(s.id, s.title);
    let start = Instant::now();
    let started_at = ev.started.elapsed();
    let attempts = ctx.settings.retries + 1;
    let mut failed_attempts: Vec<report::Attempt> = Vec::new();
    let mut jobs: Vec<report::JobMark> = Vec::new();
    let mut result = Err(Problem::error("not run"));
    // Why each earlier attempt did not pass (recorded when a retry then passes).
    let mut earlier: Vec<String> = Vec::new();
    for k in 1..=attempts {
        if k == 2 {
            // A retry: the first attempt's evidence moves into attempt-1/ so each attempt
            // keeps its own.
            if let Err(e) = move_into_attempt_1(ev, &rel) {
                result = Err(Problem::error(format!(
                    "keeping attempt 1's evidence: {e:#}"
                )));
                break;
            }
        }
        if k > 1 {
            ctx.progress.line(&format!(
                "{} retry {}/{}",
                s.id,
                k - 1,
                ctx.settings.retries
            ));
        }
        let folder_rel = if k == 1 {
            rel.clone()
        } else {
            format!("{rel}/attempt-{k}")
        };
        let mut folder = ev.folder(&folder_rel);
        let attempt_start = Instant::now();
        result = (s.run)(ctx, &mut folder);
        jobs.append(&mut folder.jobs);
        // The backend's output during this scenario, redacted like everything else.
        match ctx.stack.take_logs() {
            Ok(Some(logs)) if !logs.is_empty() => {
                if let Err(e) = folder.write("logs.txt", &logs) {
                    ctx.progress
                        .line(&format!("{}: could not save logs.txt: {e:#}", s.id));
                }
            }
            Ok(_) => {}
            Err(e) => ctx
                .progress
                .line(&format!("{}: backend logs unavailable: {e:#}", s.id)),
        }
        if let Some(leak) = folder.leaks.first() {
            result = Err(Problem::fail(format!("secret leak: {leak}"))
                .expected("no secret value in any response, result, log or file")
                .suspect("the worker or backend prints or stores a secret value")
                .look(leak.file.clone()));
        }
        match &result {
            Ok(_) => break,
            Err(p) => {
                earlier.push(format!(
                    "attempt {k}: {} {}",
                    Verdict::from(p.kind).as_str(),
                    p.reason
                ));
                failed_attempts.push(report::Attempt {
                    number: k,
                    verdict: Verdict::from(p.kind),
                    reason: ev.redactor().redact(&p.reason).text,
                    duration: attempt_start.elapsed(),
                    // Attempt 1 moves into attempt-1/ when attempt 2 starts.
                    evidence_dir: if attempts > 1 {
                        format!("{rel}/attempt-{k}")
                    } else {
                        rel.clone()
                    },
                });
            }
        }
    }
    let duration = start.elapsed();
    let (verdict, reason, notes) = match result {
        Ok(pass) => {
            let mut note = pass.note.unwrap_or_default();
            if !earlier.is_empty() {
                note.push_str(&format!(
                    "passed on attempt {} after retries (each attempt's evidence is in \
                     attempt-<k>/):\n{}\n",
                    earlier.len() + 1,
                    earlier.join("\n")
                ));
            }
            let notes = (!note.is_empty())
                .then(|| format!("scenario: {} {}\nverdict: PASS\n{note}\n", s.id, s.title));
            (Verdict::Pass, pass.reason, notes)
        }
        Err(p) => {
            let verdict = Verdict::from(p.kind);
            let notes = failure_notes(s, verdict, &p, attempts);
            (verdict, p.reason, Some(notes))
        }
    };
    if let Some(n) = &notes {
        if let Err(e) = ev.append(&format!("{rel}/notes.txt"), n) {
            ctx.progress
                .line(&format!("{}: could not write notes.txt: {e:#}", s.id));
        }
    }
    let outcome = ScenarioOutcome {
        id: s.id.into(),
        title: s.title.into(),
        suite: s.suite,
        verdict,
        duration,
        reason: ev.redactor().redact(&reason).text,
        notes: notes.map(|n| ev.redactor().redact(&n).text),
        evidence: ev.files_under(&rel),
        started_at,
        observations: Vec::new(),
        failed_attempts,
        jobs,
    };
    ctx.progress.scenario_end(&outcome);
    if matches!(outcome.verdict, Verdict::Fail | Verdict::Error) {
        report::github::error_annotation(&outcome.id, &outcome.reason);
    }
    report::github::group_end();
    outcome
}

impl From<Kind> for Verdict {
    fn from(kind: Kind) -> Verdict {
        match kind {
            Kind::Fail => Verdict::Fail,
            Kind::Error => Verdict::Error,
        }
    }
}

fn failure_notes(s: &Scenario, verdict: Verdict, p: &Problem, attempts: u32) -> String {
    let mut n = format!(
        "scenario: {} {}\nverdict: {}\nobserved: {}\nexpected: {}\nsuspected root cause: {}\nwhere to look: {}\n",
        s.id,
        s.title,
        verdict.as_str(),
        p.reason,
        p.expected.as_deref().unwrap_or(s.acceptance),
        p.suspected.as_deref().unwrap_or("see observed; compare with the plan's expectation"),
        p.look.as_deref().unwrap_or("the other evidence files in this folder, logs.txt"),
    );
    if attempts > 1 {
        n.push_str(&format!(
            "attempts: {attempts} (each attempt's evidence is in attempt-<k>/)\n"
        ));
    }
    n
}

fn move_into_attempt_1(ev: &Evidence, rel: &str) -> anyhow::Result<()> {
    let dir = ev.dir.join(rel);
    let target = dir.join("attempt-1");
    std::fs::create_dir_all(&target)?;
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        if entry.file_name() != "attempt-1" {
            std::fs::rename(entry.path(), target.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// Flattens to one line (reasons go into one-line reports and XML attributes).
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
