//! The backend for the unit tests of the modules that talk to one: the test double of the
//! original (`codex_test_support::fake_backend`, shared with the integration tests).

use crate::testing::JOB_DEADLINE;
use codex_test_support::fake_backend;

pub(crate) use fake_backend::{Config as FakeConfig, Fake};

/// The test double of the original, on a free port.
pub(crate) fn fake(config: FakeConfig) -> Fake {
    fake_backend::start(config)
}

/// The double is only useful while it behaves like the original (CONTRACT.md "How the
/// original differs"): these pin the behaviours the suite must cope with.
mod tests {
    use super::*;
    use crate::target::client::{ApiPath, Client};
    use serde_json::{json, Value};

    fn result_of(c: &Client, pid: &str) -> String {
        let r = c.get(&ApiPath::file(pid, ".codex/result.json")).unwrap();
        r.json::<Value>().unwrap()["contents"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn create(c: &Client, instruction: &str) -> Value {
        let r = c
            .post_with(
                &ApiPath::projects(),
                &json!({ "instruction": instruction }),
                JOB_DEADLINE,
            )
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        r.json().unwrap()
    }

    fn edit(c: &Client, pid: &str, instruction: &str) -> Value {
        let body = json!({"job_type": "edit", "instruction": instruction});
        c.post_with(&ApiPath::jobs(pid), &body, JOB_DEADLINE)
            .unwrap()
            .json()
            .unwrap()
    }

    fn client(f: &Fake) -> Client {
        Client::new(&f.url, Default::default()).unwrap()
    }

    #[test]
    fn mocked_every_job_writes_the_same_fixed_result_byte_for_byte() {
        let f = fake(FakeConfig {
            mocked: true,
            ..Default::default()
        });
        let c = client(&f);
        let p = create(&c, "create a CLI");
        let pid = p["id"].as_str().unwrap();
        // Synchronous: the POST answers with the final status.
        assert_eq!(p["status"], "completed");
        assert_eq!(result_of(&c, pid), fake_backend::DUMMY_RESULT);
        let app = c.get(&ApiPath::file(pid, "app.py")).unwrap().body;
        assert_eq!(edit(&c, pid, "add a flag")["status"], "completed");
        assert_eq!(result_of(&c, pid), fake_backend::DUMMY_RESULT);
        assert_eq!(c.get(&ApiPath::file(pid, "app.py")).unwrap().body, app);
    }

    #[test]
    fn live_force_error_completes_and_a_crash_keeps_the_previous_result() {
        let f = fake(FakeConfig {
            edit_error_keeps_result: true,
            ..Default::default()
        });
        let c = client(&f);
        let p = create(&c, "force_error please");
        let pid = p["id"].as_str().unwrap().to_owned();
        // The job status ignores the result.
        assert_eq!(p["status"], "completed");
        let r: Value = serde_json::from_str(&result_of(&c, &pid)).unwrap();
        assert_eq!(
            (r["status"].clone(), r["errors"].clone()),
            (json!("error"), json!(["forced_error"]))
        );
        assert!(r.get("job_id").is_none());
        // Timestamps without a zone.
        let created = p["created_at"].as_str().unwrap();
        assert!(
            !created.ends_with('Z') && !created.contains('+'),
            "{created}"
        );
        // A crashed worker: the job ends error, result.json stays as it was.
        let before = result_of(&c, &pid);
        assert_eq!(edit(&c, &pid, "add a flag")["status"], "error");
        assert_eq!(result_of(&c, &pid), before);
        // Two live results differ (timestamp), even for the same instruction.
        let a = create(&c, "create a CLI");
        let b = create(&c, "create a CLI");
        assert_ne!(
            result_of(&c, a["id"].as_str().unwrap()),
            result_of(&c, b["id"].as_str().unwrap())
        );
    }
}
