//! The gated ladders: L01–L08 live (`live.rs`), the rollback and M01–M04 mocked rerun
//! (`mocked.rs`), the steps scenarios share (`steps.rs`), and what they share here:
//! gating, retries with `attempt-<k>/` folders, `notes.txt` (`notes.rs`).
//!
//! Gating (plan section 4): strictly in order; the first scenario that does not pass writes
//! `notes.txt` (observed, expected, suspected root cause, where to look) and every later
//! one is skipped "gated by <ID>".
//!
//! Architecture invariant: the ladder never prints and does not import `report`; it emits
//! events (`crate::model::events`) and returns `ScenarioOutcome`s.

pub(crate) mod live;
pub(crate) mod mocked;
mod notes;
pub(crate) mod steps;

use crate::evidence::{Evidence, ScenarioDir};
use crate::model::events::{Event, Events};
pub(crate) use crate::model::outcome::{ensure, Pass, Problem, ScenarioResult};
use crate::model::outcome::{Attempt, JobMark, ScenarioOutcome, Suite, Verdict};
use crate::stack::Stack;
use crate::target::client::{AnswerLeak, Client};
use crate::target::target_profile::TargetProfile;
use std::time::{Duration, Instant};

pub struct Scenario {
    pub id: &'static str,
    pub title: &'static str,
    pub suite: Suite,
    /// The plan's acceptance (section 11), the `expected:` of notes.txt.
    pub acceptance: &'static str,
    pub(crate) run: fn(&mut Ctx, &mut ScenarioDir) -> ScenarioResult,
}

/// Suite-wide settings the scenarios read.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub poll_timeout: Duration,
    pub long_run_seconds: u64,
    pub retries: u32,
    /// `--strict`: every observation fails its scenario (the full contract, not only the
    /// plan's acceptance).
    pub strict: bool,
    /// `--settle-grace`: how long a final status without this job's result is looked at
    /// again before it is judged (`freshness::settle`).
    pub settle_grace: Duration,
}

impl Settings {
    /// The settings that change a run's timings or verdicts, by flag name, as `run.json`
    /// records them: a comparison across different ones says so.
    pub(crate) fn recorded(&self) -> std::collections::BTreeMap<String, String> {
        [
            ("poll_timeout", self.poll_timeout.as_secs().to_string()),
            ("long_run_seconds", self.long_run_seconds.to_string()),
            ("retries", self.retries.to_string()),
            ("strict", self.strict.to_string()),
            ("settle_grace", self.settle_grace.as_secs().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

/// A project the later scenarios reuse (L01's, or M01's in the rerun).
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub id: String,
    /// The raw `POST /projects/` answer.
    pub response: String,
    /// Its initial job's result.json, as read.
    pub result: crate::target::freshness::OwnResult,
}

/// What the running attempt recorded besides its result.
#[derive(Debug, Default)]
pub(crate) struct Recorded {
    scenario: String,
    observations: Vec<String>,
    jobs: Vec<JobMark>,
    /// Secrets found in the target's answers (named by step when not the scenario's own).
    leaks: Vec<AnswerLeak>,
}

pub(crate) struct Ctx<'a> {
    pub client: Client,
    pub stack: &'a mut dyn Stack,
    pub events: &'a Events,
    pub settings: Settings,
    pub project: Option<Project>,
    /// What the backend offers (probed before L01, completed by the first create); `None`
    /// when the run did not probe it.
    pub target: Option<TargetProfile>,
    recorded: Recorded,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        client: Client,
        stack: &'a mut dyn Stack,
        events: &'a Events,
        settings: Settings,
    ) -> Self {
        Ctx {
            client,
            stack,
            events,
            settings,
            project: None,
            target: None,
            recorded: Recorded::default(),
        }
    }

    /// Records an observation (one line): something beyond the plan's acceptance that did
    /// not hold. It ends up on the scenario's outcome; the verdict does not change.
    pub(crate) fn observe(&mut self, text: impl Into<String>) {
        let text = crate::model::outcome::one_line(&text.into());
        self.events.emit(Event::Observation {
            scenario: self.recorded.scenario.clone(),
            text: text.clone(),
        });
        self.recorded.observations.push(text);
    }

    /// Moves the leaks the client found so far into this attempt, naming `step` (e.g. "the
    /// setup") as where they were found: they fail the scenario with the rest.
    pub(crate) fn keep_answer_leaks(&mut self, step: &str) {
        for mut leak in self.client.take_leaks() {
            leak.place = format!("{} (during {step})", leak.place);
            self.recorded.leaks.push(leak);
        }
    }

    /// A job is about to be sent: its timeline mark (see `job_sent`, `job_settled`). The
    /// marks end up in `ScenarioOutcome::jobs`, and as `JobSubmitted`/`JobSettled` events.
    pub(crate) fn job_mark(&mut self) -> usize {
        self.recorded.jobs.push(JobMark {
            job_id: None,
            submitted_at: self.events.elapsed(),
            settled_at: None,
        });
        self.recorded.jobs.len() - 1
    }

    /// The backend accepted the job of `mark`; its id is known once the job settles (a
    /// project's initial job).
    pub(crate) fn job_sent(&mut self, mark: usize) {
        self.job_accepted(mark, None);
    }

    /// The backend accepted the job of `mark` and named it.
    pub(crate) fn job_sent_as(&mut self, mark: usize, job_id: &str) {
        self.job_accepted(mark, Some(job_id));
    }

    fn job_accepted(&mut self, mark: usize, job_id: Option<&str>) {
        let m = &mut self.recorded.jobs[mark];
        m.job_id = job_id.map(str::to_owned);
        self.events.emit(Event::JobSubmitted {
            scenario: self.recorded.scenario.clone(),
            job_id: m.job_id.clone(),
            at: m.submitted_at,
        });
    }

    /// The wait for the job of `mark` ended (with its result or without).
    pub(crate) fn job_settled(&mut self, mark: usize, job_id: Option<&str>) {
        let at = self.events.elapsed();
        let m = &mut self.recorded.jobs[mark];
        if let Some(id) = job_id {
            m.job_id = Some(id.to_owned());
        }
        m.settled_at = Some(at);
        self.events.emit(Event::JobSettled {
            scenario: self.recorded.scenario.clone(),
            job_id: m.job_id.clone(),
            at,
        });
    }
}

/// Why a scenario is not run (`--from`, `--only`, `--no-rollback`, …); `None` = run it.
pub(crate) type Selection<'s> = &'s dyn Fn(&Scenario) -> Option<String>;

/// Every scenario runs.
pub(crate) fn run_all(_: &Scenario) -> Option<String> {
    None
}

/// An earlier failure that skips a whole ladder (e.g. `ROLLBACK` for the rerun).
#[derive(Debug, Clone, Default)]
pub(crate) struct Gate(Option<String>);

impl Gate {
    pub(crate) fn open() -> Self {
        Gate(None)
    }

    /// Closed by `id`: every scenario is skipped "gated by <id>".
    pub(crate) fn closed_by(id: &str) -> Self {
        Gate(Some(id.to_owned()))
    }
}

/// Runs `scenarios` in order under `base` (`live` or `mocked/RERUN`), gated, with retries.
pub(crate) fn run(
    ctx: &mut Ctx,
    ev: &Evidence,
    base: &str,
    scenarios: &[Scenario],
    select: Selection,
    Gate(mut gate): Gate,
) -> Vec<ScenarioOutcome> {
    let mut outcomes = Vec::new();
    for s in scenarios {
        let skip = crate::sys::interrupt::not_run()
            .or_else(|| gate.as_ref().map(|g| format!("gated by {g}")))
            .or_else(|| select(s));
        let outcome = match skip {
            Some(reason) => skipped(s, reason, ctx.events),
            None => run_one(ctx, ev, base, s),
        };
        if outcome.verdict.is_failure() && gate.is_none() {
            gate = Some(s.id.to_owned());
        }
        outcomes.push(outcome);
    }
    outcomes
}

/// A scenario that does not run: reported like any other.
pub(crate) fn skipped(s: &Scenario, reason: String, events: &Events) -> ScenarioOutcome {
    let mut o = ScenarioOutcome::new(s.id, s.title, s.suite, Verdict::Skip, reason);
    o.started_at = events.elapsed();
    events.emit(Event::ScenarioFinished { outcome: o.clone() });
    o
}

/// The retry loop: attempts until one passes or none is left; the earlier attempts' evidence
/// moves to `attempt-<k>/`.
fn run_one(ctx: &mut Ctx, ev: &Evidence, base: &str, s: &Scenario) -> ScenarioOutcome {
    let rel = format!("{base}/{}", s.id);
    let started_at = ctx.events.elapsed();
    ctx.events.emit(Event::ScenarioStarted {
        id: s.id.into(),
        title: s.title.into(),
        suite: s.suite,
        at: started_at,
    });
    let start = Instant::now();
    let attempts = ctx.settings.retries + 1;
    let mut failed: Vec<Attempt> = Vec::new();
    let result = loop {
        let k = failed.len() as u32 + 1;
        let attempt_start = Instant::now();
        let folder_rel = if k == 1 {
            rel.clone()
        } else {
            format!("{rel}/attempt-{k}")
        };
        let result = run_attempt(ctx, ev, s, &folder_rel);
        if let Some(i) = crate::sys::interrupt::requested() {
            // Whatever the attempt saw after the signal (a refused connection) is not its
            // verdict: the run was stopped under it.
            break Err(Problem::error(format!(
                "interrupted by {} after {:.1} s",
                i.name(),
                start.elapsed().as_secs_f64()
            ))
            .suspect("the run was stopped by a signal (Ctrl-C, a CI cancel or timeout)"));
        }
        let problem = match result {
            Ok(pass) => break Ok(pass),
            Err(p) if k == attempts => break Err(p),
            Err(p) => p,
        };
        let attempt = Attempt {
            number: k,
            verdict: Verdict::from(problem.kind),
            reason: ev.redactor().redact(&problem.reason).text,
            duration: attempt_start.elapsed(),
            evidence_dir: format!("{rel}/attempt-{k}"),
        };
        ctx.events.emit(Event::AttemptFailed {
            scenario: s.id.into(),
            attempt: attempt.clone(),
            will_retry: true,
        });
        failed.push(attempt);
        // A retry: the first attempt's evidence moves into attempt-1/ so that each attempt
        // keeps its own.
        if k == 1 {
            if let Err(e) = ev.move_into_attempt_1(&rel) {
                break Err(Problem::error(format!(
                    "keeping attempt 1's evidence: {e:#}"
                )));
            }
        }
    };
    let mut outcome = notes::conclude(ctx, ev, s, &rel, result, &failed);
    outcome.started_at = started_at;
    outcome.duration = start.elapsed();
    outcome.failed_attempts = failed;
    ctx.events.emit(Event::ScenarioFinished {
        outcome: outcome.clone(),
    });
    outcome
}

/// One attempt in `folder_rel`: the scenario, then the backend's logs, then the leak check.
fn run_attempt(ctx: &mut Ctx, ev: &Evidence, s: &Scenario, folder_rel: &str) -> ScenarioResult {
    ctx.recorded = Recorded {
        scenario: s.id.into(),
        ..Recorded::default()
    };
    let mut folder = ev.folder(folder_rel);
    // Observations of answers received before this attempt belong to no scenario; a leak
    // belongs to the first one that runs.
    ctx.keep_answer_leaks("the steps before this scenario");
    ctx.client.take_findings();
    let mut result = (s.run)(ctx, &mut folder);
    // What this attempt's answers showed: OpenAPI conformance and Content-Types (see
    // `crate::target::client`), and every secret found in them, kept or not.
    let found = ctx.client.take_findings();
    for text in found.observations {
        ctx.observe(text);
    }
    ctx.recorded.leaks.extend(found.leaks);
    // The backend's output during this scenario, redacted like everything else.
    match ctx.stack.take_logs() {
        Ok(Some(logs)) if !logs.is_empty() => {
            if let Err(e) = folder.write("logs.txt", &logs) {
                ctx.events
                    .line(format!("{}: could not save logs.txt: {e:#}", s.id));
            }
        }
        Ok(_) => {}
        // After a signal the teardown may have removed them already: not worth a line.
        Err(_) if crate::sys::interrupt::requested().is_some() => {}
        Err(e) => ctx
            .events
            .line(format!("{}: backend logs unavailable: {e:#}", s.id)),
    }
    if let Some(leak) = ctx.recorded.leaks.first() {
        result = Err(Problem::fail(format!("secret leak: {leak}"))
            .expected("no secret value, in any encoding, in any answer of the target")
            .suspect(
                "the backend or its worker echoes a secret (an error message, its environment)",
            )
            .look("the answers kept in this folder: the value is [REDACTED] wherever it was"));
    } else if let Some(leak) = folder.leaks.first() {
        result = Err(Problem::fail(format!("secret leak: {leak}"))
            .expected("no secret value in any response, result, log or file")
            .suspect("the worker or backend prints or stores a secret value")
            .look(leak.file.clone()));
    }
    for pass in result.iter_mut() {
        for text in std::mem::take(&mut pass.observations) {
            ctx.observe(text);
        }
    }
    if ctx.settings.strict && result.is_ok() && !ctx.recorded.observations.is_empty() {
        result = Err(strict_failure(&ctx.recorded.observations));
    }
    result
}

/// `--strict`: a scenario that passed the plan's acceptance with observations fails, naming
/// each of them.
fn strict_failure(observations: &[String]) -> Problem {
    Problem::fail(format!(
        "--strict: {} observation{}: {}",
        observations.len(),
        if observations.len() == 1 { "" } else { "s" },
        observations.join("; ")
    ))
    .expected("the plan's acceptance and the full contract (--strict): no observation")
    .suspect("the backend deviates from the contract beyond the plan's acceptance")
    .look("the observations in this notes.txt, and the evidence files they name")
}

#[cfg(test)]
mod tests;
