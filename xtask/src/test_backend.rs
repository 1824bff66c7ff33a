//! Our backend as the suite sees it: started as the local stack in mocked mode, probed and
//! checked against its own `/openapi.json` by the suite's library.

use codex_contract::{Mode, Status, WorkerResult};
use codex_live_suite::Events;
use codex_live_suite::ProcessStack;
use codex_live_suite::Secrets;
use codex_live_suite::SuiteConfig;
use codex_live_suite::{Stack, StackOptions, StackOwner};
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
        health_timeout: codex_live_suite::HEALTH_TIMEOUT,
    };
    crate::stacks::local::start(&opts).expect("starting our backend")
}

fn result(job_id: Option<&str>) -> WorkerResult {
    serde_json::from_value(serde_json::json!({"status": "success", "job_id": job_id})).unwrap()
}

#[test]
fn our_backend_has_healthz_and_is_asynchronous_with_job_ids() {
    let ours = ours();
    let p = codex_live_suite::testing::target_profile(
        &ours.base_url(),
        Status::Queued,
        &result(Some("j1")),
    );
    for (key, want) in [
        ("healthz", serde_json::json!("present")),
        ("openapi", "present".into()),
        ("post_projects_without_slash", "answers".into()),
        // Our backend routes both forms: `{}` was refused (422), so nothing was created.
        ("post_projects_without_slash_status", 422.into()),
        ("jobs", "asynchronous".into()),
        ("result_job_id", "present".into()),
    ] {
        assert_eq!(p[key], want, "{key}: {p}");
    }
    let description = p["description"].as_str().unwrap();
    assert!(
        description.contains("jobs asynchronous, result.json with job_id"),
        "{description}"
    );
}

/// Our backend's `/openapi.json` (3.0.3, `nullable`) describes its answers exactly.
#[test]
fn our_backends_answers_conform_to_its_openapi_3_0_document() {
    let ours = ours();
    let found = codex_live_suite::testing::conformance_findings(&ours.base_url())
        .expect("our backend serves /openapi.json");
    assert!(found.is_empty(), "{found:#?}");
}
