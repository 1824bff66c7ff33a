//! The backend in-process: `router(state).oneshot(request)` over a real SQLite file and
//! workspace root in a temporary directory, in mocked mode unless the test says otherwise.

use crate::resp::Resp;
use axum::body::Body;
use axum::http::{Method, Request};
use axum::Router;
use codex_backend::config::Config;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tower::ServiceExt;

pub const JOB_TIMEOUT: Duration = Duration::from_secs(60);

pub struct App {
    router: Router,
    dir: tempfile::TempDir,
}

impl App {
    /// Mocked mode (`USE_DUMMY_WORKER=True`) with the default configuration.
    pub async fn mocked() -> App {
        App::with_env(&[]).await
    }

    /// Mocked mode plus the variables in `env`.
    pub async fn with_env(env: &[(&str, &str)]) -> App {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut vars: HashMap<String, String> = HashMap::from([
            ("USE_DUMMY_WORKER".into(), "True".into()),
            (
                "WORKSPACE_ROOT".into(),
                dir.path().join("workspaces").display().to_string(),
            ),
            (
                "DATABASE_URL".into(),
                format!("sqlite://{}", dir.path().join("codex.db").display()),
            ),
        ]);
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let cfg = Config::from_lookup(|k| vars.get(k).cloned()).expect("test configuration");
        let state = codex_backend::app::state(cfg).await.expect("app state");
        App {
            router: codex_backend::router(state),
            dir,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let (parts, body) = resp.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("response body");
        Resp {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: body.to_vec(),
        }
    }

    /// `method uri` with `body` sent as JSON; the URI goes to the router as written.
    pub async fn request(&self, method: Method, uri: &str, body: Option<&[u8]>) -> Resp {
        let builder = Request::builder().method(method).uri(uri);
        let req = match body {
            Some(b) => builder
                .header("content-type", "application/json")
                .body(Body::from(b.to_vec())),
            None => builder.body(Body::empty()),
        };
        self.send(req.expect("a valid request")).await
    }

    pub async fn get(&self, uri: &str) -> Resp {
        self.request(Method::GET, uri, None).await
    }

    pub async fn post(&self, uri: &str, body: &Value) -> Resp {
        self.request(Method::POST, uri, Some(body.to_string().as_bytes()))
            .await
    }

    /// POST /api/v1/projects/ and the new project's id.
    pub async fn create_project(&self, instruction: &str) -> String {
        let r = self
            .post("/api/v1/projects/", &json!({"instruction": instruction}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["id"].as_str().expect("id").to_string()
    }

    /// POST /api/v1/{pid}/jobs and the new job's id.
    pub async fn create_job(&self, project_id: &str, job_type: &str, instruction: &str) -> String {
        let r = self
            .post(
                &format!("/api/v1/{project_id}/jobs"),
                &json!({"job_type": job_type, "instruction": instruction}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let j = r.json();
        assert_eq!(j["status"], "queued", "{j}");
        j["id"].as_str().expect("id").to_string()
    }

    /// The id of the project's first (initial_project) job.
    pub async fn initial_job(&self, project_id: &str) -> String {
        let p = self
            .get(&format!("/api/v1/projects/{project_id}"))
            .await
            .json();
        p["jobs"][0]["id"].as_str().expect("job id").to_string()
    }

    /// Polls the job (every 10 ms, up to [`JOB_TIMEOUT`]) until it is final.
    pub async fn wait_job(&self, project_id: &str, job_id: &str) -> Value {
        let deadline = Instant::now() + JOB_TIMEOUT;
        loop {
            let r = self
                .get(&format!("/api/v1/{project_id}/jobs/{job_id}"))
                .await;
            assert_eq!(r.status, 200, "{}", r.text());
            let j = r.json();
            if matches!(j["status"].as_str(), Some("completed" | "error")) {
                return j;
            }
            assert!(
                Instant::now() < deadline,
                "job {job_id} not final after {JOB_TIMEOUT:?}: {j}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A project with its initial job finished.
    pub async fn finished_project(&self) -> String {
        let pid = self.create_project("make a cli").await;
        let job = self.initial_job(&pid).await;
        self.wait_job(&pid, &job).await;
        pid
    }

    pub fn workspace(&self, project_id: &str) -> PathBuf {
        crate::server::workspace_in(self.dir.path(), project_id)
    }

    /// `GET /{project_id}/files`, parsed as the contract's `FileList` (200 required).
    pub async fn list_files(&self, project_id: &str) -> Vec<codex_contract::FileEntry> {
        self.get(&format!("/api/v1/{project_id}/files"))
            .await
            .file_list()
    }

    pub fn read_result(&self, project_id: &str) -> Value {
        let path = self.workspace(project_id).join(".codex/result.json");
        serde_json::from_slice(&std::fs::read(path).expect("result.json")).expect("result json")
    }
}
