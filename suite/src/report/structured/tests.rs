use super::*;
use crate::compare::{BaselineComparison, Change, Comparison};
use crate::model::events::Phase;
use crate::model::outcome::{
    Attempt, Interruption, JobMark, RunReport, ScenarioOutcome, Suite, Verdict,
};
use crate::model::secrets::Redactor;
use std::time::{Duration, SystemTime};

fn outcome() -> ScenarioOutcome {
    let mut o = ScenarioOutcome::new("L05", "Edit", Suite::Live, Verdict::Pass, "ok".into());
    o.started_at = Duration::from_millis(1250);
    o.duration = Duration::from_millis(500);
    o.observations = vec!["slow".into()];
    o.failed_attempts = vec![Attempt {
        number: 1,
        verdict: Verdict::Error,
        reason: "timeout".into(),
        duration: Duration::from_secs(2),
        evidence_dir: "live/L05/attempt-1".into(),
    }];
    o.jobs = vec![JobMark {
        job_id: Some("j1".into()),
        submitted_at: Duration::from_millis(1500),
        settled_at: None,
    }];
    o
}

fn report() -> RunReport {
    RunReport {
        started: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        base_url: "http://127.0.0.1:1".into(),
        git_commit: "abc".into(),
        target: Some(serde_json::json!({"description": "target: x"})),
        outcomes: vec![outcome()],
        run_dir: "out/r".into(),
        junit_path: "out/r/junit.xml".into(),
        summary_path: "out/r/summary.txt".into(),
        zip_path: "out/r.zip".into(),
        unwritten: vec!["writing x: full".into()],
        interrupted: Some(Interruption {
            signal: "SIGTERM".into(),
            after: Duration::from_millis(4250),
        }),
        ..RunReport::for_tests()
    }
}

/// One event of every kind that the log keeps.
fn every_event() -> Vec<Event> {
    let comparison = Comparison {
        old_run: "a".into(),
        new_run: "b".into(),
        changes: vec![Change::Duration {
            id: "L05".into(),
            old: Duration::from_secs(1),
            new: Duration::from_millis(2500),
        }],
    };
    vec![
        Event::RunStarted {
            run_id: "r".into(),
            stack: "local".into(),
            base_url: "http://x".into(),
            target: None,
        },
        Event::ScenarioStarted {
            id: "L01".into(),
            title: "t".into(),
            suite: Suite::MockedRerun,
            at: Duration::from_millis(250),
        },
        Event::JobSubmitted {
            scenario: "L01".into(),
            job_id: None,
            at: Duration::from_secs(1),
        },
        Event::AttemptFailed {
            scenario: "L05".into(),
            attempt: outcome().failed_attempts[0].clone(),
            will_retry: true,
        },
        Event::ScenarioFinished { outcome: outcome() },
        Event::Phase {
            phase: Phase::Up,
            at: Duration::from_millis(125),
            took: Duration::from_millis(3750),
        },
        Event::RunInterrupted {
            signal: "SIGINT".into(),
            after: Duration::from_secs(7),
        },
        Event::RunFinished {
            report: Box::new(RunReport {
                comparison: Some(BaselineComparison::Run(comparison)),
                ..report()
            }),
        },
    ]
}

#[test]
fn every_event_reads_back_equal_with_durations_in_seconds() {
    let out = tempfile::tempdir().unwrap();
    let ev = Evidence::create(out.path(), Redactor::default()).unwrap();
    let mut log = EventLog::new(ev.clone());
    for e in every_event() {
        log.event(&e).unwrap();
    }
    log.event(&Event::Line {
        text: "left out".into(),
    })
    .unwrap();
    let text = std::fs::read_to_string(ev.dir.join(EVENTS)).unwrap();
    assert!(text.starts_with("{\"events_format\":1}\n"), "{text}");
    assert!(text.contains(r#""took":3.75"#), "{text}");
    assert!(text.contains(r#""duration":0.5"#), "{text}");
    assert_eq!(read(&text).unwrap(), every_event());
}

#[test]
fn another_format_or_a_broken_line_is_an_error_naming_it() {
    let err = |text: &str| format!("{:#}", read(text).unwrap_err());
    assert!(err("").contains("empty"));
    assert!(err("{\"events_format\":2}\n").contains("format 2 is not supported"));
    assert!(err("{\"event\":\"rollback\",\"at\":1.0}\n").contains("line 1"));
    let broken = "{\"events_format\":1}\n{\"event\":\"rollback\",\"at\":-1}\n";
    assert!(
        err(broken).contains("line 2 is not an event"),
        "{}",
        err(broken)
    );
    assert_eq!(read("{\"events_format\":1}\n").unwrap(), []);
}
