use super::*;
use crate::report::{Reporter, Shared};
use std::sync::atomic::{AtomicU32, Ordering};

/// A stack with nothing behind it: the scenarios below never call the backend.
struct NoStack;

impl Stack for NoStack {
    fn name(&self) -> &'static str {
        "none"
    }
    fn base_url(&self) -> String {
        "http://127.0.0.1:9".into()
    }
    fn mode(&self) -> codex_contract::Mode {
        codex_contract::Mode::Live
    }
    fn rollback_to_mocked(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
    fn take_logs(&mut self) -> anyhow::Result<Option<String>> {
        Ok(None)
    }
    fn shutdown(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The kind of an event as events.jsonl names it.
fn kind(event: &Event) -> &'static str {
    match event {
        Event::ScenarioStarted { .. } => "scenario_started",
        Event::JobSubmitted { .. } => "job_submitted",
        Event::JobSettled { .. } => "job_settled",
        Event::AttemptFailed { .. } => "attempt_failed",
        Event::Observation { .. } => "observation",
        Event::ScenarioFinished { .. } => "scenario_finished",
        _ => "other",
    }
}

static CALLS: AtomicU32 = AtomicU32::new(0);

/// Fails its first attempt, then passes with an observation from the context, one from
/// the pass, and a job mark.
fn flaky(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    folder.write("status.txt", "200\n")?;
    let mark = ctx.job_mark();
    ctx.job_sent_as(mark, "j1");
    ctx.job_settled(mark, None);
    if CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
        return Err(Problem::fail("not yet"));
    }
    ctx.observe("answered slowly");
    Ok(Pass::new("fine").observe("no /healthz"))
}

#[test]
fn a_retried_pass_keeps_its_failed_attempt_observations_and_job_marks() {
    let out = tempfile::tempdir().unwrap();
    let ev = Evidence::create(out.path(), Default::default()).unwrap();
    let events = Shared::new(Reporter::files_only(&ev)).events();
    let mut stack = NoStack;
    let settings = Settings {
        poll_timeout: Duration::from_secs(1),
        long_run_seconds: 0,
        retries: 1,
        strict: false,
        settle_grace: Duration::ZERO,
    };
    let client = Client::new(&stack.base_url(), Default::default()).unwrap();
    let mut ctx = Ctx::new(client, &mut stack, &events, settings);
    let scenarios = [Scenario {
        id: "L99",
        title: "Flaky",
        suite: Suite::Live,
        acceptance: "passes on the second attempt",
        run: flaky,
    }];
    let o = run(&mut ctx, &ev, "live", &scenarios, &run_all, Gate::open()).remove(0);
    assert_eq!(o.verdict, Verdict::Pass);
    assert!(o.is_flaky());
    assert_eq!(o.failed_attempts.len(), 1);
    let a = &o.failed_attempts[0];
    assert_eq!((a.number, a.verdict), (1, Verdict::Fail));
    assert_eq!(a.evidence_dir, "live/L99/attempt-1");
    assert!(ev.dir.join("live/L99/attempt-1/status.txt").is_file());
    assert_eq!(o.observations, ["answered slowly", "no /healthz"]);
    assert_eq!(o.jobs.len(), 1);
    assert_eq!(o.jobs[0].job_id.as_deref(), Some("j1"));
    assert!(o.jobs[0].settled_at >= Some(o.jobs[0].submitted_at));
    let log = std::fs::read_to_string(ev.dir.join(crate::evidence::files::EVENTS)).unwrap();
    let seen = crate::report::structured::read(&log).unwrap();
    let kinds: Vec<&str> = seen.iter().map(kind).collect();
    assert_eq!(
        kinds,
        [
            "scenario_started",
            "job_submitted",
            "job_settled",
            "attempt_failed",
            "job_submitted",
            "job_settled",
            "observation",
            "observation",
            "scenario_finished"
        ]
    );
}

/// Every request a scenario makes feeds its verdict or is named in it: nothing under
/// `ladder/` drops a `Result` (each call's failure is also tested end to end, against a
/// backend that fails that call).
#[test]
fn no_scenario_drops_an_error() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ladder");
    let mut dropped = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "tests.rs" {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for (n, line) in text.lines().enumerate() {
            for pattern in ["if let Ok(", "while let Ok(", ".ok()", "let _ ="] {
                if line.contains(pattern) {
                    dropped.push(format!("ladder/{name}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        dropped.is_empty(),
        "errors dropped:\n{}",
        dropped.join("\n")
    );
}
