//! The suite against a test double of the original backend (synchronous jobs, no job_id in
//! result.json, the previous result left in place, no /healthz, redirects): the freshness
//! rule, gating, the redactor, exit codes.

use crate::support::fake_backend::{self, Config, Fake};
use crate::support::{assert_junit_valid, xtask, Run};

fn mocked_twin() -> fake_backend::Fake {
    fake_backend::start(Config {
        mocked: true,
        healthz: true,
        ..Default::default()
    })
}

/// `live-suite --base-url <live> [--mocked-base-url <mocked>] <flags> --poll-timeout 20`,
/// with the run folder in a temporary directory that lives as long as the returned guard.
fn suite_against(
    live: &Fake,
    mocked: Option<&Fake>,
    flags: &[&str],
    envs: &[(&str, &str)],
) -> (Run, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["live-suite", "--base-url", &live.url];
    if let Some(m) = mocked {
        args.extend(["--mocked-base-url", &m.url]);
    }
    args.extend(flags);
    args.extend(["--poll-timeout", "20"]);
    let run = xtask(&args, envs, out.path());
    (run, out)
}

#[test]
fn an_original_like_backend_passes_and_redirects_keep_the_post_body() {
    let live = fake_backend::start(Config {
        redirect_slash: true,
        ..Default::default()
    });
    let mocked = mocked_twin();
    let (run, _out) = suite_against(&live, Some(&mocked), &["--long-run-seconds", "1"], &[]);
    run.assert_code(0);
    run.assert_all_passed();
    // The target profile's probe (refused `{}`, nothing created), then L01, L07, L08 create
    // projects: each POST went through the 307 with its body.
    assert_eq!(*live.posts_after_redirect.lock().unwrap(), 4);
    // The fake appends a note: L06 passes with a structured limitation.
    assert!(run.read("live/L06/notes.txt").contains("limitation"));
    // Rollback trigger recorded in the last live scenario's notes.
    assert!(run.read("live/L08/notes.txt").contains("rollback trigger"));
    assert!(run.stdout.contains("stack: external"));
    assert_junit_valid(&run.run_dir.join("junit.xml"));
}

/// The original's deviations from the full contract, each an observation of the scenario
/// where the suite meets it.
const ORIGINAL_DEVIATIONS: [(&str, &str); 3] = [
    ("L01", "result.json carries no job_id"),
    (
        "L07",
        "the backend marked the job completed although its worker reported an error \
         (contract: error)",
    ),
    (
        "M04",
        "freshness not provable: the dummy worker writes a fixed result",
    ),
];

#[test]
fn the_original_passes_with_its_deviations_listed_as_observations() {
    let live = fake_backend::start(Config::default());
    let mocked = fake_backend::start(Config {
        mocked: true,
        ..Default::default()
    });
    let (run, _out) = suite_against(&live, Some(&mocked), &["--long-run-seconds", "1"], &[]);
    run.assert_code(0);
    run.assert_all_passed();
    let summary = run.read("summary.txt");
    for (id, text) in ORIGINAL_DEVIATIONS {
        assert!(
            run.stdout.contains(&format!("[observation] {id}: {text}")),
            "{id}: {text}\n{}",
            run.stdout
        );
        assert!(summary.contains(&format!("{id}: {text}")), "{summary}");
        let notes = run.read(&format!(
            "{}/{id}/notes.txt",
            if id.starts_with('M') {
                "mocked/RERUN"
            } else {
                "live"
            }
        ));
        assert!(notes.contains(text), "{notes}");
    }
    // The twin has no /healthz either: the rollback cannot see the mode.
    assert!(summary.contains("ROLLBACK: no /healthz"), "{summary}");
    // The profile: console, target.json, summary, JUnit.
    let profile = "target: /healthz absent, /openapi.json present, POST /projects redirects \
                   (307), jobs synchronous, result.json without job_id";
    assert!(summary.contains(profile), "{summary}");
    let target: serde_json::Value = serde_json::from_str(&run.read("target.json")).unwrap();
    assert_eq!(target["healthz"], "absent");
    assert_eq!(target["jobs"], "synchronous");
    assert!(
        run.stdout.contains("target: /healthz absent"),
        "{}",
        run.stdout
    );
    let junit = run.read("junit.xml");
    assert!(junit.contains("name=\"target.result_job_id\" value=\"absent\""));
    assert!(junit.contains("name=\"observation\" value=\"L07: the backend marked"));
    assert_junit_valid(&run.run_dir.join("junit.xml"));
}

#[test]
fn under_strict_the_original_fails_naming_each_deviation() {
    let live = fake_backend::start(Config::default());
    let (run, _out) = suite_against(
        &live,
        Some(&mocked_twin()),
        &["--long-run-seconds", "1", "--strict"],
        &[],
    );
    run.assert_code(1);
    // L01 fails (no job_id) and gates the rest of the live ladder; the rollback (a twin
    // with /healthz) and the rerun still run, and M04 fails on its own deviation.
    for (id, text) in [ORIGINAL_DEVIATIONS[0], ORIGINAL_DEVIATIONS[2]] {
        let (verdict, reason) = run.verdict(id);
        assert_eq!(verdict, "FAIL", "{id}: {reason}");
        assert!(reason.starts_with("--strict: 1 observation: "), "{reason}");
        assert!(reason.contains(text), "{id}: {reason}");
    }
    assert_eq!(run.verdict("L02"), ("SKIP".into(), "gated by L01".into()));
    for id in ["ROLLBACK", "M01", "M02", "M03"] {
        assert_eq!(run.verdict(id).0, "PASS", "{id}");
    }
    // Without /healthz the rollback cannot see the mode: a failure under --strict.
    let no_healthz = fake_backend::start(Config {
        mocked: true,
        ..Default::default()
    });
    let (run, _out) = suite_against(
        &live,
        Some(&no_healthz),
        &["--only", "L04", "--strict"],
        &[],
    );
    let (verdict, reason) = run.verdict("ROLLBACK");
    assert_eq!(verdict, "FAIL");
    assert!(reason.contains("no /healthz"), "{reason}");
    // L07 alone, under --strict: its own deviation.
    let (run, _out) = suite_against(&live, None, &["--only", "L07", "--strict"], &[]);
    let (verdict, reason) = run.verdict("L07");
    assert_eq!(verdict, "FAIL");
    assert!(reason.contains(ORIGINAL_DEVIATIONS[1].1), "{reason}");
}

#[test]
fn an_error_job_that_leaves_the_previous_result_fails_and_gates_the_rest() {
    let live = fake_backend::start(Config {
        edit_error_keeps_result: true,
        ..Default::default()
    });
    let mocked = mocked_twin();
    let (run, _out) = suite_against(&live, Some(&mocked), &["--long-run-seconds", "1"], &[]);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L05");
    assert_eq!(verdict, "FAIL");
    assert!(reason.contains("left only the previous job's"), "{reason}");
    for id in ["L06", "L07", "L08"] {
        assert_eq!(run.verdict(id), ("SKIP".into(), "gated by L05".into()));
    }
    let notes = run.read("live/L05/notes.txt");
    for field in [
        "observed:",
        "expected:",
        "suspected root cause:",
        "where to look:",
        "rollback trigger",
    ] {
        assert!(notes.contains(field), "{field} missing in\n{notes}");
    }
    for id in ["ROLLBACK", "M01", "M02", "M03", "M04"] {
        assert_eq!(run.verdict(id).0, "PASS", "{id}");
    }
    assert!(run.stdout.contains("exit 1: L05 FAIL"), "{}", run.stdout);
    let junit = run.read("junit.xml");
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let l05 = doc
        .descendants()
        .find(|n| n.attribute("name") == Some("L05 Edit: Add Feature"))
        .unwrap();
    let failure = l05.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(failure
        .attribute("message")
        .unwrap()
        .contains("previous job"));
    assert_junit_valid(&run.run_dir.join("junit.xml"));
}

#[test]
fn a_crashed_live_worker_that_leaves_the_previous_result_fails_l06() {
    // The original: the worker exits non-zero, the job ends `error`, and the previous
    // (successful) result.json stays in place. It must never pass as this job's result.
    let live = fake_backend::start(Config {
        edit_error_keeps_result: true,
        ..Default::default()
    });
    let (run, _out) = suite_against(&live, None, &["--only", "L06"], &[]);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L06");
    assert_eq!(verdict, "FAIL", "{reason}");
    assert!(reason.contains("left only the previous job's"), "{reason}");
}

#[test]
fn a_crashed_refactor_fails_l06_in_a_whole_run_and_the_rollback_still_runs() {
    // L05's edit succeeds with a timestamped result; L06's worker crashes, the job ends
    // `error` and L05's result stays: never L06's, even though the rest is original-like.
    let live = fake_backend::start(Config {
        crash_refactor: true,
        ..Default::default()
    });
    let (run, _out) = suite_against(
        &live,
        Some(&mocked_twin()),
        &["--long-run-seconds", "1"],
        &[],
    );
    run.assert_code(1);
    assert_eq!(run.verdict("L05").0, "PASS");
    let (verdict, reason) = run.verdict("L06");
    assert_eq!(verdict, "FAIL", "{reason}");
    assert!(reason.contains("left only the previous job's"), "{reason}");
    for id in ["L07", "L08"] {
        assert_eq!(run.verdict(id), ("SKIP".into(), "gated by L06".into()));
    }
    for id in ["ROLLBACK", "M01", "M02", "M03", "M04"] {
        assert_eq!(run.verdict(id).0, "PASS", "{id}");
    }
    assert!(run.read("live/L06/notes.txt").contains("rollback trigger"));
}

#[test]
fn an_answer_its_openapi_document_does_not_describe_is_an_observation_or_under_strict_a_failure() {
    let live = fake_backend::start(Config {
        openapi_size_as_string: true,
        ..Default::default()
    });
    let (run, _out) = suite_against(&live, None, &["--only", "L03"], &[]);
    run.assert_code(0);
    let summary = run.read("summary.txt");
    let expected = "L03: openapi: list_files_api_v1__project_id__files_get 200: at /files/0/size";
    assert!(summary.contains(expected), "{summary}");
    assert!(
        summary
            .contains("(schema rule type at /components/schemas/FileEntry/properties/size/type)"),
        "{summary}"
    );
    let (run, _out) = suite_against(&live, None, &["--only", "L03", "--strict"], &[]);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L03");
    assert_eq!(verdict, "FAIL");
    assert!(reason.contains("/files/0/size"), "{reason}");
}

#[test]
fn without_a_mocked_twin_the_rollback_is_skipped_with_the_reason() {
    let live = fake_backend::start(Config::default());
    let (run, _out) = suite_against(&live, None, &["--only", "L04"], &[]);
    run.assert_code(0);
    assert_eq!(run.verdict("L04").0, "PASS");
    // --only L04 needs a project: created as setup in L04's folder.
    assert!(run
        .files()
        .contains(&"live/L04/setup/project_id.txt".to_string()));
    assert_eq!(
        run.verdict("L01"),
        ("SKIP".into(), "not selected (--only L04)".into())
    );
    let (v, reason) = run.verdict("ROLLBACK");
    assert_eq!(v, "SKIP");
    assert!(reason.contains("--mocked-base-url"), "{reason}");
    assert_eq!(
        run.verdict("M01"),
        ("SKIP".into(), "gated by ROLLBACK".into())
    );
    // Asked for no rollback: the rerun says so, as the rollback does.
    let (run, _out) = suite_against(&live, None, &["--only", "L04", "--no-rollback"], &[]);
    run.assert_code(0);
    assert_eq!(
        run.verdict("ROLLBACK"),
        ("SKIP".into(), "--no-rollback".into())
    );
    for id in ["M01", "M04"] {
        assert_eq!(
            run.verdict(id),
            ("SKIP".into(), "not run: --no-rollback".into())
        );
    }
}

#[test]
fn a_secret_echoed_by_the_backend_is_redacted_and_fails_its_scenario() {
    let secret = "sk-PLANTED-do-not-leak-8472";
    let live = fake_backend::start(Config {
        echo_secret: Some(secret.into()),
        ..Default::default()
    });
    let mocked = mocked_twin();
    let (run, _out) = suite_against(&live, Some(&mocked), &[], &[("OPENAI_API_KEY", secret)]);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L02");
    assert_eq!(verdict, "FAIL");
    assert!(
        reason.contains("OPENAI_API_KEY") && reason.contains("the answer to GET /api/v1/"),
        "{reason}"
    );
    assert!(run.read("live/L02/files.json").contains("[REDACTED]"));
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    for f in run.files() {
        let bytes = std::fs::read(run.run_dir.join(&f)).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "{f} holds the secret"
        );
    }
    let mut z = zip::ZipArchive::new(std::fs::File::open(&run.zip).unwrap()).unwrap();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        // Bytes: the zip holds report.png too.
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut bytes).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "{} holds the secret",
            e.name().unwrap()
        );
    }
    // Presence is reported, never the value.
    assert!(run.stdout.contains("OPENAI_API_KEY=present"));
}
