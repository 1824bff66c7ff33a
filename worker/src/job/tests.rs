use super::*;
use codex_contract::REQUEST_FILE;
use serde_json::json;
use std::collections::HashMap;
use std::fs;
use std::time::Duration;

const KEY: &str = "sk-unit-planted-key";

struct Ws {
    dir: tempfile::TempDir,
}

impl Ws {
    fn new() -> Ws {
        Ws {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn request(&self, job_type: &str, instruction: &str) {
        fs::create_dir_all(self.dir.path().join(".codex")).unwrap();
        let body = json!({"project_id": "p", "job_id": "job-1", "job_type": job_type,
                          "instruction": instruction});
        fs::write(self.dir.path().join(REQUEST_FILE), body.to_string()).unwrap();
    }

    fn run(&self, extra: &[(&str, &str)]) -> (Exit, Option<WorkerResult>) {
        let mut env: HashMap<String, String> = HashMap::from([
            (
                "WORKSPACE_DIR".into(),
                self.dir.path().display().to_string(),
            ),
            ("OPENAI_API_KEY".into(), KEY.into()),
        ]);
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let exit = run(|name| env.get(name).cloned());
        let result = fs::read(self.dir.path().join(RESULT_FILE))
            .ok()
            .map(|b| serde_json::from_slice(&b).unwrap());
        (exit, result)
    }
}

fn assert_standard_logs(r: &WorkerResult, job_type: &str, engine: &str) {
    assert_eq!(
        &r.logs[..5],
        [
            "OPENAI_API_KEY=present".to_owned(),
            "OPENAI_ORG_ID=absent".into(),
            "OPENAI_PROJECT=absent".into(),
            format!("job_type={job_type}"),
            format!("engine={engine}"),
        ]
    );
    assert!(!serde_json::to_string(r).unwrap().contains(KEY));
}

#[test]
fn initial_job_succeeds_with_snapshot_lists() {
    let ws = Ws::new();
    ws.request("initial_project", "a fibonacci CLI");
    let (exit, r) = ws.run(&[]);
    let r = r.unwrap();
    assert_eq!(exit, Exit::Success);
    assert!(r.is_success(), "{r:?}");
    assert_eq!(
        r.created_files,
        ["README.md", "app.py", "tests/test_cli.py"]
    );
    assert!(r.modified_files.is_empty() && r.errors.is_empty());
    assert_eq!(r.job_id.as_deref(), Some("job-1"));
    assert!(r.timestamp.ends_with('Z'));
    assert_standard_logs(&r, "initial_project", "builtin");
}

#[test]
fn force_error_leaves_the_workspace_untouched() {
    let ws = Ws::new();
    ws.request("initial_project", "please FORCE_ERROR now");
    let (exit, r) = ws.run(&[]);
    let r = r.unwrap();
    assert_eq!(exit, Exit::JobFailed);
    assert_eq!(r.status, WorkerStatus::Error);
    assert_eq!(r.errors, [FORCED_ERROR]);
    assert!(r.created_files.is_empty());
    assert!(!ws.dir.path().join("app.py").exists());
    assert_standard_logs(&r, "initial_project", "builtin");
}

#[test]
fn invalid_configuration_is_a_structured_bad_input() {
    let ws = Ws::new();
    ws.request("edit", "x");
    let (exit, r) = ws.run(&[("SLEEP_SECONDS", "soon")]);
    let r = r.unwrap();
    assert_eq!(exit, Exit::BadInput);
    assert!(r.errors[0].starts_with("invalid_config:") && r.errors[0].contains("SLEEP_SECONDS"));
    assert_eq!(r.job_id.as_deref(), Some("job-1"));
    assert_standard_logs(&r, "edit", "builtin");
}

#[test]
fn unknown_job_type_keeps_the_job_id_and_changes_nothing() {
    let ws = Ws::new();
    ws.request("delete_everything", "x");
    let (exit, r) = ws.run(&[("CODEX_AGENT_CMD", "touch should-not-exist")]);
    let r = r.unwrap();
    assert_eq!(exit, Exit::BadInput);
    assert_eq!(r.job_id.as_deref(), Some("job-1"));
    assert!(
        r.errors[0].starts_with("invalid_request:"),
        "{:?}",
        r.errors
    );
    assert!(!ws.dir.path().join("should-not-exist").exists());
    assert_standard_logs(&r, "unknown", "agent");
}

#[test]
fn missing_request_is_a_structured_error() {
    let ws = Ws::new();
    let (exit, r) = ws.run(&[]);
    let r = r.unwrap();
    assert_eq!(exit, Exit::BadInput);
    assert!(
        r.errors[0].contains("request.json is missing"),
        "{:?}",
        r.errors
    );
    assert_eq!(r.job_id, None);
}

#[test]
fn an_unusable_workspace_writes_nothing() {
    let ws = Ws::new();
    fs::write(ws.dir.path().join(".codex"), "a file, not a dir").unwrap();
    let (exit, _) = ws.run(&[]);
    assert_eq!(exit, Exit::ResultUnwritable);
    assert_eq!(
        fs::read_to_string(ws.dir.path().join(".codex")).unwrap(),
        "a file, not a dir"
    );
}

#[test]
fn sleep_seconds_makes_the_job_take_at_least_that_long() {
    let ws = Ws::new();
    ws.request("edit", "add a flag");
    let started = Instant::now();
    let (exit, r) = ws.run(&[("SLEEP_SECONDS", "0.3")]);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(exit, Exit::Success);
    let r = r.unwrap();
    assert!(
        r.logs.contains(&"min_duration_seconds=0.3".to_owned()),
        "{:?}",
        r.logs
    );
    // Edit without app.py: the fallback creates it.
    assert_eq!(r.created_files, ["app.py"]);
}

#[test]
fn a_failing_agent_reports_partial_changes_from_the_snapshot() {
    let ws = Ws::new();
    fs::write(ws.dir.path().join("keep.txt"), "v1").unwrap();
    fs::write(ws.dir.path().join("old.txt"), "bye").unwrap();
    ws.request("edit", "x");
    let cmd = "echo v2 > keep.txt; echo n > new.txt; rm old.txt; exit 3";
    let (exit, r) = ws.run(&[("CODEX_AGENT_CMD", cmd)]);
    let r = r.unwrap();
    assert_eq!(exit, Exit::JobFailed);
    assert!(r.errors[0].contains("exit"), "{:?}", r.errors);
    assert_eq!(r.created_files, ["new.txt"]);
    assert_eq!(r.modified_files, ["keep.txt"]);
    assert!(
        r.logs.contains(&"deleted_files=old.txt".to_owned()),
        "{:?}",
        r.logs
    );
    assert!(
        r.logs.contains(&"agent_exit_code=3".to_owned()),
        "{:?}",
        r.logs
    );
    assert_standard_logs(&r, "edit", "agent");
}
