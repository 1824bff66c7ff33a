//! Helpers for tests that talk to a real backend, here and in a repository's own tests
//! (feature `test-support`).

use crate::client::{ApiPath, Client, Reply};
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
            .post(
                &ApiPath::projects(),
                &json!({"instruction": "create a CLI"}),
            )
            .unwrap(),
    );
    let pid = created.json::<Value>().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let detail_path = ApiPath::project(&pid);
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
    let mut get = |path: ApiPath| {
        let reply = client.get(&path).unwrap();
        note("GET", format!("/api/v1{}", path.as_str()), reply)
    };
    get(detail_path.clone());
    get(ApiPath::files(&pid));
    get(ApiPath::file(&pid, ".codex/result.json"));
    let jobs = ApiPath::jobs(&pid);
    let job = note(
        "POST",
        format!("/api/v1{}", jobs.as_str()),
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
    let mut get = |path: ApiPath| {
        let reply = client.get(&path).unwrap();
        note("GET", format!("/api/v1{}", path.as_str()), reply)
    };
    get(ApiPath::job(&pid, &jid));
    // Errors: an unknown project, a missing file, a too short instruction.
    let r = get(ApiPath::project("00000000-0000-4000-8000-999999999999"));
    assert_eq!(r.status, 404);
    let r = get(ApiPath::file(&pid, "nope.txt"));
    assert_eq!(r.status, 404);
    let r = note(
        "POST",
        "/api/v1/projects/".into(),
        client
            .post(&ApiPath::projects(), &json!({"instruction": "x"}))
            .unwrap(),
    );
    assert_eq!(r.status, 422);
    out
}
