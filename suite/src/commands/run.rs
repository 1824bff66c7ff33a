//! The run skeleton `live-suite` and `smoke` share: evidence → stack → ladder → finish.

use super::{ReportNotWritten, EXIT_FAIL, EXIT_PASS};
use crate::cli::StackArgs;
use crate::compare::{Baseline, RunRecord};
use crate::evidence::{files, Evidence};
use crate::ladder::{Ctx, Settings};
use crate::model::events::{Event, Events, Phase};
use crate::model::outcome::Interruption;
use crate::model::outcome::{RunReport, ScenarioOutcome};
use crate::model::secrets::{IfAbsent, Secrets};
use crate::report::terminal::Console;
use crate::report::{Reporter, Shared};
use crate::stack::suite_config::SuiteConfig;
use crate::stack::{external::ExternalStack, Launcher, Stack, StackOptions, StackOwner};
use crate::sys::journal;
use crate::target::client::Client;
use crate::target::conformance::Conformance;
use crate::target::preflight::Target;
use crate::target::target_profile::{Presence, Probed, TargetProfile};
use anyhow::{Context, Result};
use codex_contract::Mode;
use std::sync::Arc;
use std::time::Duration;

/// What a run needs besides its ladders.
pub(crate) struct RunPlan<'a> {
    pub stack: &'a StackArgs,
    /// `--mocked-base-url` (live-suite with `--base-url` only).
    pub mocked_base_url: Option<&'a str>,
    /// The mode the stack starts in.
    pub mode: Mode,
    pub settings: Settings,
    /// The folder of the mocked smoke's own summary.txt (`mocked/RERUN`, `mocked/SMOKE`).
    pub smoke_dir: &'a str,
    /// What the run compares itself with at its end.
    pub baseline: Baseline,
    /// Which stack the run starts (unless `--base-url`).
    pub launcher: &'a dyn Launcher,
    /// How the human output looks, and whether stdout carries JSON lines.
    pub console: &'a Console,
}

/// Claims the run folder, starts the stack, runs `ladders`, stops the stack and writes
/// every report. Returns the exit code (0 pass, 1 a scenario failed).
pub(crate) fn execute(
    plan: RunPlan,
    secrets: &Secrets,
    ladders: impl FnOnce(&mut Ctx, &Evidence) -> Vec<ScenarioOutcome>,
) -> Result<i32> {
    // A bad live-suite.toml is a setup error before anything is created.
    let config = Arc::new(plan.launcher.config(&plan.stack.request())?);
    // The commit under test, read beside the run: a `git` call costs nothing at its end.
    let commit_dir = plan.launcher.commit_dir(&config);
    let commit = std::thread::spawn(move || git_commit(&commit_dir));
    let with_env_file = env_file_secrets(&config, secrets, plan.console)?;
    let secrets = with_env_file.as_ref().unwrap_or(secrets);
    let ev = Evidence::create(&plan.stack.out, secrets.redactor())?;
    crate::sys::interrupt::run_begins();
    // Before anything is started: whatever the run starts, its reaper can end. Dropped at
    // the end of the run, the guard tells the reaper that the run cleaned up after itself (a
    // signal's path exits before, and the reaper checks what the teardown hooks removed).
    let (_reaper, why_not) = crate::reaper::start();
    if let Some(e) = why_not {
        eprint_reaper(&e);
    }
    if plan.stack.keep_up {
        journal::tell(journal::Entry::Keep);
    }
    let reporter = Shared::new(Reporter::for_run(&ev, plan.console, plan.stack.copies()));
    let events = Arc::new(reporter.events());
    // What earlier runs left when they were killed with their reapers goes first.
    crate::reaper::sweep(&events);
    let mut stack = start_stack(&plan, secrets, &ev, &events, config)
        .map_err(|e| setup_failed(&ev, &events, e))?;
    let base_url = stack.base_url();
    events.line(format!("run {} -> {}", ev.run_id, ev.dir.display()));
    if let Some(note) = unignored_evidence(&plan.stack.out) {
        events.line(note);
    }
    // Before L01: what the target offers (target.json, one line), and its OpenAPI document.
    let probed = Client::new(&base_url, ev.redactor().clone()).and_then(|client| {
        let mut client = client
            .with_max_body(plan.stack.max_body)
            .with_events(Arc::clone(&events));
        probe_target(&mut client, &ev, &events).map(|t| (client, t))
    });
    let (client, target) = match probed {
        Ok(probed) => probed,
        Err(e) => {
            let e = setup_failed(&ev, &events, e);
            stack.shutdown().context("stopping the stack")?;
            return Err(e);
        }
    };
    events.emit(Event::RunStarted {
        run_id: ev.run_id.clone(),
        stack: stack.name().to_owned(),
        base_url: base_url.clone(),
        target: Some(target.to_value()),
    });
    let settings = plan.settings.recorded();
    let mut ctx = Ctx::new(client, &mut *stack, &events, plan.settings);
    ctx.target = Some(target);
    let outcomes = ladders(&mut ctx, &ev);
    // The first create completed the profile (jobs, job_id) and named it; without one it is
    // named now, as far as it is known.
    let target = ctx.target.take().expect("set above");
    if target.jobs.is_none() {
        events.line(target.describe());
    }
    if let Err(e) = ev.write(files::TARGET, &target.to_json()) {
        events.fail(e);
    }
    let interrupted = stop_unless_interrupted(&events, &mut *stack)?;
    let found = Found {
        stack: stack.name().to_owned(),
        base_url,
        target,
        outcomes,
        git_commit: commit.join().unwrap_or_else(|_| "unknown".into()),
        interrupted,
        settings,
        smoke_dir: plan.smoke_dir.to_owned(),
    };
    let report = run_report(&ev, &events, &plan.baseline, found)?;
    finish(&reporter, &events, report)
}

/// A setup error once the run folder exists: it leaves the reviewer why (see
/// `report::setup_error`); what could not be written is said, the error is the run's.
fn setup_failed(ev: &Evidence, events: &Events, e: anyhow::Error) -> anyhow::Error {
    let reason = ev.redactor().redact(&format!("{e:#}")).text;
    for why in crate::report::setup_error(ev, &reason) {
        events.line(format!("warning: the setup error's report: {why}"));
    }
    e
}

/// What a run found, for its report.
struct Found {
    stack: String,
    base_url: String,
    target: TargetProfile,
    outcomes: Vec<ScenarioOutcome>,
    git_commit: String,
    interrupted: Option<Interruption>,
    settings: std::collections::BTreeMap<String, String>,
    smoke_dir: String,
}

/// The caller's secrets completed from the config's `env_file` (masked on GitHub at once),
/// when the config names one other than the default `.env.live` of the current folder.
fn env_file_secrets(
    config: &SuiteConfig,
    secrets: &Secrets,
    console: &Console,
) -> Result<Option<Secrets>> {
    let Some(file) = &config.source else {
        return Ok(None);
    };
    let default = std::env::current_dir()?.join(".env.live");
    if !config.env_file_required && config.env_file == default {
        return Ok(None);
    }
    let if_absent = if config.env_file_required {
        IfAbsent::Refuse
    } else {
        IfAbsent::Skip
    };
    let completed = secrets
        .completed_by(&config.env_file, if_absent)
        .with_context(|| format!("{}: `env_file`", file.display()))?;
    Reporter::mask(&completed, console);
    Ok(Some(completed))
}

/// After the ladders: the stack stops (timed as the `down` phase), unless a signal came,
/// whose teardown hooks stop it meanwhile while the partial report is written first (3 s
/// budget).
fn stop_unless_interrupted(events: &Events, stack: &mut dyn Stack) -> Result<Option<Interruption>> {
    let Some(i) = crate::sys::interrupt::requested() else {
        events
            .timed(Phase::Down, || stack.shutdown())
            .context("stopping the stack")?;
        return Ok(None);
    };
    let interruption = Interruption {
        signal: i.name().to_owned(),
        after: events.elapsed(),
    };
    events.emit(Event::RunInterrupted {
        signal: interruption.signal.clone(),
        after: interruption.after,
    });
    Ok(Some(interruption))
}

/// The run's report, from what it found, compared with its baseline.
fn run_report(
    ev: &Evidence,
    events: &Events,
    baseline: &Baseline,
    found: Found,
) -> Result<RunReport> {
    let report = RunReport {
        run_id: ev.run_id.clone(),
        started: events.started(),
        stack: found.stack,
        base_url: found.base_url,
        git_commit: found.git_commit,
        target: Some(found.target.to_value()),
        outcomes: found.outcomes,
        run_dir: ev.dir.clone(),
        junit_path: ev.dir.join(files::JUNIT),
        summary_path: ev.dir.join(files::SUMMARY),
        zip_path: ev
            .dir
            .parent()
            .context("run folder has a parent")?
            .join(format!("{}.zip", ev.run_id)),
        unwritten: Vec::new(),
        comparison: None,
        interrupted: found.interrupted,
        smoke_dir: Some(found.smoke_dir),
        settings: found.settings,
        phases: events.phases(),
    };
    // The record the comparison reads holds everything but the comparison itself.
    let say = |line: String| events.line(line);
    let comparison = baseline.compare(&RunRecord::from_report(&report), &say);
    Ok(RunReport {
        comparison,
        ..report
    })
}

/// Without a reaper the run goes on; a SIGKILL would then leave its stack behind.
fn eprint_reaper(e: &std::io::Error) {
    crate::report::text::eprint_line(&format!(
        "warning: no reaper for this run ({e}): a SIGKILL would leave its stack running \
         until the next run or `codex-live-suite down`"
    ));
}

/// Writes every report and returns the exit code: 0 or 1 by the verdicts, or
/// [`ReportNotWritten`] (exit 3) when a report could not be written, whatever the verdicts.
fn finish(reporter: &Shared, events: &Events, report: RunReport) -> Result<i32> {
    let passed = report.passed();
    let unwritten = reporter.finish(events, report);
    // A signal during the run (or while the report was written): exit 128 + signal once
    // the teardown is done. The report is written, whether or not a reporter failed.
    if let Some(i) = crate::sys::interrupt::requested() {
        for why in &unwritten {
            events.line(format!("writing the partial report: {why}"));
        }
        crate::sys::interrupt::conclude(i);
    }
    if !unwritten.is_empty() {
        return Err(ReportNotWritten(unwritten).into());
    }
    Ok(if passed { EXIT_PASS } else { EXIT_FAIL })
}

/// The target profile (written to target.json and named on the console) and, when the
/// target serves `/openapi.json`, the conformance check of every later answer, from the
/// probes' one read of it. A secret in any of these answers is a setup error naming it.
fn probe_target(client: &mut Client, ev: &Evidence, events: &Events) -> Result<TargetProfile> {
    let probed = TargetProfile::probe_keeping_openapi(client);
    if let Some(leak) = client.take_leaks().first() {
        anyhow::bail!(
            "secret leak while probing the target (its profile and /openapi.json) before the \
             ladder: {leak}"
        );
    }
    let Probed {
        profile: target,
        openapi,
    } = probed?;
    ev.write(files::TARGET, &target.to_json())?;
    if target.openapi == Presence::Present {
        match Conformance::from_reply(&openapi) {
            Ok(Some(doc)) => {
                client.check_conformance(doc);
                events.line("openapi: every JSON answer is checked against /openapi.json");
            }
            Ok(None) => {}
            Err(e) => events.line(format!(
                "openapi: /openapi.json cannot be used, answers are not checked: {e:#}"
            )),
        }
    }
    Ok(target)
}

/// Starts the stack of the run in `ev` the options ask for, printing the choice and the
/// reason first.
pub(crate) fn start_stack(
    plan: &RunPlan,
    secrets: &Secrets,
    ev: &Evidence,
    events: &Arc<Events>,
    config: Arc<SuiteConfig>,
) -> Result<Box<dyn Stack>> {
    let opts = StackOptions {
        mode: plan.mode,
        keep_up: plan.stack.keep_up,
        secrets: secrets.clone(),
        owner: StackOwner::Run {
            run_id: ev.run_id.clone(),
        },
        events: Arc::clone(events),
        config,
        publish_address: plan.stack.publish_address,
        images: None,
        evidence: Some(ev.clone()),
        health_timeout: Duration::from_secs(plan.stack.health_timeout),
    };
    if let Some(url) = &plan.stack.base_url {
        opts.announce(&format!("external {url} (chosen with --base-url)"));
        let base = Target {
            flag: "--base-url",
            url,
            mode: plan.mode,
        };
        let mocked = plan.mocked_base_url.map(|url| Target {
            flag: "--mocked-base-url",
            url,
            mode: Mode::Mocked,
        });
        return Ok(Box::new(ExternalStack::connect(
            &base,
            mocked.as_ref(),
            &opts,
        )?));
    }
    plan.launcher.start(&opts)
}

/// A note when `out` lies in a git work tree that does not ignore it: every run adds a
/// folder and a zip that `git status` would show.
fn unignored_evidence(out: &std::path::Path) -> Option<String> {
    let mut cmd = std::process::Command::new("git");
    cmd.args(["check-ignore", "-q", "--"]).arg(out);
    let checked = crate::sys::process::output_within(cmd, Duration::from_secs(5)).ok()??;
    // 0: ignored; 1: in a work tree, not ignored; 128: no work tree, or outside it.
    (checked.status.code() == Some(1)).then(|| {
        format!(
            "note: {} is not ignored by git, and each run adds a folder and a zip to it; fix: \
             `codex-live-suite init --gitignore` adds it to .gitignore",
            out.display()
        )
    })
}

/// The commit under test (`GITHUB_SHA` on GitHub, else `git rev-parse HEAD` in `dir`).
fn git_commit(dir: &std::path::Path) -> String {
    if let Ok(sha) = std::env::var("GITHUB_SHA") {
        if !sha.is_empty() {
            return sha;
        }
    }
    let Ok(sh) = xshell::Shell::new() else {
        return "unknown".into();
    };
    sh.change_dir(dir);
    xshell::cmd!(sh, "git rev-parse HEAD")
        .quiet()
        .ignore_stderr()
        .read()
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into())
}
