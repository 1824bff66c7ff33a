//! A hostile test double: a proxy in front of the original-like fake (`test-support/src/fake_backend.rs`)
//! that breaks the fake's answers in one way per switch of [`Faults`]. What the fake does
//! underneath stays the original's (no `job_id`, the previous result left in place); the
//! `asynchronous` switch makes its jobs look asynchronous by delaying what the proxy shows.
//!
//! [`elsewhere`] is a second server on another port: the target of the redirects that must
//! not be followed, recording every request it receives.

#![allow(dead_code)]

mod http;
mod rewrite;

use super::fake_backend::{self, Config, Fake};
use http::{error, forward, read_request, Answer, Request};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use http::elsewhere;
pub use rewrite::{json_escaped, Form};

/// The requests a fault can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /api/v1/projects/`.
    Create,
    /// `GET /api/v1/projects/{id}`.
    Project,
    /// `GET /api/v1/{pid}/files`.
    Files,
    /// `GET /api/v1/{pid}/files/.codex/result.json`.
    Result,
    /// `GET /api/v1/{pid}/files/app.py`.
    AppPy,
    /// `POST /api/v1/{pid}/jobs`.
    PostJob,
    /// `GET /api/v1/{pid}/jobs/{id}`.
    Job,
    /// `GET /docs`.
    Docs,
    /// `GET /healthz`.
    Healthz,
}

/// Asynchronous jobs: every POST answers `queued` at once; the job's status turns final
/// `runs_for` (plus its `sleep_seconds`) later, and its result.json shows `result_lag` after
/// that (until then the previous result, or a 404 for a new project).
#[derive(Debug, Clone, Copy)]
pub struct Async {
    pub runs_for: Duration,
    pub result_lag: Duration,
}

#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// `(route, n)`: every request of `route` after its first `n` answers 500 with the
    /// contract's error body.
    pub fail: Option<(Route, usize)>,
    /// Instructions reach the fake with `sleep_seconds=0`: a long run ends at once.
    pub ignore_sleep: bool,
    pub asynchronous: Option<Async>,
    /// `(route, value)`: answers of `route` carry `OPENAI_API_KEY=<value>` in a `detail`
    /// field (a worker error echoing its environment).
    pub env_in: Option<(Route, String)>,
    /// `(form, value)`: the create's answer carries `value` in `form` (`Form::planted`).
    pub leak_in_create: Option<(Form, String)>,
    /// Every JSON answer is labelled `text/html; charset=utf-8`.
    pub json_as_html: bool,
    /// result.json names the job that wrote it (its `job_id`, read from the fake's
    /// request.json), as our worker's does: the fake then has no deviation to observe.
    pub job_id_in_result: bool,
    /// Job ids as the proxy shows them: this text for the first job, `<text>-<n>` after.
    pub job_ids: Option<String>,
    /// `GET /{pid}/jobs/{id}` answers 404 with the contract's body.
    pub job_404: bool,
    /// `GET /{pid}/files/app.py` answers 307 to the same path on this other server.
    pub redirect_file_to: Option<String>,
    /// `POST /projects/` answers 307 to the same path on this other server.
    pub redirect_create_to: Option<String>,
}

pub struct Hostile {
    pub url: String,
    pub fake: Fake,
}

/// The fake with `config`, behind a proxy with `faults`.
pub fn start(config: Config, faults: Faults) -> Hostile {
    let fake = fake_backend::start(config);
    let inner = fake.url.trim_start_matches("http://").to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let proxy = Arc::new(Proxy {
        inner,
        faults,
        state: Mutex::default(),
    });
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let proxy = Arc::clone(&proxy);
            std::thread::spawn(move || {
                let _ = proxy.serve(stream);
            });
        }
    });
    Hostile { url, fake }
}

/// When a job's status turns final and when its result shows.
#[derive(Debug, Clone, Copy)]
struct Timeline {
    final_at: Instant,
    result_at: Instant,
}

impl Async {
    /// A job sent `now` whose worker sleeps `sleep` seconds.
    fn timeline(&self, now: Instant, sleep: u64) -> Timeline {
        let final_at = now + self.runs_for + Duration::from_secs(sleep);
        Timeline {
            final_at,
            result_at: final_at + self.result_lag,
        }
    }
}

#[derive(Default)]
struct State {
    seen: HashMap<Route, usize>,
    /// The latest job of each project, by project id.
    projects: HashMap<String, Timeline>,
    /// By the fake's job id.
    jobs: HashMap<String, Timeline>,
    /// (shown id, the fake's id).
    job_ids: Vec<(String, String)>,
    /// result.json as it was before each project's latest job.
    previous_result: HashMap<String, Answer>,
}

struct Proxy {
    inner: String,
    faults: Faults,
    state: Mutex<State>,
}

fn route_of(method: &str, path: &str) -> Option<Route> {
    let path = path.split('?').next().unwrap_or(path);
    match (method, path) {
        ("GET", "/docs") => return Some(Route::Docs),
        ("GET", "/healthz") => return Some(Route::Healthz),
        ("POST", "/api/v1/projects/") => return Some(Route::Create),
        _ => {}
    }
    let segments: Vec<&str> = path.strip_prefix("/api/v1/")?.split('/').collect();
    Some(match (method, segments.as_slice()) {
        ("GET", ["projects", _]) => Route::Project,
        ("GET", [_, "files"]) => Route::Files,
        ("GET", [_, "files", ".codex", "result.json"]) => Route::Result,
        ("GET", [_, "files", "app.py"]) => Route::AppPy,
        ("POST", [_, "jobs"]) => Route::PostJob,
        ("GET", [_, "jobs", _]) => Route::Job,
        _ => return None,
    })
}

/// The project id of a path under the API (`/api/v1/{pid}/…` or `/api/v1/projects/{pid}`).
fn project_of(path: &str) -> String {
    let segments: Vec<&str> = path.trim_start_matches("/api/v1/").split('/').collect();
    let raw = match segments.as_slice() {
        ["projects", pid] => pid,
        [pid, ..] => pid,
        [] => "",
    };
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

impl Proxy {
    fn serve(&self, mut s: TcpStream) -> std::io::Result<()> {
        let request = read_request(&s)?;
        let answer = self.answer(request)?;
        let location = answer
            .location
            .as_ref()
            .map(|l| format!("Location: {l}\r\n"))
            .unwrap_or_default();
        let (encoding, body) = match answer.gzip {
            true => (
                "Content-Encoding: gzip\r\n",
                http::gzip(answer.body.as_bytes()),
            ),
            false => ("", answer.body.into_bytes()),
        };
        write!(
            s,
            "HTTP/1.1 {} Hostile\r\nContent-Type: {}\r\nContent-Length: {}\r\n{location}\
             {encoding}Connection: close\r\n\r\n",
            answer.status,
            answer.content_type,
            body.len(),
        )?;
        s.write_all(&body)?;
        s.flush()
    }

    fn answer(&self, mut request: Request) -> std::io::Result<Answer> {
        let route = route_of(&request.method, &request.path);
        if let Some(early) = self.refuse(route, &request) {
            return Ok(early);
        }
        let f = &self.faults;
        if f.ignore_sleep || f.asynchronous.is_some() {
            request.body = without_sleep(&request.body);
        }
        if route == Some(Route::Job) {
            request.path = self.fakes_job_path(&request.path);
        }
        let pid = project_of(&request.path);
        if f.asynchronous.is_some() && route == Some(Route::PostJob) {
            let before = forward(
                &self.inner,
                &Request {
                    method: "GET".into(),
                    path: format!("/api/v1/{pid}/files/.codex/result.json"),
                    body: String::new(),
                },
            )?;
            let mut state = self.state.lock().unwrap();
            state.previous_result.insert(pid.clone(), before);
        }
        let sleep = sleep_seconds(&request.body);
        let mut answer = forward(&self.inner, &request)?;
        if f.job_id_in_result && route == Some(Route::Result) && answer.status == 200 {
            answer.body = self.with_job_id(&pid, &answer.body)?;
        }
        if let Some(a) = f.asynchronous {
            self.pretend_asynchronous(a, route, &pid, sleep, &mut answer);
        }
        self.disguise(route, &mut answer);
        Ok(answer)
    }

    /// A result.json answer whose contents carry the `job_id` of the fake's request.json.
    fn with_job_id(&self, pid: &str, body: &str) -> std::io::Result<String> {
        let contents = |text: &str| -> Value {
            serde_json::from_str::<Value>(text)
                .ok()
                .and_then(|v| v["contents"].as_str().map(str::to_owned))
                .and_then(|c| serde_json::from_str(&c).ok())
                .unwrap_or(Value::Null)
        };
        let request = forward(
            &self.inner,
            &Request {
                method: "GET".into(),
                path: format!("/api/v1/{pid}/files/.codex/request.json"),
                body: String::new(),
            },
        )?;
        let mut result = contents(body);
        result["job_id"] = contents(&request.body)["job_id"].clone();
        Ok(json!({"path": ".codex/result.json", "contents": result.to_string()}).to_string())
    }

    /// The faults that answer without asking the fake.
    fn refuse(&self, route: Option<Route>, request: &Request) -> Option<Answer> {
        let route = route?;
        let f = &self.faults;
        let seen = {
            let mut state = self.state.lock().unwrap();
            let n = state.seen.entry(route).or_default();
            *n += 1;
            *n
        };
        match f.fail {
            Some((r, skip)) if r == route && seen > skip => {
                return Some(error(
                    500,
                    "internal_error",
                    "Internal server error",
                    "planted",
                ))
            }
            _ => {}
        }
        match route {
            Route::Job if f.job_404 => Some(error(404, "not_found", "Not found", "Job not found")),
            Route::AppPy => f
                .redirect_file_to
                .as_ref()
                .map(|to| Answer::redirect(format!("{to}{}", request.path))),
            Route::Create => f
                .redirect_create_to
                .as_ref()
                .map(|to| Answer::redirect(format!("{to}{}", request.path))),
            _ => None,
        }
    }

    /// `/api/v1/{pid}/jobs/{shown id}` → the fake's path for that job (unknown ids as sent).
    fn fakes_job_path(&self, path: &str) -> String {
        let Some((prefix, raw)) = path.rsplit_once('/') else {
            return path.to_owned();
        };
        let shown = percent_decode_str(raw).decode_utf8_lossy();
        let state = self.state.lock().unwrap();
        match state.job_ids.iter().find(|(s, _)| *s == shown) {
            Some((_, fakes)) => format!("{prefix}/{fakes}"),
            None => path.to_owned(),
        }
    }
}

/// The N of `sleep_seconds=N` in a request body (0 without one).
fn sleep_seconds(body: &str) -> u64 {
    body.split("sleep_seconds=")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn without_sleep(body: &str) -> String {
    match sleep_seconds(body) {
        0 => body.to_owned(),
        n => body.replace(&format!("sleep_seconds={n}"), "sleep_seconds=0"),
    }
}
