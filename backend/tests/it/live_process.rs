//! Live mode with the process runner (`USE_DUMMY_WORKER=False`, `WORKER_RUNNER=process`):
//! the real `codex-worker` binary for initial, edit and force_error jobs (the L02–L07 path
//! without Docker), FIFO order per project, the global concurrency limit, and workers that
//! misbehave (timeout, no result, a stale result, a missing binary).

use crate::server::{script, worker_bin, Opts, Server};
use serde_json::Value;

const FAKE_KEY: &str = "sk-test-value-that-must-never-leak-0123456789";

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Every file under `dir`, as lossy text.
fn all_text(dir: &std::path::Path) -> String {
    let mut out = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                out.push_str(&String::from_utf8_lossy(&b));
            }
        }
    }
    out
}

#[test]
fn initial_edit_and_force_error_with_the_real_worker() {
    let s = Server::start(Opts::process(&worker_bin()).env("OPENAI_API_KEY", FAKE_KEY));
    assert_eq!(s.get("/healthz").json()["mode"], "live");

    // L02: initial project.
    let pid = s.create_project("Create a Python CLI that prints Fibonacci numbers");
    let j1 = s.initial_job(&pid);
    let job = s.wait_job(&pid, &j1);
    assert_eq!(job["status"], "completed", "{job}");
    assert!(
        job["logs_path"]
            .as_str()
            .unwrap()
            .ends_with(".codex/worker.log"),
        "{job}"
    );
    let result = s.read_result(&pid);
    assert_eq!(result["job_id"], j1.as_str());
    let created = strings(&result["created_files"]);
    for f in ["README.md", "app.py", "tests/test_cli.py"] {
        assert!(created.iter().any(|c| c == f), "{f} not in {created:?}");
    }
    let logs = strings(&result["logs"]);
    // Passed through by name: present, never the value.
    for want in [
        "OPENAI_API_KEY=present",
        "OPENAI_ORG_ID=absent",
        "OPENAI_PROJECT=absent",
    ] {
        assert!(logs.iter().any(|l| l == want), "{want} not in {logs:?}");
    }
    let project = s.get(&format!("/api/v1/projects/{pid}")).json();
    assert_eq!(project["status"], "completed");
    assert_eq!(project["summary"], result["summary"]);

    // L05: edit.
    let j2 = s.create_job(&pid, "edit", "Add a comment describing the CLI usage");
    let job = s.wait_job(&pid, &j2);
    assert_eq!(job["status"], "completed", "{job}");
    let result = s.read_result(&pid);
    assert_eq!(result["job_id"], j2.as_str());
    assert!(
        strings(&result["modified_files"]).contains(&"app.py".to_string()),
        "{result}"
    );
    let ws = s.workspace(&pid);
    assert!(ws.join(format!(".codex/history/{j1}/result.json")).exists());
    assert!(ws.join(format!(".codex/history/{j1}/worker.log")).exists());

    // L07: force_error → error with the worker's reason, API stays up.
    let j3 = s.create_job(&pid, "edit", "please force_error now");
    let job = s.wait_job(&pid, &j3);
    assert_eq!(job["status"], "error", "{job}");
    assert!(
        job["error"].as_str().unwrap().contains("forced_error"),
        "{job}"
    );
    let result = s.read_result(&pid);
    assert!(strings(&result["errors"]).contains(&"forced_error".to_string()));
    let project = s.get(&format!("/api/v1/projects/{pid}")).json();
    assert_eq!(project["status"], "error");
    assert_eq!(s.get("/healthz").status, 200);

    // The secret's value is nowhere: not in the backend log, the workspace or the API.
    assert!(!s.logs().join("\n").contains(FAKE_KEY));
    assert!(!all_text(&ws).contains(FAKE_KEY));
    assert!(!project.to_string().contains(FAKE_KEY));
}

/// Two edits posted back to back run in submission order, each on the other's output.
#[test]
fn back_to_back_edits_complete_in_order() {
    // SLEEP_SECONDS (passed through) keeps the first edit running while the second is posted.
    let s = Server::start(Opts::process(&worker_bin()).env("SLEEP_SECONDS", "1"));
    let pid = s.create_project("Create a Python CLI that prints Fibonacci numbers");
    let j0 = s.initial_job(&pid);
    assert_eq!(s.wait_job(&pid, &j0)["status"], "completed");

    let e1 = s.create_job(&pid, "edit", "Add a comment: first change ALPHA");
    let e2 = s.create_job(&pid, "edit", "Add a comment: second change OMEGA");
    // While e1 runs, e2 waits.
    let second = s.get(&format!("/api/v1/{pid}/jobs/{e2}")).json();
    assert_eq!(second["status"], "queued", "{second}");

    let d2 = s.wait_job(&pid, &e2);
    let d1 = s.wait_job(&pid, &e1);
    assert_eq!(
        (d1["status"].as_str(), d2["status"].as_str()),
        (Some("completed"), Some("completed"))
    );

    let ws = s.workspace(&pid);
    let r1: Value = serde_json::from_slice(
        &std::fs::read(ws.join(format!(".codex/history/{e1}/result.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(r1["job_id"], e1.as_str());
    assert_eq!(s.read_result(&pid)["job_id"], e2.as_str());
    let req: Value =
        serde_json::from_slice(&std::fs::read(ws.join(".codex/request.json")).unwrap()).unwrap();
    assert_eq!(req["job_id"], e2.as_str());

    let app = s.get(&format!("/api/v1/{pid}/files/app.py")).json();
    let app = app["contents"].as_str().unwrap();
    let (a, o) = (app.find("ALPHA"), app.find("OMEGA"));
    assert!(
        a.is_some() && o.is_some() && a < o,
        "edits applied out of order:\n{app}"
    );

    let project = s.get(&format!("/api/v1/projects/{pid}")).json();
    assert_eq!(project["status"], "completed");
    let ids: Vec<String> = project["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, [j0, e1, e2]);
}

/// `MAX_CONCURRENT_JOBS=1`: a second project's job waits while the first runs.
#[test]
fn the_global_limit_holds_other_projects_back() {
    let dir = tempfile::tempdir().unwrap();
    let slow = script(
        dir.path(),
        "slow-worker",
        &format!("sleep 1\nexec {}", worker_bin().display()),
    );
    let s = Server::start(Opts::process(&slow).env("MAX_CONCURRENT_JOBS", "1"));
    let p1 = s.create_project("first project");
    let j1 = s.initial_job(&p1);
    s.wait_status(&p1, &j1, "in_progress");
    let p2 = s.create_project("second project");
    let j2 = s.initial_job(&p2);
    let mut observed = false;
    loop {
        // Read p2 first: if p1 is still in_progress afterwards, it was when p2 was read.
        let second = s.get(&format!("/api/v1/{p2}/jobs/{j2}")).json();
        let first = s.get(&format!("/api/v1/{p1}/jobs/{j1}")).json();
        if first["status"] != "in_progress" {
            break;
        }
        assert_eq!(
            second["status"], "queued",
            "ran beside another job with MAX_CONCURRENT_JOBS=1"
        );
        observed = true;
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(observed, "never saw the first job in progress");
    assert_eq!(s.wait_job(&p1, &j1)["status"], "completed");
    assert_eq!(s.wait_job(&p2, &j2)["status"], "completed");
}

#[test]
fn misbehaving_workers_end_in_error_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // A worker exceeding WORKER_TIMEOUT_SECONDS is killed (L08's failure mode).
        ("sleeper", "exec sleep 30", "WORKER_TIMEOUT_SECONDS=1"),
        (
            "silent",
            "echo working; exit 0",
            "without writing .codex/result.json",
        ),
        (
            "stale",
            r#"echo '{"status":"success","job_id":"some-older-job"}' > "$WORKSPACE_DIR/.codex/result.json""#,
            "belongs to job some-older-job",
        ),
        (
            "garbage",
            r#"echo 'not json' > "$WORKSPACE_DIR/.codex/result.json""#,
            "not a valid worker result",
        ),
    ];
    for (name, body, want) in cases {
        let bin = script(dir.path(), name, body);
        let s = Server::start(Opts::process(&bin).env("WORKER_TIMEOUT_SECONDS", "1"));
        let pid = s.create_project("make a cli");
        let job = s.wait_job(&pid, &s.initial_job(&pid));
        assert_eq!(job["status"], "error", "{name}: {job}");
        let reason = job["error"].as_str().unwrap_or_default();
        assert!(reason.contains(want), "{name}: {reason}");
        let project = s.get(&format!("/api/v1/projects/{pid}")).json();
        assert_eq!(project["status"], "error", "{name}");
        assert!(
            project["summary"].as_str().is_some(),
            "{name}: reason on the project"
        );
    }

    let s = Server::start(Opts::process(&dir.path().join("no-such-worker")));
    let pid = s.create_project("make a cli");
    let job = s.wait_job(&pid, &s.initial_job(&pid));
    assert_eq!(job["status"], "error");
    assert!(
        job["error"].as_str().unwrap().contains("WORKER_BIN"),
        "{job}"
    );
}
