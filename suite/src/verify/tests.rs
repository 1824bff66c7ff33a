//! `verify` on a run folder the real reporters wrote (every end report, manifest and zip),
//! then on copies tampered with one way each. Whole runs of every stack are verified where
//! they run (the repository's integration tests).

use super::*;
use crate::evidence::Evidence;
use crate::model::outcome::{RunReport, ScenarioOutcome, Suite, Verdict};
use crate::model::secrets::Secrets;
use crate::report::{Reporter, Shared};
use std::io::Write as _;

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const KEY: &str = "sk-verify-test-key-0123456789";

/// A run folder (and its zip beside it) of L01 passed, L02 failed and M01 skipped, with the
/// evidence each leaves.
fn written_run(out: &Path) -> Evidence {
    let ev = Evidence::create(out, Redactor::default()).unwrap();
    for f in [
        "response.json",
        "project_id.txt",
        "result.json",
        "result_excerpt.txt",
    ] {
        ev.write(&format!("live/L01/{f}"), "{}\n").unwrap();
    }
    ev.write("live/L02/notes.txt", "expected: …\n").unwrap();
    let outcomes = vec![
        ScenarioOutcome::new("L01", "a", Suite::Live, Verdict::Pass, "ok".into()),
        ScenarioOutcome::new("L02", "b", Suite::Live, Verdict::Fail, "no".into()),
        ScenarioOutcome::new("M01", "c", Suite::MockedRerun, Verdict::Skip, "-".into()),
    ];
    let report = RunReport {
        run_id: ev.run_id.clone(),
        git_commit: COMMIT.into(),
        outcomes,
        run_dir: ev.dir.clone(),
        junit_path: ev.dir.join(files::JUNIT),
        summary_path: ev.dir.join(files::SUMMARY),
        zip_path: ev.dir.with_extension("zip"),
        ..RunReport::for_tests()
    };
    let reporter = Shared::new(Reporter::files_only(&ev));
    let unwritten = reporter.finish(&reporter.events(), report);
    assert!(unwritten.is_empty(), "{unwritten:?}");
    ev
}

/// Verdicts from `(id, verdict)` pairs.
fn v(pairs: &[(&str, &str)]) -> verdicts::Verdicts {
    pairs
        .iter()
        .map(|(a, b)| ((*a).into(), (*b).into()))
        .collect()
}

fn problems(path: &Path, expect: &Expect) -> Vec<String> {
    verify(path, expect).unwrap().problems
}

#[test]
fn a_written_run_is_sound_as_a_folder_and_as_its_zip() {
    let out = tempfile::tempdir().unwrap();
    let ev = written_run(out.path());
    let expect = Expect {
        commit: Some(COMMIT[..7].into()),
        secrets: Some(Redactor::default()),
    };
    for path in [ev.dir.clone(), ev.dir.with_extension("zip")] {
        let found = verify(&path, &expect).unwrap();
        assert_eq!(found.problems, Vec::<String>::new(), "{}", path.display());
        assert_eq!(
            (found.run_id.as_str(), found.scenarios),
            (ev.run_id.as_str(), 3)
        );
        assert!(found.files > 5, "{found:?}");
    }
}

#[test]
fn an_edited_byte_a_removed_file_and_an_added_one_are_each_named() {
    let out = tempfile::tempdir().unwrap();
    let ev = written_run(out.path());
    let excerpt = ev.dir.join("live/L01/result_excerpt.txt");
    std::fs::write(&excerpt, "{]\n").unwrap();
    std::fs::remove_file(ev.dir.join("live/L01/project_id.txt")).unwrap();
    std::fs::write(ev.dir.join("live/L01/extra.txt"), "hi").unwrap();
    let found = problems(&ev.dir, &Expect::default());
    let has = |text: &str| found.iter().any(|p| p.contains(text));
    assert!(
        has("live/L01/result_excerpt.txt: its sha256 is not the manifest's"),
        "{found:?}"
    );
    assert!(
        has("live/L01/project_id.txt: listed in the manifest, missing"),
        "{found:?}"
    );
    assert!(
        has("live/L01/project_id.txt: missing: the plan requires it of L01"),
        "{found:?}"
    );
    assert!(
        has("live/L01/extra.txt: not in the manifest: added"),
        "{found:?}"
    );
}

#[test]
fn a_verdict_changed_in_one_report_only_is_named_with_both_values() {
    let out = tempfile::tempdir().unwrap();
    let ev = written_run(out.path());
    let summary = std::fs::read_to_string(ev.dir.join(files::SUMMARY)).unwrap();
    let forged = summary.replacen("L02       FAIL", "L02       PASS", 1);
    assert_ne!(
        forged, summary,
        "the table row is not where it was looked for"
    );
    // The manifest is rewritten too: the forger kept the sums in step.
    std::fs::write(ev.dir.join(files::SUMMARY), forged).unwrap();
    ev.write_manifest().unwrap();
    let found = problems(&ev.dir, &Expect::default());
    assert_eq!(
        found,
        ["summary.txt: L02 is PASS where run.json says FAIL"],
        "{found:?}"
    );
}

#[test]
fn a_wrong_commit_and_a_planted_secret_are_named_without_the_value() {
    let out = tempfile::tempdir().unwrap();
    let ev = written_run(out.path());
    let zip = ev.dir.with_extension("zip");
    let wrong = problems(
        &zip,
        &Expect {
            commit: Some("fedcba9".into()),
            ..Expect::default()
        },
    );
    assert_eq!(
        wrong,
        [format!(
            "run.json: the run tested commit {COMMIT}, not fedcba9"
        )]
    );
    // A copy of the zip with a secret (percent-encoded) planted in one more entry.
    let planted = out.path().join("planted.zip");
    let mut z = zip::ZipWriter::new_append(
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&planted)
            .map(|mut f| {
                f.write_all(&std::fs::read(&zip).unwrap()).unwrap();
                f
            })
            .unwrap(),
    )
    .unwrap();
    z.start_file(
        format!("{}/live/L01/leak.txt", ev.run_id),
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    z.write_all(KEY.replace('-', "%2D").as_bytes()).unwrap();
    z.finish().unwrap();
    let secrets = Secrets::from_lookup(|n| (n == "OPENAI_API_KEY").then(|| KEY.to_owned()));
    let found = problems(
        &planted,
        &Expect {
            secrets: Some(secrets.redactor()),
            ..Expect::default()
        },
    );
    assert!(
        found.contains(&"live/L01/leak.txt: holds the value of OPENAI_API_KEY".to_owned()),
        "{found:?}"
    );
    assert!(found.iter().all(|p| !p.contains(KEY)), "{found:?}");
}

#[test]
fn a_retried_scenario_is_held_to_its_last_attempt_and_a_failed_one_to_its_notes() {
    let files: std::collections::BTreeMap<String, ()> = [
        "live/L03/attempt-1/notes.txt",
        "live/L03/attempt-10/files.json",
        "live/L03/attempt-2/files.json",
        "live/L05/attempt-2/response.json",
        "live/L05/notes.txt",
    ]
    .into_iter()
    .map(|f| (f.to_owned(), ()))
    .collect();
    assert_eq!(
        required::missing(
            &v(&[("L03", "PASS"), ("L05", "FAIL"), ("M01", "PASS")]),
            &files
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        required::missing(&v(&[("L04", "ERROR"), ("L08", "SKIP")]), &files),
        ["live/L04/notes.txt: missing: the plan requires it of L04 (ERROR)"]
    );
}

#[test]
fn junit_and_the_exit_code_are_read_back_as_written() {
    let xml = r#"<testsuites><testsuite name="live">
        <testcase name="L01 a"><flakyFailure message="x"/></testcase>
        <testcase name="L02 b"><failure message="no"/></testcase>
        <testcase name="L03 c"><error/></testcase>
        <testcase name="M01 d"><skipped/></testcase></testsuite>
        <testsuite name="reports"><testcase name="every report written">
        <error message="writing run.json: full"/></testcase></testsuite></testsuites>"#;
    let (told, unwritten) = verdicts::from_junit(xml).unwrap();
    let pairs: Vec<(&str, &str)> = told.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(
        pairs,
        [
            ("L01", "PASS"),
            ("L02", "FAIL"),
            ("L03", "ERROR"),
            ("M01", "SKIP")
        ]
    );
    assert_eq!(
        unwritten,
        ["every report written", "writing run.json: full"]
    );
    assert!(verdicts::from_junit("<testsuites><testcase").is_err());
    assert_eq!(
        verdicts::exit_code_problem(0, &v(&[("L01", "PASS"), ("M01", "SKIP")])),
        None
    );
    assert_eq!(verdicts::exit_code_problem(1, &v(&[("L01", "SKIP")])), None);
    assert_eq!(
        verdicts::exit_code_problem(130, &v(&[("L01", "PASS")])),
        None
    );
    assert!(verdicts::exit_code_problem(0, &v(&[("L01", "FAIL")])).is_some());
    assert!(verdicts::exit_code_problem(1, &v(&[("L01", "PASS")])).is_some());
}

#[test]
fn an_entry_that_climbs_out_or_a_second_run_is_a_problem_and_an_unreadable_input_an_error() {
    let out = tempfile::tempdir().unwrap();
    let zip_path = out.path().join("odd.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for name in [
        "R/manifest.json",
        "R/../etc/passwd",
        "S/run.json",
        "top.txt",
    ] {
        z.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b"{}").unwrap();
    }
    z.finish().unwrap();
    let found = problems(&zip_path, &Expect::default());
    for want in [
        "R/../etc/passwd: an entry outside the run folder R/",
        "S/run.json: an entry outside the run folder R/",
        "top.txt: an entry outside the run's folder",
        "run.json: missing",
    ] {
        assert!(found.iter().any(|p| p == want), "{want} not in {found:?}");
    }
    let not_a_zip = out.path().join("x.zip");
    std::fs::write(&not_a_zip, "not a zip").unwrap();
    let e = format!("{:#}", verify(&not_a_zip, &Expect::default()).unwrap_err());
    assert!(e.contains("is not a readable zip"), "{e}");
    assert!(verify(&out.path().join("absent"), &Expect::default()).is_err());
}
