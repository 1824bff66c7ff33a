use super::baseline::{default_baseline, pick_baseline};
use super::record::{ScenarioRecord, FORMAT};
use super::*;

fn rec(run_id: &str, rows: &[(&str, &str, f64, &[&str])]) -> RunRecord {
    RunRecord {
        exit_code: None,
        format: FORMAT,
        run_id: run_id.into(),
        stack: "local".into(),
        commit: "abc".into(),
        target: Some(serde_json::json!({"backend": "rust", "mode": "live"})),
        settings: [("long_run_seconds", "5"), ("strict", "false")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        scenarios: rows
            .iter()
            .map(|(id, v, d, obs)| ScenarioRecord {
                id: (*id).into(),
                verdict: (*v).into(),
                duration_secs: *d,
                observations: obs.iter().map(|s| s.to_string()).collect(),
            })
            .collect(),
    }
}

#[test]
fn verdicts_durations_observations_and_target_are_compared() {
    let old = rec(
        "2025-11-14T17-14-05Z",
        &[
            ("L01", "PASS", 2.0, &["cors header absent"]),
            ("L02", "PASS", 10.0, &[]),
            ("L03", "FAIL", 1.0, &[]),
            ("L04", "PASS", 0.2, &[]),
            ("L09", "PASS", 1.0, &[]),
        ],
    );
    let mut new = rec(
        "2025-11-15T08-00-00Z",
        &[
            ("L01", "PASS", 2.4, &["slow docs page"]),
            ("L02", "FAIL", 13.0, &[]),
            ("L03", "PASS", 1.0, &[]),
            ("L04", "PASS", 0.6, &[]),
        ],
    );
    new.target = Some(serde_json::json!({"backend": "python", "mode": "live"}));
    let c = diff(&old, &new);
    let lines: Vec<String> = c.changes.iter().map(Change::line).collect();
    assert_eq!(
        lines,
        [
            "target    backend: rust -> python",
            "L01       new observation: slow docs page",
            "L01       observation gone: cors header absent",
            "L02       PASS -> FAIL",
            "L02       duration 10.0s -> 13.0s (+30%)",
            "L03       FAIL -> PASS",
            "L09       not in the new run (was PASS)",
        ],
        // L01: +0.4 s is under 0.5 s; L04: +200% but only 0.4 s.
    );
    assert!(c.regressed());
    assert!(c.render_text().contains("! L02       PASS -> FAIL"));
    assert!(c.render_text().contains("7 changes, 1 regression"));
    let md = BaselineComparison::Run(c.clone()).render_markdown();
    assert!(md.starts_with("### Compared with 2025-11-14T17-14-05Z: 7 changes"));
    assert!(
        md.contains("- ❌ L02       PASS -&gt; FAIL\n- L02       duration"),
        "{md}"
    );
    // Reversed, L02's fix is no regression and L03 is the only one.
    let reversed = diff(&new, &old);
    let regressions: Vec<String> = reversed
        .changes
        .iter()
        .filter(|c| c.is_regression())
        .map(Change::line)
        .collect();
    assert_eq!(regressions, ["L03       PASS -> FAIL"]);
}

#[test]
fn identical_runs_have_no_changes() {
    let a = rec("2025-11-14T17-14-05Z", &[("L01", "PASS", 2.0, &["x"])]);
    let c = diff(&a, &a);
    assert!(c.changes.is_empty() && !c.regressed());
    assert_eq!(c.headline(), "no changes");
}

#[test]
fn significance_needs_both_ratio_and_delta() {
    let s = Duration::from_secs_f64;
    assert!(significant(s(2.0), s(2.6)));
    assert!(significant(s(2.6), s(2.0)));
    assert!(!significant(s(2.0), s(2.4)));
    assert!(!significant(s(10.0), s(11.9)));
    assert!(significant(s(10.0), s(12.1)));
}

#[test]
fn the_default_baseline_is_the_newest_earlier_run() {
    let ids = [
        "2025-11-14T17-14-05Z",
        "2025-11-14T17-14-05Z-2",
        "2025-11-14T17-14-05Z-10",
        "2025-11-15T09-00-00Z",
        "notes",
        "2025-11-16T09-00-00Z",
    ];
    assert_eq!(
        pick_baseline(&ids, "2025-11-15T09-00-00Z"),
        Some("2025-11-14T17-14-05Z-10")
    );
    assert_eq!(pick_baseline(&ids, "2025-11-14T17-14-05Z"), None);
    assert_eq!(
        pick_baseline(&ids, "2025-11-17T00-00-00Z"),
        Some("2025-11-16T09-00-00Z")
    );
}

#[test]
fn records_round_trip_through_folder_and_zip() {
    let out = tempfile::tempdir().unwrap();
    let ev = crate::evidence::Evidence::create(out.path(), Default::default()).unwrap();
    let mut r = rec(&ev.run_id, &[("L01", "PASS", 2.0, &["o"])]);
    r.run_id = ev.run_id.clone();
    r.write(&ev).unwrap();
    assert_eq!(RunRecord::read(&ev.dir).unwrap(), r);
    let zip = out.path().join(format!("{}.zip", ev.run_id));
    crate::report::zip::write(
        &ev.dir,
        &ev.run_id,
        &ev.files_under(""),
        &zip,
        ev.redactor(),
    )
    .unwrap();
    assert_eq!(RunRecord::read(&zip).unwrap(), r);
    // Renamed (CI keeps the last main run as main-latest.zip), it still reads.
    let kept = out.path().join("kept").join("main-latest.zip");
    std::fs::create_dir(kept.parent().unwrap()).unwrap();
    std::fs::copy(&zip, &kept).unwrap();
    assert_eq!(RunRecord::read(&kept).unwrap(), r);
    // The folder is preferred over its zip; a later run picks this one.
    assert_eq!(
        default_baseline(out.path(), "2999-01-01T00-00-00Z"),
        (Some(ev.dir.clone()), Vec::new())
    );
    let err = format!("{:#}", RunRecord::read(out.path()).unwrap_err());
    assert!(err.contains("run.json"), "{err}");
}

#[test]
fn a_failure_the_baseline_did_not_have_regresses_and_one_still_failing_does_not() {
    let old = rec(
        "2025-11-14T17-14-05Z",
        &[("L01", "ERROR", 1.0, &[]), ("L02", "FAIL", 1.0, &[])],
    );
    let new = rec(
        "2025-11-15T08-00-00Z",
        &[
            ("L01", "FAIL", 1.0, &[]),
            ("L02", "FAIL", 1.0, &[]),
            ("L03", "FAIL", 1.0, &[]),
            ("L04", "SKIP", 0.0, &[]),
        ],
    );
    let c = diff(&old, &new);
    let text = c.render_text();
    assert_eq!(
        text.lines().skip(1).collect::<Vec<_>>(),
        [
            "- L01       still failing: ERROR -> FAIL",
            "- L02       still failing: FAIL",
            "! L03       new in this run: FAIL",
            "- L04       new in this run: SKIP",
        ],
        "{text}"
    );
    assert!(c.regressed());
    assert_eq!(c.headline(), "2 changes, 1 regression, 2 still failing");
    // An empty baseline: every failure of the new run is a regression.
    let empty = rec("2025-11-14T17-14-05Z", &[]);
    assert!(diff(&empty, &new).regressed());
    // The same failures again: listed, not a regression.
    let again = diff(&new, &new);
    assert!(!again.regressed());
    assert_eq!(again.headline(), "no changes, 3 still failing");
}

#[test]
fn an_id_twice_counts_once_by_its_first_row() {
    let old = rec(
        "a",
        &[("L01", "PASS", 1.0, &["x", "x"]), ("L01", "FAIL", 1.0, &[])],
    );
    let new = rec("b", &[("L01", "PASS", 1.0, &["x"])]);
    assert!(diff(&old, &new).changes.is_empty());
}

#[test]
fn texts_of_a_record_are_one_line_and_no_line_starts_with_them() {
    let mut old = rec(
        "2025-11-14T17-14-05Z\n::error::run id",
        &[("::error title=x::id", "PASS", 1.0, &["a\n::warning::obs"])],
    );
    old.target = Some(serde_json::json!({"mode\n::error::key": "live\r\n::error::value"}));
    let new = rec(
        "2025-11-15T08-00-00Z",
        &[("::error title=x::id", "FAIL", 1.0, &[])],
    );
    let c = diff(&old, &new);
    for line in c.render_text().lines() {
        assert!(!line.trim_start().starts_with("::"), "{line}");
    }
    assert_eq!(c.render_text().lines().count(), 1 + c.changes.len());
    let md = c.render_markdown();
    assert!(md.starts_with("### Compared with 2025-11-14T17-14-05Z ::error::run id: "));
    assert!(
        md.lines().all(|l| !l.trim_start().starts_with("::")),
        "{md}"
    );
}

#[test]
fn runs_under_other_settings_say_so_and_compare_no_durations() {
    let old = rec("a", &[("L08", "PASS", 6.0, &[])]);
    let mut new = rec("b", &[("L08", "PASS", 31.0, &[])]);
    let same = diff(&old, &new);
    assert!(
        matches!(same.changes[..], [Change::Duration { .. }]),
        "{same:?}"
    );
    new.settings.insert("long_run_seconds".into(), "30".into());
    let other = diff(&old, &new);
    let lines: Vec<String> = other.changes.iter().map(Change::line).collect();
    assert_eq!(
        lines,
        ["settings  long_run_seconds: 5 -> 30 (durations not compared)"]
    );
    assert!(!other.regressed());
    // A record written without settings compares as before.
    new.settings.clear();
    assert!(matches!(
        diff(&old, &new).changes[..],
        [Change::Duration { .. }]
    ));
}
