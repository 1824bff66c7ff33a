//! Helpers for tests that talk to a real backend, here and in a repository's own tests
//! (feature `test-support`).

use crate::target::client::{ApiPath, Client, Deadline, Reply};
use crate::target::conformance::Conformance;
use crate::target::target_profile::TargetProfile;
use codex_contract::{Status, WorkerResult};
use serde_json::{json, Value};
use std::time::Duration;

/// How long a test gives a job submission (a synchronous backend answers when the job is
/// over).
pub(crate) const JOB_DEADLINE: Deadline = Deadline::Job(Duration::from_secs(60));

/// One exchange: method, path, body of the answer, status.
pub(crate) type Exchange = (&'static str, String, String, u16);

/// The target.json a run of the backend at `base_url` writes, once its first create was
/// answered `posted` with `result`.
pub fn target_profile(base_url: &str, posted: Status, result: &WorkerResult) -> Value {
    let client = Client::new(base_url, Default::default()).expect("a base URL");
    let mut profile = TargetProfile::probe(&client).expect("probing the target");
    profile.learn_from_create(posted, result);
    profile.to_value()
}

/// Every answer of the backend at `base_url` to [`exchanges`] and to `/healthz` checked
/// against its own `/openapi.json`: one line per mismatch (none: it conforms); `None` when
/// it serves no OpenAPI document.
pub fn conformance_findings(base_url: &str) -> Option<Vec<String>> {
    let client = Client::new(base_url, Default::default()).expect("a base URL");
    let doc = Conformance::fetch(&client).expect("reading /openapi.json")?;
    let mut found = Vec::new();
    for (method, path, body, status) in exchanges(&client) {
        for f in doc.check(method, &path, status, &body) {
            found.push(format!("{method} {path} {status}: {f}"));
        }
    }
    let health = client.get_root("/healthz").expect("GET /healthz");
    for f in doc.check("GET", "/healthz", health.status, &health.body) {
        found.push(format!("GET /healthz {}: {f}", health.status));
    }
    Some(found)
}

/// A create, its detail (polled until final), files, a file, a job, errors: what the
/// suite's ladder receives.
pub(crate) fn exchanges(client: &Client) -> Vec<Exchange> {
    let mut r = Recorder {
        client,
        out: Vec::new(),
    };
    let created = r.post(&ApiPath::projects(), json!({"instruction": "create a CLI"}));
    let pid = id_of(&created);
    let detail_path = ApiPath::project(&pid);
    wait_until_final(client, &detail_path);
    r.get(detail_path);
    r.get(ApiPath::files(&pid));
    r.get(ApiPath::file(&pid, ".codex/result.json"));
    let edit = json!({"job_type": "edit", "instruction": "add a flag"});
    let job = r.post(&ApiPath::jobs(&pid), edit);
    r.get(ApiPath::job(&pid, &id_of(&job)));
    // Errors: an unknown project, a missing file, a too short instruction.
    let unknown = r.get(ApiPath::project("00000000-0000-4000-8000-999999999999"));
    assert_eq!(unknown.status, 404);
    assert_eq!(r.get(ApiPath::file(&pid, "nope.txt")).status, 404);
    let short = r.post(&ApiPath::projects(), json!({"instruction": "x"}));
    assert_eq!(short.status, 422);
    r.out
}

/// Sends requests and keeps each exchange.
struct Recorder<'a> {
    client: &'a Client,
    out: Vec<Exchange>,
}

impl Recorder<'_> {
    fn keep(&mut self, method: &'static str, path: &ApiPath, reply: Reply) -> Reply {
        let full = format!("/api/v1{}", path.as_str());
        self.out
            .push((method, full, reply.body.clone(), reply.status));
        reply
    }

    fn get(&mut self, path: ApiPath) -> Reply {
        let reply = self.client.get(&path).unwrap();
        self.keep("GET", &path, reply)
    }

    fn post(&mut self, path: &ApiPath, body: Value) -> Reply {
        let reply = self.client.post_with(path, &body, JOB_DEADLINE).unwrap();
        self.keep("POST", path, reply)
    }
}

/// The `id` of a created project or job.
fn id_of(reply: &Reply) -> String {
    reply.json::<Value>().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Polls the project's detail until its first job is over.
fn wait_until_final(client: &Client, detail_path: &ApiPath) {
    crate::target::poll::until(
        "the project's first job",
        Duration::from_secs(30),
        &crate::model::events::Events::silent(),
        || {
            let v: Value = client.get(detail_path)?.json()?;
            Ok(
                if matches!(v["status"].as_str(), Some("completed" | "error")) {
                    crate::target::poll::Step::Done(Ok(()))
                } else {
                    crate::target::poll::Step::Wait(format!("project {}", v["status"]))
                },
            )
        },
    )
    .unwrap();
}
