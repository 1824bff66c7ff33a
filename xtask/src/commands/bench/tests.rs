use super::*;

use codex_live_suite::outcome::ScenarioOutcome;
use std::time::Duration;

fn d(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn scenario(suite: Suite, verdict: Verdict, start: f64, took: f64) -> Event {
    let mut outcome = ScenarioOutcome::new("X", "x", suite, verdict, String::new());
    outcome.started_at = d(start);
    outcome.duration = d(took);
    Event::ScenarioFinished { outcome }
}

fn phase(phase: Phase, at: f64, took: f64) -> Event {
    Event::Phase {
        phase,
        at: d(at),
        took: d(took),
    }
}

#[test]
fn phases_come_from_phase_and_scenario_events_and_other_is_the_rest() {
    let events = [
        phase(Phase::Build, 0.0, 0.5),
        phase(Phase::Up, 0.5, 0.25),
        scenario(Suite::Live, Verdict::Pass, 1.0, 0.5),
        scenario(Suite::Live, Verdict::Pass, 1.5, 2.0),
        scenario(Suite::Live, Verdict::Skip, 9.0, 0.0),
        // The rollback's own `up` lies inside the ROLLBACK scenario: not counted twice.
        phase(Phase::Up, 3.5, 0.25),
        scenario(Suite::Rollback, Verdict::Pass, 3.5, 0.5),
        scenario(Suite::MockedRerun, Verdict::Pass, 4.0, 0.25),
        scenario(Suite::MockedRerun, Verdict::Pass, 4.25, 0.25),
        phase(Phase::Down, 4.5, 0.5),
    ];
    let s = sample_from_events(&events, 6.0, 2.0, 0);
    assert_eq!(s.phases, [0.5, 0.25, 2.5, 0.5, 0.5, 0.5, 1.25]);
    assert_eq!(s.overhead, 4.0);
    assert_eq!(s.exit_code, 0);
}

#[test]
fn stats_are_min_median_max_and_none_for_no_samples() {
    assert_eq!(Stats::of(&[]), None);
    let s = Stats::of(&[3.0, 1.0, 2.0]).unwrap();
    assert_eq!((s.min, s.median, s.max), (1.0, 2.0, 3.0));
    assert_eq!(Stats::of(&[4.0, 1.0]).unwrap().median, 2.5);
}

#[test]
fn the_table_shows_every_phase_and_marks_failed_runs() {
    let sample = sample_from_events(&[phase(Phase::Build, 0.0, 1.0)], 3.0, 2.0, 1);
    let report = Report {
        runs: 1,
        long_run_seconds: 2,
        load_average: None,
        targets: vec![summarize("local", vec![sample])],
        image_bytes: vec![("codex-worker".into(), 1_800_000)],
        worker_container_floor: None,
        compose_cli_floor: Some(("docker-compose 1.29.2".into(), Stats::of(&[0.5]).unwrap())),
        cold_build: vec![("xtask".into(), 44.0)],
    };
    let table = render(&report);
    for want in PHASES
        .iter()
        .chain(&["wall", "overhead", "1.8 MB", "44.0s"])
    {
        assert!(table.contains(want), "{want} missing from:\n{table}");
    }
    assert!(table.contains("1 run(s) did not pass"), "{table}");
    assert!(table.contains("1.00 / 1.00 / 1.00"), "{table}");
}
