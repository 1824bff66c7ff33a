//! The built-in engine end to end, through the real binary, in the order the plan's live
//! ladder drives it: initial (L01, L02) → edit (L05) → refactor (L06) → force_error (L07)
//! → long_run (L08).

use crate::workspace::{assert_standard_logs, python3, Workspace};
use codex_contract::WorkerStatus;
use std::time::Duration;

const FIRST_TEN: &str = "0,1,1,2,3,5,8,13,21,34";
const FIRST_FIFTEEN: &str = "0,1,1,2,3,5,8,13,21,34,55,89,144,233,377";

#[test]
fn initial_edit_refactor_force_error_long_run() {
    let ws = Workspace::new();
    let python = initial_job_creates_three_files(&ws);
    edits_change_app_py(&ws, python.is_some());
    the_refactor_rewrites_fibonacci(&ws, python.is_some());
    force_error_changes_nothing(&ws);
    long_run_takes_its_time(&ws);
}

/// The initial job (L01, L02) creates the three files; returns the app's output when a
/// python3 is there to run it.
fn initial_job_creates_three_files(ws: &Workspace) -> Option<String> {
    ws.request(
        "job-1",
        "initial_project",
        "Create a Python CLI that prints Fibonacci numbers",
    );
    let run = ws.run(&[]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let r = ws.result();
    assert_eq!(r.status, WorkerStatus::Success);
    assert_eq!(r.job_id.as_deref(), Some("job-1"));
    assert_eq!(
        r.created_files,
        ["README.md", "app.py", "tests/test_cli.py"]
    );
    assert!(r.modified_files.is_empty() && r.errors.is_empty(), "{r:?}");
    assert!(
        r.timestamp.ends_with('Z') && r.timestamp.contains('T'),
        "{}",
        r.timestamp
    );
    assert!(!r.summary.is_empty());
    assert_standard_logs(&r, "initial_project", "builtin");
    let python = python3(ws.path(), &["app.py"]);
    if let Some(out) = &python {
        assert_eq!(out, FIRST_TEN);
        python3(ws.path(), &["tests/test_cli.py"]);
    }
    python
}

/// A generic edit (L05) appends a comment line to app.py; "15" switches the output to 15
/// numbers.
fn edits_change_app_py(ws: &Workspace, python: bool) {
    ws.request("job-2", "edit", "Add a short usage note for new users");
    let run = ws.run(&[]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let r = ws.result();
    assert_eq!(r.job_id.as_deref(), Some("job-2"));
    assert!(r.created_files.is_empty(), "{r:?}");
    assert_eq!(r.modified_files, ["app.py"]);
    assert_standard_logs(&r, "edit", "builtin");
    assert!(ws
        .read("app.py")
        .ends_with("# Change requested: Add a short usage note for new users\n"));

    // "15" switches the output to 15 numbers.
    ws.request("job-3", "edit", "Print the first 15 numbers instead");
    assert_eq!(ws.run(&[]).code, Some(0));
    assert_eq!(ws.result().modified_files, ["app.py"]);
    if python {
        assert_eq!(python3(ws.path(), &["app.py"]).unwrap(), FIRST_FIFTEEN);
    }
}

/// The refactor (L06) rewrites fibonacci (iterative, guarded, docstring) and its tests.
fn the_refactor_rewrites_fibonacci(ws: &Workspace, python: bool) {
    ws.request(
        "job-4",
        "edit",
        "Refactor fibonacci to be iterative with an input guard and a docstring note",
    );
    assert_eq!(ws.run(&[]).code, Some(0));
    let r = ws.result();
    assert_eq!(r.modified_files, ["app.py", "tests/test_cli.py"]);
    let app = ws.read("app.py");
    assert!(
        app.contains("Refactored: iterative implementation"),
        "{app}"
    );
    assert!(app.contains("raise ValueError"), "{app}");
    assert!(
        app.contains("# Change requested: Add a short usage note"),
        "{app}"
    );
    if python {
        assert_eq!(python3(ws.path(), &["app.py"]).unwrap(), FIRST_FIFTEEN);
        python3(ws.path(), &["tests/test_cli.py"]);
        let guard = "import app\nfor bad in (-1, 2.5, '3'):\n    try:\n        \
                     app.fibonacci(bad)\n        print('accepted', bad)\n    \
                     except ValueError:\n        print('ValueError')";
        assert_eq!(
            python3(ws.path(), &["-c", guard]).unwrap(),
            "ValueError\nValueError\nValueError"
        );
    }
}

/// force_error (L07) is an error result and changes nothing.
fn force_error_changes_nothing(ws: &Workspace) {
    let before: Vec<_> = ws
        .all_files()
        .into_iter()
        .filter(|p| !p.starts_with(".codex"))
        .map(|p| (ws.read(p.to_str().unwrap()), p))
        .collect();
    ws.request("job-5", "edit", "force_error please");
    let run = ws.run(&[]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let r = ws.result();
    assert_eq!(r.status, WorkerStatus::Error);
    assert_eq!(r.job_id.as_deref(), Some("job-5"));
    assert!(
        r.errors.contains(&"forced_error".to_owned()),
        "{:?}",
        r.errors
    );
    assert!(r.created_files.is_empty() && r.modified_files.is_empty());
    assert_standard_logs(&r, "edit", "builtin");
    let after: Vec<_> = ws
        .all_files()
        .into_iter()
        .filter(|p| !p.starts_with(".codex"))
        .map(|p| (ws.read(p.to_str().unwrap()), p))
        .collect();
    assert_eq!(before, after, "force_error changed the workspace");
}

/// long_run (L08) with sleep_seconds=1 takes at least one second and then succeeds; no
/// output holds the planted key.
fn long_run_takes_its_time(ws: &Workspace) {
    ws.request(
        "job-6",
        "edit",
        "long_run sleep_seconds=1 add a progress note",
    );
    let run = ws.run(&[]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(
        run.elapsed >= Duration::from_secs(1),
        "took {:?}",
        run.elapsed
    );
    let r = ws.result();
    assert!(r.is_success());
    assert_eq!(r.job_id.as_deref(), Some("job-6"));
    assert!(
        r.logs.contains(&"min_duration_seconds=1".to_owned()),
        "{:?}",
        r.logs
    );
    assert_standard_logs(&r, "edit", "builtin");

    ws.assert_no_planted_key();
    assert!(
        !run.stdout.contains(crate::workspace::PLANTED_KEY)
            && !run.stderr.contains(crate::workspace::PLANTED_KEY)
    );
}

#[test]
fn an_edit_without_app_py_creates_a_working_one() {
    let ws = Workspace::new();
    ws.request("job-e", "edit", "print 15 numbers");
    assert_eq!(ws.run(&[]).code, Some(0));
    if let Some(out) = python3(ws.path(), &["app.py"]) {
        assert_eq!(out, FIRST_FIFTEEN);
    }
}

#[test]
fn sleep_seconds_env_applies_to_every_job() {
    let ws = Workspace::new();
    ws.request("job-s", "initial_project", "a CLI");
    let run = ws.run(&[("SLEEP_SECONDS", "0.5")]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(
        run.elapsed >= Duration::from_millis(500),
        "took {:?}",
        run.elapsed
    );
    assert!(ws.result().is_success());
}

#[test]
fn a_secret_in_the_instruction_is_redacted_everywhere() {
    let ws = Workspace::new();
    let instruction = format!("Create a CLI; the key is {}", crate::workspace::PLANTED_KEY);
    ws.request("job-r", "initial_project", &instruction);
    assert_eq!(ws.run(&[]).code, Some(0));
    ws.request("job-r2", "edit", &instruction);
    assert_eq!(ws.run(&[]).code, Some(0));
    assert!(ws.read("README.md").contains("the key is [REDACTED]"));
    assert!(ws.read("app.py").contains("the key is [REDACTED]"));
    // request.json is the backend's file and holds the instruction verbatim; everything the
    // worker wrote must not.
    std::fs::remove_file(ws.path().join(codex_contract::REQUEST_FILE)).unwrap();
    ws.assert_no_planted_key();
}
