//! Bad input through the real binary: a structured error result and a non-zero exit when
//! the result can be written, the path on stderr when it cannot; never a panic, never a
//! changed workspace.

use crate::workspace::{assert_standard_logs, run_worker, Workspace};
use codex_contract::WorkerStatus;
use std::fs;

fn assert_no_panic(run: &crate::workspace::Run) {
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn missing_request_json() {
    let ws = Workspace::new();
    let run = ws.run(&[]);
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert_no_panic(&run);
    let r = ws.result();
    assert_eq!(r.status, WorkerStatus::Error);
    assert!(
        r.errors[0].contains("request.json is missing"),
        "{:?}",
        r.errors
    );
    assert_standard_logs(&r, "unknown", "builtin");
    // Only the worker's own result appeared.
    assert_eq!(
        ws.all_files(),
        [std::path::PathBuf::from(".codex/result.json")]
    );
}

#[test]
fn malformed_request_json() {
    let ws = Workspace::new();
    fs::write(ws.path().join("app.py"), "print('keep me')\n").unwrap();
    ws.write_request_raw("{\"job_id\": \"j\", \"job_type\": ");
    let run = ws.run(&[]);
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert_no_panic(&run);
    let r = ws.result();
    assert!(r.errors[0].contains("not valid JSON"), "{:?}", r.errors);
    assert_eq!(ws.read("app.py"), "print('keep me')\n");
}

#[test]
fn unknown_job_type() {
    let ws = Workspace::new();
    ws.request("job-x", "deploy", "ship it");
    let run = ws.run(&[]);
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    let r = ws.result();
    assert_eq!(r.job_id.as_deref(), Some("job-x"));
    assert!(
        r.errors[0].contains("unknown job type") && r.errors[0].contains("initial_project"),
        "{:?}",
        r.errors
    );
    assert!(r.created_files.is_empty());
    assert_eq!(ws.all_files().len(), 2, "{:?}", ws.all_files()); // request + result
}

#[test]
fn missing_workspace_goes_to_stderr_with_the_path() {
    let parent = tempfile::tempdir().unwrap();
    let missing = parent.path().join("no-such-workspace");
    let run = run_worker(&missing, &[]);
    assert_eq!(run.code, Some(3));
    assert_no_panic(&run);
    assert!(
        run.stderr.contains(&missing.display().to_string()),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("WORKSPACE_DIR"), "{}", run.stderr);
    assert!(
        !missing.exists(),
        "the worker must not create the workspace"
    );
}

#[test]
fn unwritable_codex_dir_goes_to_stderr_with_the_path() {
    // A file where `.codex/` should be: unwritable even for root, unlike a chmod.
    let ws = Workspace::new();
    fs::write(ws.path().join(".codex"), "not a directory").unwrap();
    let run = ws.run(&[]);
    assert_eq!(run.code, Some(3));
    assert_no_panic(&run);
    assert!(run.stderr.contains(".codex/result.json"), "{}", run.stderr);
    assert_eq!(ws.read(".codex"), "not a directory");
}

#[test]
fn unwritable_target_is_an_error_result_and_nothing_changes() {
    // `tests` is a file, so tests/test_cli.py cannot be written: README.md and app.py,
    // written first, must be undone.
    let ws = Workspace::new();
    fs::write(ws.path().join("tests"), "blocking file").unwrap();
    ws.request("job-u", "initial_project", "a CLI");
    let run = ws.run(&[]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let r = ws.result();
    assert!(r.errors[0].starts_with("builtin_failed:"), "{:?}", r.errors);
    assert!(
        r.errors[0].contains("no file was changed"),
        "{:?}",
        r.errors
    );
    assert!(
        r.created_files.is_empty() && r.modified_files.is_empty(),
        "{r:?}"
    );
    assert!(!ws.path().join("README.md").exists() && !ws.path().join("app.py").exists());
}

#[test]
fn invalid_sleep_seconds_is_a_structured_error() {
    let ws = Workspace::new();
    ws.request("job-c", "edit", "x");
    let run = ws.run(&[("SLEEP_SECONDS", "ten")]);
    assert_eq!(run.code, Some(2));
    let r = ws.result();
    assert!(r.errors[0].contains("SLEEP_SECONDS"), "{:?}", r.errors);
}
