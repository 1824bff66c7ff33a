//! The whole pipeline on the local stack (real codex-backend and codex-worker processes,
//! real SQLite): evidence tree, excerpts, JUnit parsed back (and schema-valid), zip entries,
//! the planted secret; and a failure path with a worker that breaks edits.

use crate::support::{assert_junit_valid, local_suite, local_suite_with_worker, real_worker, Run};

const SECRET: &str = "sk-local-PLANTED-0a9b8c7d6e";

/// The plan's evidence files per scenario (Appendix B, section 3).
const EXPECTED: &[(&str, &[&str])] = &[
    (
        "live/L01",
        &[
            "response.json",
            "project_id.txt",
            "result.json",
            "result_excerpt.txt",
        ],
    ),
    (
        "live/L02",
        &[
            "response.json",
            "result.json",
            "result_excerpt.txt",
            "files.json",
        ],
    ),
    ("live/L03", &["files.json"]),
    ("live/L04", &["app.json", "status.txt"]),
    (
        "live/L05",
        &["response.json", "result.json", "result_excerpt.txt"],
    ),
    (
        "live/L06",
        &[
            "response.json",
            "result.json",
            "result_excerpt.txt",
            "app.json",
        ],
    ),
    (
        "live/L07",
        &[
            "response.json",
            "project_id.txt",
            "result.json",
            "result_excerpt.txt",
            "notes.txt",
        ],
    ),
    (
        "live/L08",
        &[
            "response.json",
            "project_id.txt",
            "result.json",
            "result_excerpt.txt",
        ],
    ),
    (
        "mocked/RERUN/M01",
        &[
            "response.json",
            "project_id.txt",
            "result.json",
            "result_excerpt.txt",
        ],
    ),
    ("mocked/RERUN/M02", &["files.json"]),
    ("mocked/RERUN/M03", &["app.json"]),
    (
        "mocked/RERUN/M04",
        &["response.json", "result.json", "result_excerpt.txt"],
    ),
    ("mocked/RERUN", &["summary.txt"]),
    (
        "",
        &["junit.xml", "summary.txt", "manifest.json", "target.json"],
    ),
];

/// The real worker reports the planted key as present, and the value is nowhere; each
/// result excerpt has its five lines.
fn assert_secret_nowhere(run: &Run, files: &[String]) {
    assert!(run.verdict("L01").1.contains("OPENAI_API_KEY=present"));
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
    for f in files {
        let text =
            String::from_utf8_lossy(&std::fs::read(run.run_dir.join(f)).unwrap()).into_owned();
        assert!(!text.contains(SECRET), "{f} holds the secret");
        assert!(
            !text.contains("[REDACTED]"),
            "{f}: something had to be redacted"
        );
        if f.ends_with("result_excerpt.txt") {
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 5, "{f}: {text}");
            for (line, key) in lines.iter().zip([
                "status: ",
                "summary: ",
                "created_files: ",
                "modified_files: ",
                "first_error: ",
            ]) {
                assert!(line.starts_with(key), "{f}: {line}");
            }
        }
    }
}

/// JUnit parsed back: the counts of each suite, the stack, the schema.
fn assert_junit_counts(run: &Run) {
    let junit = run.read("junit.xml");
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let suites: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let counts: Vec<_> = suites
        .iter()
        .map(|s| {
            (
                s.attribute("name").unwrap(),
                s.attribute("tests").unwrap(),
                s.attribute("failures").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("live", "8", "0"),
            ("rollback", "1", "0"),
            ("mocked-rerun", "4", "0")
        ]
    );
    let stack = doc
        .descendants()
        .find(|n| n.attribute("name") == Some("stack"))
        .unwrap();
    assert_eq!(stack.attribute("value"), Some("local"));
    assert_junit_valid(&run.run_dir.join("junit.xml"));
}

#[test]
fn the_whole_pipeline_on_the_local_stack() {
    let out = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    let run = local_suite(&[("OPENAI_API_KEY", SECRET)], out.path());
    println!(
        "local pipeline wall time: {:.1}s",
        start.elapsed().as_secs_f64()
    );
    run.assert_code(0);
    assert!(
        run.stdout.contains("stack: local (chosen with --stack)"),
        "{}",
        run.stdout
    );

    // Run folder: <out>/<UTC timestamp without colons>/ and <out>/<timestamp>.zip.
    let run_id = run
        .run_dir
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        run_id.ends_with('Z') && !run_id.contains(':') && run_id.len() == 20,
        "{run_id}"
    );
    assert!(run.zip.is_file());

    let files = run.files();
    for (dir, names) in EXPECTED {
        for name in *names {
            let rel = if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            };
            assert!(files.contains(&rel), "missing {rel} in {files:#?}");
        }
    }
    run.assert_all_passed();
    // --strict and nothing observed: our backend, its OpenAPI document included, honours
    // the full contract; the profile says what it is.
    let summary = run.read("summary.txt");
    assert!(summary.contains(", 0 observations)"), "{summary}");
    assert!(
        summary.contains(
            "target: /healthz present, /openapi.json present, POST /projects answers (422), \
             jobs asynchronous, result.json with job_id"
        ),
        "{summary}"
    );
    assert_secret_nowhere(&run, &files);
    assert!(run
        .read("live/L07/result_excerpt.txt")
        .contains("first_error: forced_error"));
    assert!(run
        .read("live/L05/result_excerpt.txt")
        .contains("modified_files: app.py"));
    assert!(run.read("mocked/RERUN/summary.txt").contains("PASS"));
    // The rollback restarted on the same data: the live project is still served.
    let rollback = run.read("mocked/ROLLBACK/notes.txt");
    assert!(
        rollback.contains("after the switch: HTTP 200"),
        "{rollback}"
    );

    assert_junit_counts(&run);

    // The zip holds exactly the run folder under <run id>/: sorted, then the two files
    // written while it was begun (report.png, when a browser took it) and the manifest.
    let last = ["report.png", "manifest.json"];
    let expected: Vec<String> = files
        .iter()
        .map(String::as_str)
        .filter(|f| !last.contains(f))
        .chain(last.into_iter().filter(|l| files.iter().any(|f| f == l)))
        .map(|f| format!("{run_id}/{f}"))
        .collect();
    assert_eq!(run.zip_entries(), expected);

    // The manifest lists every other file with its size.
    let manifest: serde_json::Value = serde_json::from_str(&run.read("manifest.json")).unwrap();
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(listed.len(), files.len() - 1);
    for e in listed {
        let size = std::fs::metadata(run.run_dir.join(e["path"].as_str().unwrap()))
            .unwrap()
            .len();
        assert_eq!(e["size"].as_u64(), Some(size));
    }
}

#[test]
fn a_worker_that_breaks_edits_fails_l05_gates_the_rest_and_rollback_stays_green() {
    let out = tempfile::tempdir().unwrap();
    // A team's own worker (WORKER_BIN) that writes an error result for every edit job.
    let script = crate::support::broken_edit_worker();
    let run = local_suite_with_worker(out.path(), "broken-edit-worker.sh", &script, &[]);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L05");
    assert_eq!(verdict, "FAIL", "{reason}");
    assert!(reason.contains("edit_broken"), "{reason}");
    for id in ["L06", "L07", "L08"] {
        assert_eq!(run.verdict(id), ("SKIP".into(), "gated by L05".into()));
    }
    for id in [
        "L01", "L02", "L03", "L04", "ROLLBACK", "M01", "M02", "M03", "M04",
    ] {
        assert_eq!(
            run.verdict(id).0,
            "PASS",
            "{id}\n{}",
            run.read("summary.txt")
        );
    }
    let notes = run.read("live/L05/notes.txt");
    assert!(
        notes.contains("suspected root cause:") && notes.contains("rollback trigger"),
        "{notes}"
    );
    assert!(run.stdout.contains("exit 1: L05 FAIL"), "{}", run.stdout);
}

/// A scenario that passes on its second attempt is a `flakyFailure` in a
/// schema-valid junit.xml, and report.html shows L06's diff from its last attempt's folder.
#[test]
fn l06_passing_on_its_second_attempt_is_flaky_and_keeps_its_diff() {
    let out = tempfile::tempdir().unwrap();
    // The second edit job (L06's first attempt; L05's is the first) writes an error result.
    let script = format!(
        r#"#!/bin/sh
req="$WORKSPACE_DIR/.codex/request.json"
if grep -q '"job_type": *"edit"' "$req"; then
  n=$(( $(cat "{dir}/edits" 2>/dev/null || echo 0) + 1 ))
  echo "$n" > "{dir}/edits"
  if [ "$n" = 2 ]; then
    jid=$(sed -n 's/.*"job_id": *"\([^"]*\)".*/\1/p' "$req")
    printf '{{"status":"error","summary":"refactor broken once","errors":["once"],"logs":["OPENAI_API_KEY=absent","OPENAI_ORG_ID=absent","OPENAI_PROJECT=absent"],"job_id":"%s"}}' "$jid" > "$WORKSPACE_DIR/.codex/result.json"
    exit 1
  fi
fi
exec "{worker}" "$@"
"#,
        dir = out.path().display(),
        worker = real_worker().display()
    );
    let run = local_suite_with_worker(out.path(), "flaky-worker.sh", &script, &["--retries", "1"]);
    run.assert_code(0);
    assert_eq!(run.verdict("L06").0, "PASS");
    let xml = run.read("junit.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let l06 = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name").unwrap().starts_with("L06"))
        .unwrap();
    let flaky: Vec<_> = l06
        .children()
        .filter(|n| n.has_tag_name("flakyFailure") || n.has_tag_name("flakyError"))
        .collect();
    assert_eq!(flaky.len(), 1, "{xml}");
    assert!(
        flaky[0].attribute("message").unwrap().contains("once"),
        "{xml}"
    );
    assert_junit_valid(&run.run_dir.join("junit.xml"));
    let html = run.read("report.html");
    let diff = html
        .split("<pre class=\"diff\" data-scenario=\"L06\">")
        .nth(1)
        .expect("L06 diff in report.html");
    let diff = &diff[..diff.find("</pre>").unwrap()];
    assert!(diff.contains("+++ live/L06/attempt-2/app.json"), "{diff}");
    assert!(diff.contains("<span class=\"add\">+"), "{diff}");
}
