//! The agent engine through the real binary, with small shell scripts as the agent.

use crate::workspace::{assert_standard_logs, Workspace, PLANTED_KEY};
use codex_contract::WorkerStatus;
use std::fs;

/// Writes an agent script into a directory outside the workspace and returns the command.
fn agent_script(dir: &tempfile::TempDir, body: &str) -> String {
    let path = dir.path().join("agent.sh");
    fs::write(&path, format!("#!/bin/sh\nset -e\n{body}\n")).unwrap();
    format!("sh {}", path.display())
}

#[test]
fn an_agent_that_creates_and_modifies_files_is_reported_from_the_snapshot() {
    let ws = Workspace::new();
    fs::write(ws.path().join("app.py"), "print('v1')\n").unwrap();
    fs::write(ws.path().join("untouched.txt"), "same\n").unwrap();
    let scripts = tempfile::tempdir().unwrap();
    let cmd = agent_script(
        &scripts,
        r#"mkdir -p docs
printf '%s\n' "$CODEX_INSTRUCTION" > docs/notes.md
echo "print('v2')  # job $CODEX_JOB_ID ($CODEX_JOB_TYPE)" > app.py
echo "agent done""#,
    );
    ws.request("job-a1", "edit", "write release notes");
    let run = ws.run(&[("CODEX_AGENT_CMD", &cmd)]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let r = ws.result();
    assert_eq!(r.status, WorkerStatus::Success, "{r:?}");
    assert_eq!(r.created_files, ["docs/notes.md"]);
    assert_eq!(r.modified_files, ["app.py"]);
    assert_standard_logs(&r, "edit", "agent");
    assert!(
        r.logs.contains(&"agent_exit_code=0".to_owned()),
        "{:?}",
        r.logs
    );
    assert_eq!(ws.read("docs/notes.md"), "write release notes\n");
    assert_eq!(ws.read("app.py"), "print('v2')  # job job-a1 (edit)\n");
    assert!(ws.read(".codex/agent.log").contains("agent done\n"));
    ws.assert_no_planted_key();
}

#[test]
fn an_agent_exiting_3_is_an_error_carrying_the_exit_code() {
    let ws = Workspace::new();
    let scripts = tempfile::tempdir().unwrap();
    let cmd = agent_script(&scripts, "echo 'cannot do that' >&2\nexit 3");
    ws.request("job-a2", "edit", "do the impossible");
    let run = ws.run(&[("CODEX_AGENT_CMD", &cmd)]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let r = ws.result();
    assert_eq!(r.status, WorkerStatus::Error);
    assert_eq!(r.job_id.as_deref(), Some("job-a2"));
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert!(
        r.errors[0].starts_with("agent_failed:") && r.errors[0].contains("exited with code 3"),
        "{:?}",
        r.errors
    );
    assert!(
        r.logs.contains(&"agent_exit_code=3".to_owned()),
        "{:?}",
        r.logs
    );
    assert!(r.created_files.is_empty() && r.modified_files.is_empty());
    assert_standard_logs(&r, "edit", "agent");
    assert!(ws.read(".codex/agent.log").contains("cannot do that\n"));
}

#[test]
fn an_agent_printing_the_secret_leaves_only_redacted_output() {
    let ws = Workspace::new();
    let scripts = tempfile::tempdir().unwrap();
    let cmd = agent_script(
        &scripts,
        "echo \"using key $OPENAI_API_KEY\"\necho \"stderr key $OPENAI_API_KEY\" >&2",
    );
    ws.request("job-a3", "edit", "leak it");
    let run = ws.run(&[("CODEX_AGENT_CMD", &cmd)]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let log = ws.read(".codex/agent.log");
    assert!(log.contains("using key [REDACTED]\n"), "{log}");
    assert!(log.contains("stderr key [REDACTED]\n"), "{log}");
    ws.assert_no_planted_key();
    assert!(!run.stdout.contains(PLANTED_KEY) && !run.stderr.contains(PLANTED_KEY));
}

#[test]
fn an_agent_over_its_timeout_is_killed_and_reported() {
    let ws = Workspace::new();
    ws.request("job-a4", "edit", "take forever");
    let run = ws.run(&[
        ("CODEX_AGENT_CMD", "echo begun; sleep 30"),
        ("CODEX_AGENT_TIMEOUT_SECONDS", "0.5"),
    ]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    assert!(
        run.elapsed < std::time::Duration::from_secs(15),
        "took {:?}",
        run.elapsed
    );
    let r = ws.result();
    assert!(r.errors[0].starts_with("agent_timeout:"), "{:?}", r.errors);
    assert!(
        r.logs.contains(&"agent_timed_out=true".to_owned()),
        "{:?}",
        r.logs
    );
}
