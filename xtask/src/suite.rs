//! The flows behind the commands: `live-suite` (ladder, rollback, mocked rerun, reports),
//! `smoke`, `list`, `up`, `down`, `health`. A returned `Err` is a setup error (exit 2).

use crate::cli::{DownArgs, HealthArgs, LiveSuiteArgs, SmokeArgs, StackArgs, UpArgs};
use crate::client::Client;
use crate::compare::{self, Baseline, RunRecord};
use crate::evidence::Evidence;
use crate::ladder::{self, live, mocked, Ctx, Scenario, Settings};
use crate::progress::Progress;
use crate::report::{self, RunReport, ScenarioOutcome, Verdict};
use crate::secrets::Secrets;
use crate::stack::{self, external::ExternalStack, Stack, StackOptions};
use anyhow::{Context, Result};
use codex_contract::Mode;
use std::time::Duration;

/// Exit codes.
pub const EXIT_PASS: i32 = 0;
pub const EXIT_FAIL: i32 = 1;
pub const EXIT_SETUP: i32 = 2;

/// `cargo xtask list`.
pub fn list() -> i32 {
    let all = live::LADDER
        .iter()
        .chain([&mocked::ROLLBACK])
        .chain(mocked::SMOKE.iter());
    for s in all {
        println!(
            "{:<9} {:<13} {:<30} {}",
            s.id,
            s.suite.as_str(),
            s.title,
            s.acceptance
        );
    }
    EXIT_PASS
}

/// Starts the stack the options ask for, printing the choice and the reason first.
fn start_stack(
    args: &StackArgs,
    mocked_base_url: Option<&str>,
    mode: Mode,
    secrets: &Secrets,
    run_id: &str,
    progress: &Progress,
) -> Result<Box<dyn Stack>> {
    if let Some(url) = &args.base_url {
        progress.line(&format!("stack: external {url} (chosen with --base-url)"));
        preamble(secrets, progress);
        return Ok(Box::new(ExternalStack::connect(
            url,
            mocked_base_url,
            mode,
        )?));
    }
    let (kind, why) = stack::choose(args.stack);
    progress.line(&format!(
        "stack: {} ({why})",
        format!("{kind:?}").to_lowercase()
    ));
    preamble(secrets, progress);
    let opts = StackOptions {
        mode,
        keep_up: args.keep_up,
        secrets: secrets.clone(),
        run_id: run_id.to_owned(),
    };
    stack::start(kind, &opts, progress)
}

fn preamble(secrets: &Secrets, progress: &Progress) {
    progress.line(&format!("secrets: {}", secrets.presence().join(" ")));
    for name in secrets.too_short_to_redact() {
        progress.line(&format!(
            "warning: {name} is shorter than {} characters and will not be redacted",
            crate::secrets::MIN_REDACT_LEN
        ));
    }
}

/// `cargo xtask live-suite`: returns the exit code (0 pass, 1 a scenario failed).
pub fn live_suite(args: &LiveSuiteArgs, secrets: &Secrets) -> Result<i32> {
    let progress = Progress::new(secrets.redactor());
    let ev = Evidence::create(&args.stack.out, secrets.redactor())?;
    let mut stack = start_stack(
        &args.stack,
        args.mocked_base_url.as_deref(),
        Mode::Live,
        secrets,
        &ev.run_id,
        &progress,
    )
    .inspect_err(|e| note_setup_error(&ev, e))?;
    let base_url = stack.base_url();
    progress.line(&format!("run {} -> {}", ev.run_id, ev.dir.display()));
    let outcomes = {
        let mut ctx = Ctx {
            client: Client::new(&base_url, Duration::from_secs(args.stack.poll_timeout))?,
            stack: &mut *stack,
            progress: &progress,
            settings: Settings {
                poll_timeout: Duration::from_secs(args.stack.poll_timeout),
                long_run_seconds: args.long_run_seconds,
                retries: args.retries,
            },
            project: None,
        };
        run_ladders(&mut ctx, &ev, args)
    };
    stack.shutdown().context("stopping the stack")?;
    let baseline = Baseline::from_flag(args.baseline.as_deref(), &args.stack.out);
    finish(&ev, stack.name(), &base_url, outcomes, &baseline, &progress)
}

fn note_setup_error(ev: &Evidence, e: &anyhow::Error) {
    let _ = ev.write("setup_error.txt", &format!("{e:#}\n"));
}

/// Which live scenarios `--from` / `--only` leave out, and why.
fn live_selection(args: &LiveSuiteArgs) -> impl Fn(&Scenario) -> Option<String> + '_ {
    move |s: &Scenario| {
        if let Some(only) = &args.only {
            return (s.id != only).then(|| format!("not selected (--only {only})"));
        }
        if let Some(from) = &args.from {
            return (s.id < from.as_str()).then(|| format!("not selected (--from {from})"));
        }
        None
    }
}

fn run_ladders(ctx: &mut Ctx, ev: &Evidence, args: &LiveSuiteArgs) -> Vec<ScenarioOutcome> {
    let select = live_selection(args);
    let mut outcomes = ladder::run(ctx, ev, "live", &live::LADDER, &select, None);
    let rollback_skip = if args.no_rollback {
        Some("--no-rollback".to_owned())
    } else {
        ctx.stack.rollback_unavailable()
    };
    let rollback = match rollback_skip {
        Some(why) => ladder::skipped(&mocked::ROLLBACK, why, ctx.progress),
        None => {
            record_rollback_trigger(ev, &mut outcomes);
            ladder::run(ctx, ev, "mocked", &[mocked::ROLLBACK], &|_| None, None)
                .pop()
                .expect("one scenario")
        }
    };
    let gate = (rollback.verdict != Verdict::Pass).then(|| rollback.id.clone());
    outcomes.push(rollback);
    let smoke = ladder::run(ctx, ev, "mocked/RERUN", &mocked::SMOKE, &|_| None, gate);
    write_smoke_summary(ev, "mocked/RERUN", &smoke);
    outcomes.extend(smoke);
    outcomes
}

/// Plan section 8: the triggering scenario's notes.txt records why the rollback ran (the
/// first failure, or the last live scenario that ran).
fn record_rollback_trigger(ev: &Evidence, outcomes: &mut [ScenarioOutcome]) {
    let failed = outcomes
        .iter()
        .position(|o| matches!(o.verdict, Verdict::Fail | Verdict::Error));
    let Some(i) = failed.or_else(|| outcomes.iter().rposition(|o| o.verdict == Verdict::Pass))
    else {
        return;
    };
    let o = &mut outcomes[i];
    let why = match o.verdict {
        Verdict::Pass => format!("{} passed as the last live scenario of the ladder", o.id),
        _ => format!(
            "{} did not pass ({}): the ladder stopped here",
            o.id, o.reason
        ),
    };
    let rel = format!("live/{}", o.id);
    let note = format!(
        "\nrollback trigger: {why}.\nrollback: restart in mocked mode (USE_DUMMY_WORKER=True) on \
         the same data, then the mocked smoke M01-M04; results in mocked/ROLLBACK/ and \
         mocked/RERUN/summary.txt (started {}).\n",
        codex_contract::now_iso8601()
    );
    if ev.append(&format!("{rel}/notes.txt"), &note).is_ok() {
        o.evidence = ev.files_under(&rel);
    }
}

fn write_smoke_summary(ev: &Evidence, base: &str, smoke: &[ScenarioOutcome]) {
    let all_pass = smoke.iter().all(|o| o.verdict == Verdict::Pass);
    let text = format!(
        "mocked smoke M01-M04: {}\n\n{}",
        if all_pass { "PASS" } else { "FAIL" },
        report::summary::table(&smoke.iter().collect::<Vec<_>>())
    );
    let _ = ev.write(&format!("{base}/summary.txt"), &text);
}

/// `cargo xtask smoke`: M01–M04 alone against a backend started in mocked mode.
pub fn smoke(args: &SmokeArgs, secrets: &Secrets) -> Result<i32> {
    let progress = Progress::new(secrets.redactor());
    let ev = Evidence::create(&args.stack.out, secrets.redactor())?;
    let mut stack = start_stack(
        &args.stack,
        None,
        Mode::Mocked,
        secrets,
        &ev.run_id,
        &progress,
    )
    .inspect_err(|e| note_setup_error(&ev, e))?;
    let base_url = stack.base_url();
    let poll = Duration::from_secs(args.stack.poll_timeout);
    let outcomes = {
        let mut ctx = Ctx {
            client: Client::new(&base_url, poll)?,
            stack: &mut *stack,
            progress: &progress,
            settings: Settings {
                poll_timeout: poll,
                long_run_seconds: 0,
                retries: 0,
            },
            project: None,
        };
        let smoke = ladder::run(
            &mut ctx,
            &ev,
            "mocked/SMOKE",
            &mocked::SMOKE,
            &|_| None,
            None,
        );
        write_smoke_summary(&ev, "mocked/SMOKE", &smoke);
        smoke
    };
    stack.shutdown().context("stopping the stack")?;
    finish(
        &ev,
        stack.name(),
        &base_url,
        outcomes,
        &Baseline::Off,
        &progress,
    )
}

/// Writes summary.txt, junit.xml, manifest.json and the zip; prints their paths; returns
/// the exit code with its reason printed.
fn finish(
    ev: &Evidence,
    stack_name: &str,
    base_url: &str,
    outcomes: Vec<ScenarioOutcome>,
    baseline: &Baseline,
    progress: &Progress,
) -> Result<i32> {
    let out_dir = ev.dir.parent().context("run folder has a parent")?;
    let report = RunReport {
        run_id: ev.run_id.clone(),
        stack: stack_name.to_owned(),
        base_url: base_url.to_owned(),
        git_commit: git_commit(),
        target: None,
        started: ev.started_wall,
        outcomes,
        run_dir: ev.dir.clone(),
        junit_path: ev.dir.join("junit.xml"),
        summary_path: ev.dir.join("summary.txt"),
        zip_path: out_dir.join(format!("{}.zip", ev.run_id)),
    };
    let record = RunRecord::from_report(&report);
    let comparison = baseline.compare(&record);
    let mut summary = report::summary::run_summary(&report);
    if *baseline != Baseline::Off {
        summary.push('\n');
        summary.push_str(&compare::summary_section(&comparison));
    }
    ev.write("summary.txt", &summary)?;
    ev.write("junit.xml", &report::junit::render(&report)?)?;
    record.write(ev)?;
    report::html::write(
        ev,
        &report,
        comparison.as_ref().and_then(|c| c.as_ref().ok()),
    )?;
    progress.line(&report::screenshot::best_effort(&ev.dir));
    ev.write_manifest()?;
    report::zip::write(
        &ev.dir,
        &ev.run_id,
        &ev.files_under(""),
        &report.zip_path,
        ev.redactor(),
    )?;
    report::github::write_step_summary(&report)?;
    report::github::write_outputs(&report)?;
    progress.line(&format!("summary: {}", report.summary_path.display()));
    progress.line(&format!("junit:   {}", report.junit_path.display()));
    progress.line(&format!("zip:     {}", report.zip_path.display()));
    if report.passed() {
        progress.line("exit 0: every scenario that ran passed");
        return Ok(EXIT_PASS);
    }
    match report
        .outcomes
        .iter()
        .find(|o| matches!(o.verdict, Verdict::Fail | Verdict::Error))
    {
        Some(o) => progress.line(&format!(
            "exit 1: {} {}: {}",
            o.id,
            o.verdict.as_str(),
            o.reason
        )),
        None => progress.line("exit 1: no scenario ran"),
    }
    Ok(EXIT_FAIL)
}

/// The commit under test (`GITHUB_SHA` on GitHub, else `git rev-parse HEAD`).
fn git_commit() -> String {
    if let Ok(sha) = std::env::var("GITHUB_SHA") {
        if !sha.is_empty() {
            return sha;
        }
    }
    std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

/// `cargo xtask up`: a compose stack is left running (`down` stops it); the local stack
/// runs in the foreground until Ctrl-C (its children never outlive the xtask).
pub fn up(args: &UpArgs, secrets: &Secrets) -> Result<i32> {
    let progress = Progress::new(secrets.redactor());
    let mode = if args.mocked {
        Mode::Mocked
    } else {
        Mode::Live
    };
    let (kind, _) = stack::choose(args.stack);
    let foreground = kind == stack::StackKind::Local;
    let stack_args = StackArgs {
        stack: args.stack,
        base_url: None,
        out: "docs/evidence".into(),
        poll_timeout: 300,
        keep_up: !foreground,
    };
    let run_id = if foreground {
        crate::evidence::timestamp_id(std::time::SystemTime::now())
    } else {
        // The developer's compose stack: fixed project `codex-dev`, port CODEX_PORT or 8000.
        stack::compose::DEV_RUN_ID.to_owned()
    };
    let mut stack = start_stack(&stack_args, None, mode, secrets, &run_id, &progress)?;
    progress.line(&format!(
        "up: {} stack healthy in {} mode at {} (API {}{}){}",
        stack.name(),
        mode.as_str(),
        stack.base_url(),
        stack.base_url(),
        codex_contract::API_V1,
        if foreground {
            "; Ctrl-C stops it"
        } else {
            "; `cargo xtask down` stops it"
        }
    ));
    if !foreground {
        stack.shutdown()?; // keep_up: leaves it running
        return Ok(EXIT_PASS);
    }
    loop {
        std::thread::park();
    }
}

/// `cargo xtask down`: local stacks stop with their xtask (Ctrl-C on `up`).
pub fn down(args: &DownArgs) -> Result<i32> {
    let (kind, why) = stack::choose(args.stack);
    match kind {
        stack::StackKind::Local => {
            println!(
                "down: local stack ({why}): nothing to stop; a local stack runs only while its \
                 xtask runs (`up` until Ctrl-C; `--keep-up` prints the `kill` command)"
            );
            Ok(EXIT_PASS)
        }
        stack::StackKind::Compose => {
            stack::compose::dev_down()?;
            Ok(EXIT_PASS)
        }
    }
}

/// `cargo xtask health`: GET /docs and /healthz of a running backend.
pub fn health(args: &HealthArgs) -> Result<i32> {
    let client = Client::new(&args.base_url, Duration::from_secs(10))?;
    let docs = client.get_root("/docs")?;
    let health = client.get_root("/healthz")?;
    println!("GET {}/docs: {}", client.root(), docs.status);
    println!(
        "GET {}/healthz: {} {}",
        client.root(),
        health.status,
        health.body.trim()
    );
    Ok(if docs.ok() { EXIT_PASS } else { EXIT_FAIL })
}
