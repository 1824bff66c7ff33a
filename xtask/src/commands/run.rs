//! The run skeleton `live-suite` and `smoke` share: evidence → stack → ladder → finish.

use super::{EXIT_FAIL, EXIT_PASS};
use crate::cli::StackArgs;
use crate::client::Client;
use crate::events::{Event, Events, Phase};
use crate::evidence::Evidence;
use crate::ladder::{Ctx, Settings};
use crate::outcome::{RunReport, ScenarioOutcome};
use crate::secrets::Secrets;
use crate::stack::{self, external::ExternalStack, Instance, Stack, StackOptions};
use anyhow::{Context, Result};
use codex_contract::Mode;
use std::sync::Arc;

/// What a run needs besides its ladders.
pub struct RunPlan<'a> {
    pub stack: &'a StackArgs,
    /// `--mocked-base-url` (live-suite with `--base-url` only).
    pub mocked_base_url: Option<&'a str>,
    /// The mode the stack starts in.
    pub mode: Mode,
    pub settings: Settings,
}

/// Claims the run folder, starts the stack, runs `ladders`, stops the stack and writes
/// every report. Returns the exit code (0 pass, 1 a scenario failed).
pub fn execute(
    plan: RunPlan,
    secrets: &Secrets,
    ladders: impl FnOnce(&mut Ctx, &Evidence) -> Vec<ScenarioOutcome>,
) -> Result<i32> {
    let ev = Evidence::create(&plan.stack.out, secrets.redactor())?;
    let events = Arc::new(Events::new(crate::report::for_run(&ev)));
    let instance = Instance::Run {
        run_id: ev.run_id.clone(),
    };
    let mut stack = start_stack(&plan, secrets, instance, &events).inspect_err(|e| {
        let _ = ev.write("setup_error.txt", &format!("{e:#}\n"));
    })?;
    let base_url = stack.base_url();
    events.line(format!("run {} -> {}", ev.run_id, ev.dir.display()));
    events.emit(Event::RunStarted {
        run_id: ev.run_id.clone(),
        stack: stack.name().to_owned(),
        base_url: base_url.clone(),
        target: None,
    });
    let client = Client::new(&base_url, plan.settings.poll_timeout)?;
    let outcomes = ladders(
        &mut Ctx::new(client, &mut *stack, &events, plan.settings),
        &ev,
    );
    events
        .timed(Phase::Down, || stack.shutdown())
        .context("stopping the stack")?;
    let report = RunReport {
        run_id: ev.run_id.clone(),
        started: events.started(),
        stack: stack.name().to_owned(),
        base_url,
        git_commit: git_commit(),
        target: None,
        outcomes,
        run_dir: ev.dir.clone(),
        junit_path: ev.dir.join("junit.xml"),
        summary_path: ev.dir.join("summary.txt"),
        zip_path: ev
            .dir
            .parent()
            .context("run folder has a parent")?
            .join(format!("{}.zip", ev.run_id)),
    };
    let passed = report.passed();
    events.finish(report)?;
    Ok(if passed { EXIT_PASS } else { EXIT_FAIL })
}

/// Starts the stack the options ask for, printing the choice and the reason first.
pub fn start_stack(
    plan: &RunPlan,
    secrets: &Secrets,
    instance: Instance,
    events: &Arc<Events>,
) -> Result<Box<dyn Stack>> {
    if let Some(url) = &plan.stack.base_url {
        events.line(format!("stack: external {url} (chosen with --base-url)"));
        preamble(secrets, events);
        return Ok(Box::new(ExternalStack::connect(
            url,
            plan.mocked_base_url,
            plan.mode,
        )?));
    }
    let (mut kind, mut why) = stack::choose(plan.stack.stack);
    if let Some(fallback) = stack::cold_compose_fallback(plan.stack.stack, kind) {
        (kind, why) = (stack::StackKind::Local, fallback);
    }
    events.line(format!(
        "stack: {} ({why})",
        format!("{kind:?}").to_lowercase()
    ));
    preamble(secrets, events);
    let opts = StackOptions {
        mode: plan.mode,
        keep_up: plan.stack.keep_up,
        secrets: secrets.clone(),
        instance,
        events: Arc::clone(events),
        publish_address: plan.stack.publish_address,
    };
    stack::start(kind, &opts)
}

/// Which secrets are present (never their values), and which are too short to redact.
pub fn preamble(secrets: &Secrets, events: &Events) {
    events.line(format!("secrets: {}", secrets.presence().join(" ")));
    for name in secrets.too_short_to_redact() {
        events.line(format!(
            "warning: {name} is shorter than {} characters and will not be redacted",
            crate::secrets::MIN_REDACT_LEN
        ));
    }
}

/// The commit under test (`GITHUB_SHA` on GitHub, else `git rev-parse HEAD`).
fn git_commit() -> String {
    if let Ok(sha) = std::env::var("GITHUB_SHA") {
        if !sha.is_empty() {
            return sha;
        }
    }
    let Ok(sh) = xshell::Shell::new() else {
        return "unknown".into();
    };
    sh.change_dir(crate::project_root());
    xshell::cmd!(sh, "git rev-parse HEAD")
        .quiet()
        .ignore_stderr()
        .read()
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into())
}
