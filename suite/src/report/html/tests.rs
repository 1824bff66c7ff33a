use super::*;
use crate::compare::Comparison;
use crate::model::outcome::Suite;
use crate::model::outcome::{Attempt, JobMark, Shown};
use crate::model::secrets::Secrets;
use std::path::Path;
use std::time::Duration;

const SECRET: &str = "sk-html-PLANTED-987654321";

fn outcome(id: &str, suite: Suite, verdict: Verdict, start: u64, dur: u64) -> ScenarioOutcome {
    let mut o = ScenarioOutcome::new(id, &format!("{id} title"), suite, verdict, "ok".into());
    o.duration = Duration::from_millis(dur);
    o.started_at = Duration::from_millis(start);
    o
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn compared(mut report: RunReport, against: BaselineComparison) -> RunReport {
    report.comparison = Some(against);
    report
}

fn app(contents: &str) -> String {
    serde_json::json!({"path": "app.py", "contents": contents}).to_string()
}

/// A small run folder: L04–L06 passed with app.py snapshots, L07 failed with a hostile
/// reason and response, L08 gated, the rollback and one mocked scenario.
fn sample(dir: &Path) -> RunReport {
    write(
        dir,
        "live/L04/app.json",
        &app("def fib(n):\n    return n\n"),
    );
    write(
        dir,
        "live/L06/before/app.json",
        &app("def fib(n):\n    return n\n# edited\n"),
    );
    write(
        dir,
        "live/L06/app.json",
        &app("def fib(n):\n    a, b = 0, 1\n    return a\n# edited\n"),
    );
    write(
        dir,
        "live/L07/response.json",
        &format!(r#"{{"detail":"<script>alert(1)</script> key {SECRET}"}}"#),
    );
    write(
        dir,
        "live/L07/result_excerpt.txt",
        "status: error\nsummary: forced\n",
    );
    let mut l04 = outcome("L04", Suite::Live, Verdict::Pass, 0, 900);
    l04.evidence = vec!["live/L04/app.json".into()];
    let mut l05 = outcome("L05", Suite::Live, Verdict::Pass, 1000, 2000);
    l05.jobs.push(JobMark {
        job_id: Some("j-1".into()),
        submitted_at: Duration::from_millis(1100),
        settled_at: Some(Duration::from_millis(2900)),
    });
    l05.failed_attempts.push(Attempt {
        number: 1,
        verdict: Verdict::Fail,
        reason: "app.py not modified".into(),
        duration: Duration::from_millis(700),
        evidence_dir: "live/L05/attempt-1".into(),
    });
    let mut l06 = outcome("L06", Suite::Live, Verdict::Pass, 3000, 1500);
    l06.evidence = vec![
        "live/L06/app.json".into(),
        "live/L06/before/app.json".into(),
    ];
    let mut l07 = outcome("L07", Suite::Live, Verdict::Fail, 4500, 800);
    l07.reason = format!("<script>alert('x')</script> saw {SECRET}");
    l07.notes = Some("observed: <b>bold</b>\n".into());
    l07.observations
        .push("CORS <img src=x> header absent".into());
    l07.evidence = vec![
        "live/L07/response.json".into(),
        "live/L07/result_excerpt.txt".into(),
    ];
    let mut l08 = outcome("L08", Suite::Live, Verdict::Skip, 0, 0);
    l08.reason = "gated by L07".into();
    let mut report = RunReport {
        run_id: "2025-11-14T17-14-05Z".into(),
        base_url: "http://127.0.0.1:1".into(),
        git_commit: "abc123".into(),
        target: Some(serde_json::json!({"backend": "rust", "cors": "<none>"})),
        outcomes: vec![
            l04,
            l05,
            l06,
            l07,
            l08,
            outcome("ROLLBACK", Suite::Rollback, Verdict::Pass, 5400, 600),
            outcome("M01", Suite::MockedRerun, Verdict::Pass, 6000, 300),
        ],
        run_dir: dir.to_path_buf(),
        ..RunReport::for_tests()
    };
    crate::ladder::live::attach_app_diffs(&mut report.outcomes);
    report
}

fn redactor() -> Redactor {
    Secrets::from_lookup(|n| (n == "OPENAI_API_KEY").then(|| SECRET.into())).redactor()
}

#[test]
fn planted_secret_is_redacted_and_backend_markup_is_text() {
    let dir = tempfile::tempdir().unwrap();
    let html = render(&sample(dir.path()), &redactor());
    assert!(!html.contains(SECRET), "the secret reached the page");
    assert!(html.contains("[REDACTED]"));
    assert!(
        !html.contains("<script>"),
        "backend markup rendered as markup"
    );
    assert!(html.contains("&lt;script&gt;alert"));
    assert!(!html.contains("<b>bold</b>") && !html.contains("<img src=x>"));
    // No script, no external resource.
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
    assert!(!html.contains("<link"));
}

#[test]
fn rows_diffs_and_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let html = render(&sample(dir.path()), &redactor());
    assert_eq!(html.matches("<details class=\"row\"").count(), 7);
    // One bar per scenario that ran (L08 was skipped).
    assert_eq!(html.matches("<rect class=\"bar ").count(), 6);
    assert!(html.contains("data-id=\"ROLLBACK\""));
    assert!(html.contains("id=\"rollback-mark\"") && html.contains("gate: L07 stopped"));
    assert_eq!(html.matches("<line class=\"job\"").count(), 1);
    assert_eq!(html.matches("<line class=\"settle\"").count(), 1);
    // L05: L04's app.py against L06's "before"; L06: refactor.
    assert!(html.contains("data-scenario=\"L05\""));
    assert!(html.contains("<span class=\"add\">+# edited"));
    assert!(html.contains("<span class=\"del\">-    return n"));
    assert!(html.contains("<span class=\"add\">+    a, b = 0, 1"));
    // The failure is open, with its notes, excerpt and pretty response; links relative.
    assert!(html.contains("<details class=\"row\" id=\"row-L07\" data-verdict=\"FAIL\" open"));
    assert!(html.contains("status: error"));
    assert!(html.contains("{\n  &quot;detail&quot;"));
    assert!(html.contains("href=\"live/L07/response.json\""));
    assert!(html.contains("href=\"live/L05/attempt-1\""));
    assert!(html.contains("CORS &lt;img src=x&gt; header absent"));
}

#[test]
fn baseline_block_marks_regressions() {
    let dir = tempfile::tempdir().unwrap();
    let c = Comparison {
        old_run: "2025-11-13T00-00-00Z".into(),
        new_run: "2025-11-14T17-14-05Z".into(),
        changes: vec![crate::compare::Change::Verdict {
            id: "L07".into(),
            old: "PASS".into(),
            new: "FAIL".into(),
        }],
    };
    let html = render(
        &compared(sample(dir.path()), BaselineComparison::Run(c)),
        &redactor(),
    );
    assert!(html.contains("Compared with 2025-11-13T00-00-00Z"));
    assert!(html.contains("<li class=\"regression\">L07       PASS -&gt; FAIL</li>"));
}

#[test]
fn a_retried_l06_shows_its_last_attempts_diff() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = sample(dir.path());
    for k in [1, 2] {
        write(
            dir.path(),
            &format!("live/L06/attempt-{k}/before/app.json"),
            &app("def fib(n):\n    return n\n# edited\n"),
        );
        write(
            dir.path(),
            &format!("live/L06/attempt-{k}/app.json"),
            &app(&format!("def fib(n):\n    return {k}\n# edited\n")),
        );
    }
    let l06 = report.outcomes.iter_mut().find(|o| o.id == "L06").unwrap();
    l06.evidence = [
        "1/app.json",
        "1/before/app.json",
        "2/app.json",
        "2/before/app.json",
    ]
    .map(|f| format!("live/L06/attempt-{f}"))
    .to_vec();
    report.outcomes.iter_mut().for_each(|o| o.shown.clear());
    crate::ladder::live::attach_app_diffs(&mut report.outcomes);
    let html = render(&report, &redactor());
    let l06_diff = html
        .split("data-scenario=\"L06\"")
        .nth(1)
        .expect("L06 diff");
    let l06_diff = &l06_diff[..l06_diff.find("</pre>").unwrap()];
    assert!(l06_diff.contains("+    return 2"), "{l06_diff}");
    assert!(
        l06_diff.contains("+++ live/L06/attempt-2/app.json"),
        "{l06_diff}"
    );
    // L05's "after" is L06's last attempt's "before".
    assert!(html.contains("live/L04/app.json → live/L06/attempt-2/before/app.json"));
}

#[test]
fn an_unreadable_or_missing_baseline_is_said_in_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let none = render(
        &compared(sample(dir.path()), BaselineComparison::NoBaseline),
        &redactor(),
    );
    assert!(none.contains("comparison: no baseline"));
    let bad = BaselineComparison::Unreadable {
        error: "reading the baseline x.zip: not a zip".into(),
    };
    let html = render(&compared(sample(dir.path()), bad), &redactor());
    assert!(html.contains("comparison: not made: reading the baseline x.zip"));
}

#[test]
fn the_page_shows_what_a_scenario_attached_and_names_no_scenario_itself() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = sample(dir.path());
    write(dir.path(), "live/L02/a.json", &app("one\n"));
    write(dir.path(), "live/L02/b.json", &app("two\n"));
    let mut l02 = outcome("L02", Suite::Live, Verdict::Pass, 0, 10);
    l02.shown = vec![Shown::Diff {
        file: "main.rs".into(),
        before: "live/L02/a.json".into(),
        after: "live/L02/b.json".into(),
    }];
    report.outcomes.push(l02);
    let html = render(&report, &redactor());
    let l02 = html
        .split("data-scenario=\"L02\"")
        .nth(1)
        .expect("L02's diff");
    assert!(l02.contains("<span class=\"add\">+two"), "{l02:.300}");
    assert!(html.contains("main.rs: live/L02/a.json → live/L02/b.json"));
    let source = include_str!("../html.rs").to_owned() + include_str!("diff.rs");
    for id in ["\"L0", "\"M0", "ROLLBACK"] {
        assert!(
            !source.contains(id),
            "the HTML reporter names a scenario: {id}"
        );
    }
}

#[test]
fn large_app_py_snapshots_are_diffed_whole_and_oversized_ones_named() {
    let dir = tempfile::tempdir().unwrap();
    let report = sample(dir.path());
    let big: String = (0..4000)
        .map(|i| format!("value_{i} = {i}  # line\n"))
        .collect();
    assert!(big.len() > 64 * 1024);
    write(dir.path(), "live/L04/app.json", &app(&big));
    write(
        dir.path(),
        "live/L06/before/app.json",
        &app(&format!("{big}# edited\n")),
    );
    let html = render(&report, &redactor());
    let l05 = html
        .split("data-scenario=\"L05\"")
        .nth(1)
        .expect("L05 has a diff");
    assert!(l05.contains("<span class=\"add\">+# edited"), "{l05:.400}");
    assert!(!html.contains("missing"), "both snapshots exist");
    // Over the limit: said so, no diff.
    let huge = "x = 1\n".repeat(800_000);
    write(dir.path(), "live/L06/app.json", &app(&huge));
    let html = render(&report, &redactor());
    assert!(!html.contains("data-scenario=\"L06\""));
    assert!(
        html.contains("no diff: live/L06/app.json is ") && html.contains("over the limit of 4 MiB"),
        "{}",
        &html[html.find("no diff").unwrap_or(0)..][..300]
    );
}

mod timeline;
