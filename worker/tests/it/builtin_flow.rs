//! The built-in engine end to end, through the real binary, in the order the plan's live
//! ladder drives it: initial (L02) → edit (L03) → refactor (L04) → force_error (L05) →
//! long_run (L07).

use crate::workspace::{assert_standard_logs, python3, Workspace};
use codex_contract::WorkerStatus;
use std::time::Duration;

const FIRST_TEN: &str = "0,1,1,2,3,5,8,13,21,34";
const FIRST_FIFTEEN: &str = "0,1,1,2,3,5,8,13,21,34,55,89,144,233,377";

#[test]
fn initial_edit_refactor_force_error_long_run() {
    let ws = Workspace::new();

    // L02: the initial job creates the three files.
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

    // L03: a generic edit appends a comment line to app.py.
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
    if python.is_some() {
        assert_eq!(python3(ws.path(), &["app.py"]).unwrap(), FIRST_FIFTEEN);
    }

    // L04: the refactor rewrites fibonacci (iterative, guarded, docstring) and its tests.
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
    if python.is_some() {
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

    // L05: force_error is an error result and changes nothing.
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

    // L07: long_run with sleep_seconds=1 takes at least one second and then succeeds.
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
