use super::*;

use clap::Parser;
use codex_live_suite::ScenarioOutcome;
use std::path::PathBuf;
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

fn target(kind: Kind, baseline: bool) -> Target {
    Target {
        name: targets::name(kind).into(),
        kind,
        exe: PathBuf::from("xtask"),
        program: targets::Program::Xtask,
        baseline,
    }
}

/// `cargo xtask bench` with `args`.
fn bench_args(args: &[&str]) -> BenchArgs {
    let cli = crate::cli::Cli::try_parse_from(["xtask", "bench"].iter().chain(args)).unwrap();
    match cli.command {
        crate::cli::Command::Bench(a) => a,
        _ => unreachable!("parsed as bench"),
    }
}

#[test]
fn suite_bin_runs_the_targets_given_by_url_and_refuses_what_is_not_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    // A stand-in that answers `--version` as the suite does.
    let fake = codex_test_support::process::script(
        dir.path(),
        "codex-live-suite",
        "echo 'codex-live-suite 0.1.0 (abc1234)'",
    );
    let fake = fake.to_str().unwrap();

    let args = bench_args(&["--stack", "local", "--sync-double", "--suite-bin", fake]);
    let targets = args.targets().unwrap();
    let shown: Vec<_> = targets
        .iter()
        .map(|t| (t.name.as_str(), t.program))
        .collect();
    assert_eq!(
        shown,
        [
            ("local", targets::Program::Xtask),
            ("sync-double, --suite-bin", targets::Program::Suite)
        ]
    );
    assert_eq!(targets[1].exe, PathBuf::from(fake));

    let err = |args: &[&str]| match bench_args(args).targets() {
        Ok(_) => panic!("{args:?} taken"),
        Err(e) => format!("{e:#}"),
    };
    let e = err(&["--stack", "local", "--suite-bin", fake]);
    assert!(e.contains("add --sync-double or --base-url"), "{e}");
    let e = err(&["--sync-double", "--suite-bin", "/bin/echo"]);
    assert!(
        e.contains("not a codex-live-suite binary") && e.contains("cargo build --release"),
        "{e}"
    );
    let e = err(&["--sync-double", "--suite-bin", "/nonexistent/suite"]);
    assert!(e.contains("no such file"), "{e}");
    // A baseline xtask runs only the xtask's targets: the others need a suite of their own.
    let old_xtask = dir.path().join("debug/xtask");
    std::fs::create_dir(dir.path().join("debug")).unwrap();
    std::fs::write(&old_xtask, "").unwrap();
    let e = err(&[
        "--sync-double",
        "--suite-bin",
        fake,
        "--baseline-xtask",
        old_xtask.to_str().unwrap(),
    ]);
    assert!(e.contains("add --baseline-suite-bin"), "{e}");
    let args = bench_args(&[
        "--stack",
        "local",
        "--sync-double",
        "--suite-bin",
        fake,
        "--baseline-suite-bin",
        fake,
    ]);
    let names: Vec<_> = args
        .targets()
        .unwrap()
        .into_iter()
        .map(|t| (t.name, t.baseline))
        .collect();
    assert_eq!(
        names,
        [
            ("local".to_owned(), false),
            ("sync-double, --suite-bin".to_owned(), false),
            ("sync-double, --suite-bin (baseline)".to_owned(), true),
        ]
    );
    assert!(
        crate::cli::Cli::try_parse_from(["xtask", "bench", "--baseline-suite-bin", fake]).is_err()
    );
}

fn report(targets: Vec<TargetReport>, cold_build: Vec<ColdBuild>) -> Report {
    let goals = Goals {
        this: Measured::of(&targets, false, first_run_builds(&cold_build, false)),
        baseline: Some(Measured::of(
            &targets,
            true,
            first_run_builds(&cold_build, true),
        )),
    };
    Report {
        runs: 1,
        long_run_seconds: 2,
        no_screenshot: false,
        load_average: None,
        targets,
        image_bytes: vec![("codex-worker".into(), 1_800_000)],
        worker_container_floor: None,
        compose_cli_floor: Some(("docker-compose 1.29.2".into(), Stats::of(&[0.5]).unwrap())),
        screenshot_floor: Stats::of(&[0.3]),
        cold_build,
        goals,
    }
}

fn cold(what: &str, seconds: f64, first_run: bool, baseline: bool) -> ColdBuild {
    ColdBuild {
        what: what.into(),
        seconds,
        first_run,
        baseline,
    }
}

#[test]
fn the_table_shows_every_phase_and_marks_failed_runs() {
    let sample = sample_from_events(&[phase(Phase::Build, 0.0, 1.0)], 3.0, 2.0, 1);
    let local = summarize(&target(Kind::Local, false), vec![sample]);
    let table = render(&report(vec![local], vec![cold("xtask", 44.0, true, false)]));
    for want in PHASES
        .iter()
        .chain(&["wall", "overhead", "1.8 MB", "44.0s", "screenshot floor"])
    {
        assert!(table.contains(want), "{want} missing from:\n{table}");
    }
    assert!(table.contains("1 run(s) did not pass"), "{table}");
    assert!(table.contains("1.00 / 1.00 / 1.00"), "{table}");
}

/// A run of `wall` seconds: `build` in the build phase, `scenarios` in the ladder, and the
/// double's busy time.
fn run(wall: f64, build: f64, scenarios: f64, busy: Option<f64>) -> Sample {
    let events = [
        phase(Phase::Build, 0.0, build),
        scenario(Suite::Live, Verdict::Pass, build + 0.1, scenarios),
    ];
    Sample {
        target_busy: busy,
        ..sample_from_events(&events, wall, 0.0, 0)
    }
}

#[test]
fn the_goals_are_medians_of_per_run_values() {
    // (samples, double ratio, own time)
    let cases: [(Vec<Sample>, Option<f64>, Option<f64>); 4] = [
        (vec![], None, None),
        (vec![run(1.5, 0.25, 1.0, Some(1.0))], Some(1.5), Some(0.25)),
        (
            vec![
                run(2.0, 0.0, 1.0, Some(1.0)),
                run(3.0, 0.5, 2.0, Some(2.0)),
                run(8.0, 0.0, 1.0, Some(2.0)),
            ],
            // Ratios 2, 1.5, 4; own times 1, 0.5, 7.
            Some(2.0),
            Some(1.0),
        ),
        // No busy time (not the double), or none measured: no ratio.
        (
            vec![run(1.0, 0.0, 0.5, None), run(1.0, 0.0, 0.5, Some(0.0))],
            None,
            Some(0.5),
        ),
    ];
    for (samples, ratio, own) in cases {
        assert_eq!(goals::double_ratio(&samples), ratio, "{samples:?}");
        assert_eq!(goals::own_time(&samples), own, "{samples:?}");
    }
}

#[test]
fn each_binary_gets_its_own_targets_and_the_first_run_adds_its_cold_builds() {
    let reports = vec![
        summarize(&target(Kind::Local, false), vec![run(3.0, 0.25, 2.5, None)]),
        summarize(&target(Kind::Local, true), vec![run(4.0, 0.25, 2.5, None)]),
        summarize(
            &target(Kind::SyncDouble, false),
            vec![run(1.2, 0.0, 1.0, Some(1.0))],
        ),
    ];
    let builds = [
        cold("xtask", 40.0, true, false),
        cold("images", 99.0, false, false),
    ];
    let this = Measured::of(&reports, false, first_run_builds(&builds, false));
    assert_eq!(
        this,
        Measured {
            double_ratio: Some(1.2),
            own_time: Some(0.25),
            first_run: Some(43.0),
        }
    );
    let baseline = Measured::of(&reports, true, first_run_builds(&builds, true));
    assert_eq!(
        baseline,
        Measured {
            double_ratio: None,
            own_time: Some(1.25),
            first_run: None,
        }
    );
}

#[test]
fn a_goal_is_met_at_or_below_its_limit_and_says_so() {
    use goals::{cell, judge, Judgement, GOALS};
    let [ratio, own, _] = &GOALS;
    let cases = [
        (None, 1.3, Judgement::NotMeasured),
        (Some(1.3), 1.3, Judgement::Met),
        (Some(1.31), 1.3, Judgement::NotMet),
        (Some(0.0), 0.3, Judgement::Met),
    ];
    for (value, limit, want) in cases {
        assert_eq!(judge(value, limit), want, "{value:?} against {limit}");
    }
    assert_eq!(cell(Some(1.5), ratio), "1.50 (not met)");
    assert_eq!(cell(Some(0.25), own), "0.25 s (met)");
    assert_eq!(cell(None, own), "- (not measured)");
}

#[test]
fn the_targets_block_names_each_goal_with_both_binaries_and_what_is_missing() {
    let this = Measured {
        double_ratio: Some(1.25),
        own_time: Some(0.5),
        first_run: None,
    };
    let lines = goals::lines(&this, Some(&Measured::default()));
    let text = lines.join("\n");
    let cases = [
        ("(a) sync double", "this 1.25 (met)", "limit <= 1.30"),
        (
            "(b) local stack",
            "this 0.50 s (not met)",
            "limit <= 0.30 s",
        ),
        ("(c) first run", "this - (not measured)", "limit <= 90.00 s"),
    ];
    for (goal, value, limit) in cases {
        let line = lines
            .iter()
            .find(|l| l.trim_start().starts_with(goal))
            .unwrap_or_else(|| panic!("no line for {goal}:\n{text}"));
        assert!(line.contains(value), "{line}");
        assert!(line.contains("baseline - (not measured)"), "{line}");
        assert!(line.ends_with(limit), "{line}");
    }
    assert!(text.contains("not measured: needs --cold"), "{text}");
    assert!(
        !text.contains("not measured: needs the sync double"),
        "{text}"
    );
}

#[test]
fn the_double_is_busy_for_the_union_of_its_request_intervals() {
    let cases: [(&[(f64, f64)], f64); 5] = [
        (&[], 0.0),
        (&[(1.0, 1.5)], 0.5),
        // Apart: both count.
        (&[(3.0, 3.25), (1.0, 1.5)], 0.75),
        // Overlapping or touching: once.
        (&[(1.0, 2.0), (1.5, 2.5), (2.5, 3.0)], 2.0),
        // One inside another.
        (&[(1.0, 4.0), (2.0, 3.0)], 3.0),
    ];
    for (intervals, want) in cases {
        assert_eq!(double::busy(intervals.to_vec()), want, "{intervals:?}");
    }
}

#[test]
fn the_double_s_request_times_and_first_line_are_read_or_named() {
    let times = double::parse_times("10.5 10.75\n11 12\n").unwrap();
    assert_eq!(times, [(10.5, 10.75), (11.0, 12.0)]);
    let e = double::parse_times("10.5 10.75\n11\n").unwrap_err();
    assert_eq!(format!("{e:#}"), "line 2 is not `<start> <end>`: \"11\"");
    let cases = [
        (
            "listening on http://127.0.0.1:43707 (mode live, data /tmp/d)\nGET /docs\n",
            Some("http://127.0.0.1:43707"),
        ),
        ("", None),
        ("DATA_DIR is not set: name the folder\n", None),
        ("listening on 127.0.0.1:1 (mode live)\n", None),
    ];
    for (log, want) in cases {
        assert_eq!(double::listening_url(log).as_deref(), want, "{log:?}");
    }
}

#[test]
fn the_double_starts_both_twins_and_records_each_request_they_answer() {
    if !double::python_found() {
        return println!("skipped: no python3 for the synchronous double");
    }
    let dir = tempfile::tempdir().unwrap();
    let d = double::Double::start(dir.path()).unwrap();
    let args = d.args();
    assert_eq!(
        (args[0].as_str(), args[2].as_str()),
        ("--base-url", "--mocked-base-url")
    );
    for url in [&args[1], &args[3]] {
        let answer = reqwest::blocking::get(format!("{url}/docs")).unwrap();
        assert_eq!(answer.status(), 200, "{url}");
    }
    assert!(d.stop().unwrap() > 0.0);
    for twin in ["live", "mocked"] {
        let text = std::fs::read_to_string(dir.path().join(format!("{twin}.times"))).unwrap();
        assert_eq!(
            double::parse_times(&text).unwrap().len(),
            1,
            "{twin}: {text}"
        );
    }
}
