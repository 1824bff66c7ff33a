//! The process stack from another repository's point of view: a Python orchestrator of the
//! original's kind, described by its `live-suite.toml`, run from its own folder.

use crate::support::{commit_all, copy_files, fixture, run_dir, suite, text};
use serde_json::Value;

#[test]
fn a_python_orchestrator_run_as_a_process_passes_the_whole_suite_from_its_own_folder() {
    let repo = tempfile::tempdir().unwrap();
    copy_files(&fixture("py_orchestrator"), repo.path());
    let commit = commit_all(repo.path());
    let out = suite(
        repo.path(),
        &["--long-run-seconds", "1", "--poll-timeout", "60"],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("stack: process (described by"), "{said}");
    // A repository that does not ignore its evidence is told how, once a run.
    assert!(
        said.contains("note: docs/evidence is not ignored by git")
            && said.contains("`codex-live-suite init --gitignore`"),
        "{said}"
    );
    // The evidence lies under the folder the suite ran in, and names its commit.
    let run = run_dir(&repo.path().join("docs/evidence"));
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).unwrap()).unwrap();
    assert_eq!(record["commit"], commit.as_str());
    assert_eq!(record["stack"], "process");
    let verdicts: Vec<&str> = record["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts.len(), 13, "{verdicts:?}");
    assert!(verdicts.iter().all(|v| *v == "PASS"), "{verdicts:?}");
    // The original's documented differences are observations, not failures.
    let observed: usize = record["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["observations"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(observed >= 3, "{record}");
    // A reviewer's check of the zip, as the product's users run it, bound to the commit.
    let zip = run.with_extension("zip");
    let verified = suite(
        repo.path(),
        &["verify", zip.to_str().unwrap(), "--commit", &commit],
    );
    assert_eq!(verified.status.code(), Some(0), "{}", text(&verified));
    assert!(
        text(&verified).contains("verify: sound: run "),
        "{}",
        text(&verified)
    );
    // Under --strict they fail: L01 first (result.json without job_id), the rest gated.
    let strict = suite(repo.path(), &["--strict", "--only", "L01", "--no-rollback"]);
    assert_eq!(strict.status.code(), Some(1), "{}", text(&strict));
}

#[test]
fn a_config_that_names_two_stacks_is_a_setup_error_naming_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("live-suite.toml"),
        "compose_files = [\"compose.yml\"]\nservice = \"api\"\n\
         [process]\ncommand = [\"python3\", \"app.py\"]\n",
    )
    .unwrap();
    let out = suite(dir.path(), &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("describes more than one stack ([process] and compose_files, service)"),
        "{said}"
    );
    std::fs::write(
        dir.path().join("live-suite.toml"),
        "base_url = \"http://127.0.0.1:1\"\n[process]\ncommand = []\n",
    )
    .unwrap();
    let said = text(&suite(dir.path(), &[]));
    assert!(said.contains("([process] and base_url)"), "{said}");
    // Nothing was created for a run that never started.
    assert!(!dir.path().join("docs").exists());
}

#[test]
fn a_process_that_never_becomes_healthy_fails_with_its_own_output_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("live-suite.toml"),
        "health_paths = [\"/docs\"]\n[process]\n\
         command = [\"sh\", \"-c\", \"echo no backend here on {port}; exit 3\"]\n",
    )
    .unwrap();
    let out = suite(dir.path(), &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("the backend exited"), "{said}");
    assert!(said.contains("no backend here on "), "{said}");
    // Its private folder, named on the start-up line ("… (data in <folder>/data)"), is gone.
    let started = codex_test_support::process::started_backend(&said)
        .unwrap_or_else(|| panic!("no start-up line\n{said}"));
    let folder = started.data.parent().unwrap();
    assert!(
        folder.starts_with(std::env::temp_dir()) && !folder.exists(),
        "{} remains",
        folder.display()
    );
}

#[test]
fn a_backend_on_another_port_is_named_with_the_fix_long_before_the_health_timeout() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("live-suite.toml"),
        // PORT is given, but the backend listens where its own fixed address says.
        "health_paths = [\"/docs\"]\n[process]\n\
         command = [\"sh\", \"-c\", \"echo listening on 127.0.0.1:18999; exec sleep 120\"]\n\
         env = { PORT = \"{port}\" }\n",
    )
    .unwrap();
    let t = std::time::Instant::now();
    let out = suite(dir.path(), &["--health-timeout", "60"]);
    let took = t.elapsed();
    let said = text(&out);
    println!(
        "a wrong-port backend failed after {:.1}s",
        took.as_secs_f64()
    );
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("the backend says it listens on 127.0.0.1:18999, not on 127.0.0.1:"),
        "{said}"
    );
    assert!(said.contains("fix: start it on `{port}`"), "{said}");
    // Its output is quoted after the reason, not spliced into it.
    assert!(
        said.contains(
            "the backend's output (its last 40 lines):\n    listening on 127.0.0.1:18999"
        ),
        "{said}"
    );
    // The health timeout was not waited out.
    assert!(took < std::time::Duration::from_secs(30), "{said}");
}

#[test]
fn a_backend_that_prints_nothing_is_said_to_have_printed_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("live-suite.toml"),
        "health_paths = [\"/docs\"]\n[process]\ncommand = [\"sh\", \"-c\", \"exit 3\"]\n\
         env = { PORT = \"{port}\" }\n",
    )
    .unwrap();
    let said = text(&suite(dir.path(), &[]));
    assert!(said.contains("the backend exited"), "{said}");
    assert!(said.contains("the backend printed nothing"), "{said}");
    assert!(!said.contains("output:\n:"), "{said}");
}

#[test]
fn a_backend_that_never_listens_is_called_that_with_the_fix_not_a_slow_start() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("live-suite.toml"),
        "health_paths = [\"/docs\"]\n[process]\ncommand = [\"sh\", \"-c\", \"exec sleep 60\"]\n\
         env = { PORT = \"{port}\" }\n",
    )
    .unwrap();
    let out = suite(dir.path(), &["--health-timeout", "2"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("nothing answered at http://127.0.0.1:"),
        "{said}"
    );
    assert!(said.contains("`{port}` in a [process] command"), "{said}");
    assert!(said.contains("the backend printed nothing"), "{said}");
}
