//! Across attempts and runs, against the test double: a retried scenario keeps each
//! attempt's evidence and counts a later pass as flaky; a planted regression shows against
//! the automatic baseline, a `--baseline` zip and `compare`.

use crate::support::fake_backend::{self, Config};
use crate::support::{assert_junit_valid, xtask};

/// `live-suite --base-url <url> --only <id> --poll-timeout 20 <extra>`, runs kept in `out`.
fn suite_run(url: &str, only: &str, extra: &[&str], out: &std::path::Path) -> crate::support::Run {
    let mut args = vec!["live-suite", "--base-url", url, "--only", only];
    args.extend(["--poll-timeout", "20"]);
    args.extend(extra);
    xtask(&args, &[], out)
}

#[test]
fn a_retry_keeps_each_attempt_and_a_later_pass_counts() {
    let live = fake_backend::start(Config {
        failing_edits: 1,
        ..Default::default()
    });
    let out = tempfile::tempdir().unwrap();
    let run = suite_run(&live.url, "L05", &["--retries", "2"], out.path());
    run.assert_code(0);
    assert_eq!(run.verdict("L05").0, "PASS");
    let files = run.files();
    for f in [
        "live/L05/attempt-1/response.json",
        "live/L05/attempt-2/result.json",
    ] {
        assert!(files.contains(&f.to_string()), "{f} missing in {files:#?}");
    }
    assert!(!files.iter().any(|f| f.starts_with("live/L05/attempt-3")));
    let notes = run.read("live/L05/notes.txt");
    assert!(
        notes.contains("passed on attempt 2") && notes.contains("attempt 1: FAIL"),
        "{notes}"
    );
    // JUnit says it was flaky, the way nextest does, and stays schema-valid.
    let xml = run.read("junit.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let l05 = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name").unwrap().starts_with("L05"))
        .unwrap();
    let flaky: Vec<_> = l05
        .children()
        .filter(|n| n.has_tag_name("flakyFailure"))
        .collect();
    assert_eq!(flaky.len(), 1, "{xml}");
    assert!(!flaky[0].attribute("message").unwrap().is_empty());
    let out = flaky[0]
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(out.contains("evidence: live/L05/attempt-1/"), "{out}");
    assert!(!l05.children().any(|n| n.has_tag_name("failure")));
    assert_junit_valid(&run.run_dir.join("junit.xml"));
}

#[test]
fn a_planted_regression_shows_against_the_baseline() {
    let good = fake_backend::start(Config::default());
    // Every edit job of the regressed backend fails: L05 goes PASS -> FAIL.
    let bad = fake_backend::start(Config {
        failing_edits: usize::MAX,
        ..Default::default()
    });
    let out = tempfile::tempdir().unwrap();
    let run = |url: &str, extra: &[&str]| suite_run(url, "L05", extra, out.path());
    let first = run(&good.url, &[]);
    first.assert_code(0);
    assert!(first
        .read("summary.txt")
        .contains("comparison: no baseline"));
    let first_id = first.run_dir.file_name().unwrap().to_str().unwrap();

    // Without --baseline: the newest earlier run in --out.
    let second = run(&bad.url, &[]);
    second.assert_code(1);
    let summary = second.read("summary.txt");
    assert!(
        summary.contains(&format!("comparison with {first_id} (baseline)"))
            && summary.contains("1 regression")
            && summary.contains("! L05       PASS -> FAIL"),
        "{summary}"
    );
    let html = second.read("report.html");
    assert!(html.contains("<li class=\"regression\">L05       PASS -&gt; FAIL</li>"));

    // `cargo xtask compare OLD NEW`: folder against zip, exit 1 on the regression; a run
    // against itself has no change and exits 0.
    let compare = |old: &std::path::Path, new: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("compare")
            .args([old, new])
            .output()
            .unwrap()
    };
    let regressed = compare(&first.run_dir, &second.zip);
    let stdout = String::from_utf8_lossy(&regressed.stdout);
    assert_eq!(regressed.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("! L05       PASS -> FAIL"), "{stdout}");
    let same = compare(&first.zip, &first.run_dir);
    let stdout = String::from_utf8_lossy(&same.stdout);
    assert_eq!(same.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("no changes"), "{stdout}");

    // --baseline given as the first run's zip.
    let zip = first.zip.to_str().unwrap();
    let third = run(&bad.url, &["--baseline", zip]);
    let summary = third.read("summary.txt");
    assert!(
        summary.contains(&format!("comparison with {first_id} (baseline)"))
            && summary.contains("! L05       PASS -> FAIL"),
        "{summary}"
    );
}
