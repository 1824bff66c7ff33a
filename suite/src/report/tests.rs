use super::*;
use crate::evidence::Evidence;
use crate::model::events::{Event, Events};
use crate::model::outcome::{RunReport, ScenarioOutcome, Suite, Verdict};
use crate::model::secrets::Redactor;

fn report(ev: &Evidence, events: &Events) -> RunReport {
    let passed = ScenarioOutcome::new("L01", "t", Suite::Live, Verdict::Pass, "ok".into());
    RunReport {
        run_id: ev.run_id.clone(),
        started: events.started(),
        outcomes: vec![passed],
        run_dir: ev.dir.clone(),
        junit_path: ev.dir.join("junit.xml"),
        summary_path: ev.dir.join("summary.txt"),
        zip_path: ev.dir.with_extension("zip"),
        smoke_dir: Some("mocked/RERUN".into()),
        ..RunReport::for_tests()
    }
}

#[test]
fn the_log_sees_every_recorded_event_and_errors_surface_once_at_the_end() {
    let out = tempfile::tempdir().unwrap();
    let ev = Evidence::create(out.path(), Redactor::default()).unwrap();
    let reporter = Shared::new(Reporter::files_only(&ev));
    let events = reporter.events();
    let noted = Event::Observation {
        scenario: "L01".into(),
        text: "one".into(),
    };
    events.emit(noted.clone());
    events.fail(anyhow::anyhow!("writing target.json: full"));
    events.fail(anyhow::anyhow!("writing target.json: full"));
    assert_eq!(
        reporter.finish(&events, report(&ev, &events)),
        ["writing target.json: full"]
    );
    let log = std::fs::read_to_string(ev.dir.join(crate::evidence::files::EVENTS)).unwrap();
    let seen = crate::report::structured::read(&log).unwrap();
    assert_eq!(seen[0], noted);
    assert!(matches!(&seen[1], Event::RunFinished { report } if report.unwritten.len() == 1));
}

#[test]
fn a_run_writes_every_report_and_junit_names_the_ones_before_it_that_failed() {
    let out = tempfile::tempdir().unwrap();
    let ev = Evidence::create(out.path(), Redactor::default()).unwrap();
    let reporter = Shared::new(Reporter::files_only(&ev));
    let events = reporter.events();
    events.line("one");
    // A folder where summary.txt goes: the summary cannot be written.
    std::fs::create_dir(ev.dir.join("summary.txt")).unwrap();
    let unwritten = reporter.finish(&events, report(&ev, &events));
    assert_eq!(unwritten.len(), 1, "{unwritten:?}");
    assert!(unwritten[0].contains("summary.txt"), "{unwritten:?}");
    for file in [
        "events.jsonl",
        "mocked/RERUN/summary.txt",
        "run.json",
        "report.html",
        "junit.xml",
        "manifest.json",
    ] {
        assert!(ev.dir.join(file).is_file(), "{file} missing");
    }
    assert!(ev.dir.with_extension("zip").is_file());
    let junit = std::fs::read_to_string(ev.dir.join("junit.xml")).unwrap();
    assert!(junit.contains("summary.txt"), "{junit}");
    let log = std::fs::read_to_string(ev.dir.join("events.jsonl")).unwrap();
    let last = crate::report::structured::read(&log).unwrap().pop();
    assert!(matches!(last, Some(Event::RunFinished { .. })), "{log}");
}

#[test]
fn a_report_that_fails_after_junit_is_named_in_junit_written_again() {
    let out = tempfile::tempdir().unwrap();
    let ev = Evidence::create(out.path(), Redactor::default()).unwrap();
    let reporter = Shared::new(Reporter::files_only(&ev));
    let events = reporter.events();
    let mut r = report(&ev, &events);
    // No such folder: the zip, written after junit.xml, cannot be.
    r.zip_path = out.path().join("gone/run.zip");
    let unwritten = reporter.finish(&events, r);
    assert_eq!(unwritten.len(), 1, "{unwritten:?}");
    let junit = std::fs::read_to_string(ev.dir.join("junit.xml")).unwrap();
    assert!(junit.contains("<testsuite name=\"reports\""), "{junit}");
    assert!(junit.contains("temporary zip in"), "{junit}");
}
