use super::*;

fn record(i: usize, secs: u64, result: Result<Ended, String>) -> Record {
    Record {
        name: STEPS[i].0,
        took: Duration::from_secs(secs),
        result,
    }
}

#[test]
fn a_green_run_ends_on_the_test_counts() {
    let records: Vec<Record> = (0..STEPS.len())
        .map(|i| match STEPS[i].0 {
            "live suite: compose stack, --strict" => {
                record(i, 0, Ok(Ended::Skipped("no Docker engine answers".into())))
            }
            _ => record(i, 2, Ok(Ended::Done)),
        })
        .collect();
    let counts = Counts {
        passed: 7,
        failed: 0,
        skipped: 1,
    };
    let lines = conclusion(&records, Duration::from_secs(14), Some(counts));
    assert_eq!(
        lines.last().unwrap(),
        "tests: 7 passed, 0 failed, 1 skipped"
    );
    assert_eq!(lines[1], "=== timings");
    let table = lines.join("\n");
    for (name, _) in STEPS {
        assert!(table.contains(name), "{name} missing from\n{table}");
    }
    assert!(table.contains("0.0s  skipped: no Docker engine answers"));
    assert!(table.contains("total"));
    assert!(table.contains("14.0s"));
    assert!(!table.contains("FAILED"));
}

#[test]
fn a_failed_step_is_named_last_and_later_steps_show_as_not_run() {
    let records = vec![
        record(0, 0, Ok(Ended::Done)),
        record(1, 1, Err("command exited with non-zero code".into())),
    ];
    let lines = conclusion(&records, Duration::from_secs(1), None);
    assert_eq!(
        lines.last().unwrap(),
        "cargo xtask ci FAILED at step `cargo fmt --check`: command exited with non-zero code"
    );
    let not_run = lines.iter().filter(|l| l.ends_with("not run")).count();
    assert_eq!(not_run, STEPS.len() - 2);
    assert!(!lines.iter().any(|l| l.starts_with("tests: ")));
}

#[test]
fn failing_tests_keep_their_counts_before_the_failure() {
    let mut records: Vec<Record> = (0..STEPS.len() - 1)
        .map(|i| record(i, 1, Ok(Ended::Done)))
        .collect();
    records.push(record(STEPS.len() - 1, 3, Err("2 failed".into())));
    let counts = Counts {
        passed: 5,
        failed: 2,
        skipped: 0,
    };
    let lines = conclusion(&records, Duration::from_secs(10), Some(counts));
    let n = lines.len();
    assert_eq!(lines[n - 2], "tests: 5 passed, 2 failed, 0 skipped");
    assert!(lines[n - 1].starts_with("cargo xtask ci FAILED at step `cargo test --workspace`"));
}
