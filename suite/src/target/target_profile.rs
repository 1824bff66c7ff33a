//! The target profile: what the backend under test offers, probed before
//! L01 and completed from L01's first create, written as `target.json` in the run folder and
//! named on the console, in the summary and in JUnit, so a reviewer sees what kind of
//! backend was validated. The original orchestrator's profile is: no `/healthz`,
//! `/openapi.json` present, POST `/projects` redirects (307), jobs synchronous, result.json
//! without `job_id`.

use crate::sys::at_once;
use crate::target::client::{Client, Deadline, Reply};
use anyhow::{Context, Result};
use codex_contract::{Status, WorkerResult, API_V1};
use reqwest::Method;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Presence {
    Present,
    Absent,
}

/// How the backend answers `POST /api/v1/projects` (without the contract's slash).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum NoSlashPost {
    /// 307/308 to another path (the original: FastAPI's slash redirect, at routing).
    Redirects,
    /// Any other answer: the route exists without the slash, or not at all.
    Answers,
}

/// Whether the job-submitting POST answers when the job is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum JobStyle {
    /// The POST answered with a final status (the original).
    Synchronous,
    /// The POST answered `queued`/`in_progress`; the suite polls.
    Asynchronous,
}

/// What the start-up probes read: the profile, and the `/openapi.json` answer.
pub(crate) struct Probed {
    pub profile: TargetProfile,
    pub openapi: Reply,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TargetProfile {
    /// `GET /healthz` answers 200.
    pub healthz: Presence,
    /// `GET /openapi.json` answers 200 with an OpenAPI document.
    pub openapi: Presence,
    /// `POST /api/v1/projects` (no slash), probed with an invalid body so nothing is created.
    pub post_projects_without_slash: NoSlashPost,
    /// The HTTP status of that probe (evidence for the line above).
    pub post_projects_without_slash_status: u16,
    /// Learned from L01's first create (`None` until then).
    pub jobs: Option<JobStyle>,
    /// Whether result.json names the job that wrote it; learned from L01's first create.
    pub result_job_id: Option<Presence>,
}

impl TargetProfile {
    /// Probes what can be seen without creating anything: `/healthz`, `/openapi.json`, and
    /// how a POST without the slash is routed. Every request has the short deadline.
    #[cfg(any(test, feature = "test-support"))]
    pub(crate) fn probe(client: &Client) -> Result<TargetProfile> {
        Ok(TargetProfile::probe_keeping_openapi(client)?.profile)
    }

    /// [`TargetProfile::probe`], its three requests at once, also handing back the
    /// `/openapi.json` answer (the conformance check's document, read once).
    pub(crate) fn probe_keeping_openapi(client: &Client) -> Result<Probed> {
        let healthz = || {
            client
                .get_root("/healthz")
                .context("probing GET /healthz for the target profile")
        };
        let openapi = || {
            client
                .get_root("/openapi.json")
                .context("probing GET /openapi.json for the target profile")
        };
        // `{}` lacks the required `instruction`: a backend that routes the path validates
        // and refuses it (422), one that redirects does so before reading the body.
        let no_slash = || {
            client
                .request_once(
                    Method::POST,
                    &format!("{API_V1}/projects"),
                    Some(&serde_json::json!({})),
                    Deadline::Short,
                )
                .context("probing POST /api/v1/projects (no slash) for the target profile")
        };
        let (healthz, (openapi, no_slash)) =
            at_once::both(healthz, || at_once::both(openapi, no_slash));
        let (healthz, openapi, no_slash) = (healthz?, openapi?, no_slash?);
        let is_openapi = openapi.ok()
            && serde_json::from_str::<serde_json::Value>(&openapi.body)
                .is_ok_and(|d| d.get("openapi").is_some_and(|v| v.is_string()));
        let profile = TargetProfile {
            healthz: presence(healthz.ok()),
            openapi: presence(is_openapi),
            post_projects_without_slash: if matches!(no_slash.status, 301 | 302 | 307 | 308) {
                NoSlashPost::Redirects
            } else {
                NoSlashPost::Answers
            },
            post_projects_without_slash_status: no_slash.status,
            jobs: None,
            result_job_id: None,
        };
        Ok(Probed { profile, openapi })
    }

    /// L01's first create: `posted` is the status the POST answered with, `result` this
    /// job's result.json.
    pub(crate) fn learn_from_create(&mut self, posted: Status, result: &WorkerResult) {
        self.jobs = Some(if posted.is_final() {
            JobStyle::Synchronous
        } else {
            JobStyle::Asynchronous
        });
        self.result_job_id = Some(presence(result.job_id.is_some()));
    }

    /// One line for the console and the summary.
    pub(crate) fn describe(&self) -> String {
        let word = |p: Presence| match p {
            Presence::Present => "present",
            Presence::Absent => "absent",
        };
        let jobs = match self.jobs {
            Some(JobStyle::Synchronous) => "synchronous",
            Some(JobStyle::Asynchronous) => "asynchronous",
            None => "not seen",
        };
        let job_id = match self.result_job_id {
            Some(Presence::Present) => "with job_id",
            Some(Presence::Absent) => "without job_id",
            None => "not seen",
        };
        let post = match self.post_projects_without_slash {
            NoSlashPost::Redirects => "redirects",
            NoSlashPost::Answers => "answers",
        };
        format!(
            "target: /healthz {}, /openapi.json {}, POST /projects {post} ({}), jobs {jobs}, \
             result.json {job_id}",
            word(self.healthz),
            word(self.openapi),
            self.post_projects_without_slash_status,
        )
    }

    /// `target.json`'s contents: the profile and its one-line description.
    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_value()).expect("the profile serializes") + "\n"
    }

    /// The profile with `description` (`describe()`), as the run report carries it.
    pub(crate) fn to_value(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).expect("the profile serializes");
        v["description"] = self.describe().into();
        v
    }
}

fn presence(present: bool) -> Presence {
    if present {
        Presence::Present
    } else {
        Presence::Absent
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_backend;

    fn client(url: &str) -> Client {
        Client::new(url, Default::default()).unwrap()
    }

    fn result(job_id: Option<&str>) -> WorkerResult {
        serde_json::from_value(serde_json::json!({"status": "success", "job_id": job_id})).unwrap()
    }

    #[test]
    fn the_original_like_fake_has_the_original_profile() {
        let fake = test_backend::fake(test_backend::FakeConfig::default());
        let c = client(&fake.url);
        let mut p = TargetProfile::probe(&c).unwrap();
        assert_eq!(p.healthz, Presence::Absent);
        assert_eq!(p.openapi, Presence::Present);
        assert_eq!(p.post_projects_without_slash, NoSlashPost::Redirects);
        assert_eq!(p.post_projects_without_slash_status, 307);
        // The probe created nothing.
        assert_eq!(fake.project_count(), 0);
        // L01: the original answers the create with a final status, without job_id.
        p.learn_from_create(Status::Completed, &result(None));
        assert_eq!(p.jobs, Some(JobStyle::Synchronous));
        assert_eq!(p.result_job_id, Some(Presence::Absent));
        assert_eq!(
            p.describe(),
            "target: /healthz absent, /openapi.json present, POST /projects redirects (307), \
             jobs synchronous, result.json without job_id"
        );
        let back: TargetProfile = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(back, p);
        assert!(
            p.to_json().contains("\"healthz\": \"absent\""),
            "{}",
            p.to_json()
        );
    }

    #[test]
    fn before_l01_the_learned_fields_say_so() {
        let fake = test_backend::fake(test_backend::FakeConfig {
            healthz: true,
            ..Default::default()
        });
        let p = TargetProfile::probe(&client(&fake.url)).unwrap();
        assert_eq!(p.healthz, Presence::Present);
        assert!(p
            .describe()
            .ends_with("jobs not seen, result.json not seen"));
        assert!(p.to_json().contains("\"jobs\": null"));
    }
}
