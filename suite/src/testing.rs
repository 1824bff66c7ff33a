//! Helpers for tests that talk to a real backend, here and in a repository's own tests
//! (feature `test-support`).

use crate::client::{Client, Reply};
use serde_json::{json, Value};
use std::time::Duration;

/// A create, its detail (polled until final), files, a file, a job, errors: what the
/// suite's ladder receives.
pub fn exchanges(client: &Client) -> Vec<(&'static str, String, String, u16)> {
    let mut out = Vec::new();
    let mut note = |method, path: String, r: Reply| {
        out.push((method, path, r.body.clone(), r.status));
        r
    };
    let created = note(
        "POST",
        "/api/v1/projects/".into(),
        client
            .post("/projects/", &json!({"instruction": "create a CLI"}))
            .unwrap(),
    );
    let pid = created.json::<Value>().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let detail_path = format!("/projects/{pid}");
    crate::poll::until(
        "the project's first job",
        Duration::from_secs(30),
        &crate::events::Events::silent(),
        || {
            let r = client.get(&detail_path)?;
            let v: Value = r.json()?;
            Ok(
                if matches!(v["status"].as_str(), Some("completed" | "error")) {
                    crate::poll::Step::Done(Ok(()))
                } else {
                    crate::poll::Step::Wait(format!("project {}", v["status"]))
                },
            )
        },
    )
    .unwrap();
    note(
        "GET",
        format!("/api/v1{detail_path}"),
        client.get(&detail_path).unwrap(),
    );
    let files = format!("/{pid}/files");
    note(
        "GET",
        format!("/api/v1{files}"),
        client.get(&files).unwrap(),
    );
    let file = crate::client::file_path(&pid, ".codex/result.json");
    note("GET", format!("/api/v1{file}"), client.get(&file).unwrap());
    let jobs = format!("/{pid}/jobs");
    let job = note(
        "POST",
        format!("/api/v1{jobs}"),
        client
            .post(
                &jobs,
                &json!({"job_type": "edit", "instruction": "add a flag"}),
            )
            .unwrap(),
    );
    let jid = job.json::<Value>().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let job_path = format!("/{pid}/jobs/{jid}");
    note(
        "GET",
        format!("/api/v1{job_path}"),
        client.get(&job_path).unwrap(),
    );
    // Errors: an unknown project, a missing file, a too short instruction.
    let missing = "/projects/00000000-0000-4000-8000-999999999999".to_owned();
    let r = note(
        "GET",
        format!("/api/v1{missing}"),
        client.get(&missing).unwrap(),
    );
    assert_eq!(r.status, 404);
    let nofile = crate::client::file_path(&pid, "nope.txt");
    let r = note(
        "GET",
        format!("/api/v1{nofile}"),
        client.get(&nofile).unwrap(),
    );
    assert_eq!(r.status, 404);
    let r = note(
        "POST",
        "/api/v1/projects/".into(),
        client
            .post("/projects/", &json!({"instruction": "x"}))
            .unwrap(),
    );
    assert_eq!(r.status, 422);
    out
}
