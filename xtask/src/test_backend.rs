//! Our backend as the suite sees it: started as the local stack in mocked mode, probed and
//! checked against its own `/openapi.json` by the suite's library.

use codex_contract::{Mode, Status, WorkerResult};
use codex_live_suite::model::events::Events;
use codex_live_suite::model::secrets::Secrets;
use codex_live_suite::stack::process::ProcessStack;
use codex_live_suite::stack::suite_config::SuiteConfig;
use codex_live_suite::stack::{Stack, StackOptions, StackOwner};
use codex_live_suite::target::client::Client;
use codex_live_suite::target::conformance::Conformance;
use codex_live_suite::target::target_profile::{JobStyle, NoSlashPost, Presence, TargetProfile};
use std::sync::Arc;

/// Our backend in mocked mode (process runner, temporary data), healthy; stopped on drop.
fn ours() -> ProcessStack {
    let opts = StackOptions {
        mode: Mode::Mocked,
        keep_up: false,
        secrets: Secrets::default(),
        owner: StackOwner::Run {
            run_id: format!("unit-{}", std::process::id()),
        },
        events: Arc::new(Events::silent()),
        config: Arc::new(SuiteConfig::defaults(&crate::project_root())),
        publish_address: None,
        images: None,
        evidence: None,
        health_timeout: codex_live_suite::target::health::wait::HEALTH_TIMEOUT,
    };
    crate::stacks::local::start(&opts).expect("starting our backend")
}

fn client(url: &str) -> Client {
    Client::new(url, Default::default()).unwrap()
}

fn result(job_id: Option<&str>) -> WorkerResult {
    serde_json::from_value(serde_json::json!({"status": "success", "job_id": job_id})).unwrap()
}

#[test]
fn our_backend_has_healthz_and_is_asynchronous_with_job_ids() {
    let ours = ours();
    let c = client(&ours.base_url());
    let mut p = TargetProfile::probe(&c).unwrap();
    assert_eq!(p.healthz, Presence::Present);
    assert_eq!(p.openapi, Presence::Present);
    assert_eq!(
        p.post_projects_without_slash,
        NoSlashPost::Answers,
        "{}",
        p.describe()
    );
    // Our backend routes both forms: `{}` was refused (422), so nothing was created.
    assert_eq!(p.post_projects_without_slash_status, 422);
    p.learn_from_create(Status::Queued, &result(Some("j1")));
    assert_eq!(p.jobs, Some(JobStyle::Asynchronous));
    assert_eq!(p.result_job_id, Some(Presence::Present));
    assert!(p
        .describe()
        .contains("jobs asynchronous, result.json with job_id"));
}

/// Our backend's `/openapi.json` (3.0.3, `nullable`) describes its answers exactly.
#[test]
fn our_backends_answers_conform_to_its_openapi_3_0_document() {
    let ours = ours();
    let client = Client::new(&ours.base_url(), Default::default()).unwrap();
    let c = Conformance::fetch(&client)
        .unwrap()
        .expect("our backend serves /openapi.json");
    for (method, path, body, status) in codex_live_suite::testing::exchanges(&client) {
        let found = c.check(method, &path, status, &body);
        assert!(found.is_empty(), "{method} {path} {status}: {found:?}");
    }
    let health = client.get_root("/healthz").unwrap();
    assert!(c
        .check("GET", "/healthz", health.status, &health.body)
        .is_empty());
}
