//! The HTTP client of the suite: blocking, one reused connection, no automatic redirects,
//! every request bounded in time and size.
//!
//! - Paths always carry the contract's trailing slash (`/projects/`); a 307/308 from a
//!   backend that wants another form is followed once by hand, keeping method and body.
//! - Every request has a total deadline covering connect, headers and body, chosen per call
//!   with [`Deadline`]: `Short` for everything a healthy backend answers at once, `Job` for
//!   the POSTs that submit a job, which a synchronous backend (the original) holds open
//!   until the job ends. So a backend that stops answering fails within `SHORT_DEADLINE`.
//! - Answers are read up to `max_body` bytes (16 MiB by default, `--max-body`); a longer one
//!   is an error naming the limit, and never grows the xtask's memory past it.

use crate::conformance::Conformance;
use anyhow::{bail, Context, Result};
use codex_contract::API_V1;
use reqwest::blocking::{Client as Http, RequestBuilder};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Total deadline of one short request (polls, listings, health): a healthy backend answers
/// these at once, and the README promises that a hung one fails within about 10 s.
pub const SHORT_DEADLINE: Duration = Duration::from_secs(4);
/// Largest answer read by default (`--max-body`).
pub const DEFAULT_MAX_BODY: u64 = 16 * 1024 * 1024;
/// Connecting never takes longer than this, whatever the deadline.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one request may take in total (connect, headers and body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// `SHORT_DEADLINE`: anything a healthy backend answers at once.
    Short,
    /// A POST that submits a job: a synchronous backend answers when the job is over, so it
    /// gets the job's own timeout (the poll timeout; L08 twice it).
    Job(Duration),
}

impl Deadline {
    /// `short`: the client's `Short` deadline (`SHORT_DEADLINE` but in tests).
    fn duration(self, short: Duration) -> Duration {
        match self {
            Deadline::Short => short,
            Deadline::Job(d) => d,
        }
    }
}

/// `--base-url`: `http(s)://host[:port]`, optionally with a trailing slash. Returns the root
/// without the slash, or an error that says what is wrong and what is expected.
pub fn parse_base_url(text: &str) -> Result<String> {
    let expected = "expected http://host[:port] or https://host[:port], e.g. \
                    http://127.0.0.1:8000 (the backend's root, without /api/v1)";
    let url = Url::parse(text.trim())
        .map_err(|e| anyhow::anyhow!("--base-url {text:?} is not a URL ({e}): {expected}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!(
            "--base-url {text:?} has the scheme {:?}: {expected}",
            url.scheme()
        );
    }
    if url.host_str().is_none_or(str::is_empty) {
        bail!("--base-url {text:?} names no host: {expected}");
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!("--base-url {text:?} carries credentials: {expected}");
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        bail!("--base-url {text:?} has a path, query or fragment: {expected}");
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// The `Location` header, when the answer has one (a redirect reported by
    /// `request_once`; only the tests read it so far).
    #[cfg_attr(not(test), allow(dead_code))]
    pub location: Option<String>,
}

impl Reply {
    pub fn ok(&self) -> bool {
        self.status == 200
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.body).with_context(|| {
            format!(
                "the body of this HTTP {} answer is not the JSON the contract describes",
                self.status
            )
        })
    }
}

/// Whether `send` follows one 307/308 by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Redirects {
    FollowOnce,
    Report,
}

pub struct Client {
    http: Http,
    root: String,
    /// The deadline of `post` (a job submission): twice the poll timeout, L08's bound.
    #[cfg_attr(not(test), allow(dead_code))]
    post_deadline: Duration,
    /// `Deadline::Short`: `SHORT_DEADLINE`; the deadline tests wait out a shorter one.
    short_deadline: Duration,
    max_body: u64,
    /// The target's OpenAPI document, when it serves one: every JSON answer under the API
    /// prefix is checked against it, here, once for the whole suite.
    conformance: Option<Conformance>,
    /// Mismatches found since the last `take_mismatches`, each once.
    mismatches: Mutex<Vec<String>>,
}

impl Client {
    /// `root` is the backend's URL without the API prefix; `poll_timeout` bounds a POST
    /// (twice it, L08's bound; use `post_with` for another deadline).
    pub fn new(root: &str, poll_timeout: Duration) -> Result<Self> {
        let http = Http::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(1)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .context("creating the HTTP client")?;
        Ok(Client {
            http,
            root: root.trim_end_matches('/').to_owned(),
            post_deadline: poll_timeout * 2,
            short_deadline: SHORT_DEADLINE,
            max_body: DEFAULT_MAX_BODY,
            conformance: None,
            mismatches: Mutex::default(),
        })
    }

    /// The same client with another `Short` deadline: the tests of the deadline wait out
    /// a short one.
    #[cfg(test)]
    pub fn with_short_deadline(mut self, short: Duration) -> Self {
        self.short_deadline = short;
        self
    }

    /// Checks every later JSON answer under the API prefix against `doc`.
    pub fn check_conformance(&mut self, doc: Conformance) {
        self.conformance = Some(doc);
    }

    /// The conformance mismatches found since the last call (each distinct line once).
    pub fn take_mismatches(&self) -> Vec<String> {
        std::mem::take(&mut *self.mismatches.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn check_answer(&self, method: &Method, path: &str, status: u16, body: &str) {
        let Some(doc) = &self.conformance else {
            return;
        };
        if !path.starts_with(API_V1) {
            return; // /docs, /healthz, /openapi.json: not the contract's operations.
        }
        let found = doc.check(method.as_str(), path, status, body);
        let mut seen = self.mismatches.lock().unwrap_or_else(|e| e.into_inner());
        for line in found {
            if !seen.contains(&line) {
                seen.push(line);
            }
        }
    }

    /// Answers longer than `bytes` are an error (`--max-body`).
    pub fn with_max_body(mut self, bytes: u64) -> Self {
        self.max_body = bytes;
        self
    }

    pub fn root(&self) -> &str {
        &self.root
    }

    /// After a rollback the backend may listen elsewhere.
    pub fn set_root(&mut self, root: &str) {
        self.root = root.trim_end_matches('/').to_owned();
    }

    /// GET a path under the API prefix, e.g. `/projects/abc` (short deadline).
    pub fn get(&self, api_path: &str) -> Result<Reply> {
        self.request(
            Method::GET,
            &format!("{API_V1}{api_path}"),
            None,
            Deadline::Short,
        )
    }

    /// GET a path outside the API (`/docs`, `/healthz`; short deadline).
    pub fn get_root(&self, path: &str) -> Result<Reply> {
        self.request(Method::GET, path, None, Deadline::Short)
    }

    /// POST JSON under the API prefix that submits a job: deadline twice the poll timeout
    /// (tests; the ladder gives each job its own deadline with `post_with`).
    #[cfg(any(test, feature = "test-support"))]
    pub fn post(&self, api_path: &str, body: &serde_json::Value) -> Result<Reply> {
        let deadline = Deadline::Job(self.post_deadline);
        self.post_with(api_path, body, deadline)
    }

    /// POST JSON under the API prefix with an explicit deadline.
    pub fn post_with(
        &self,
        api_path: &str,
        body: &serde_json::Value,
        deadline: Deadline,
    ) -> Result<Reply> {
        let path = format!("{API_V1}{api_path}");
        self.request(Method::POST, &path, Some(body), deadline)
    }

    /// Any request on a path from the root, following one 307/308 by hand.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        deadline: Deadline,
    ) -> Result<Reply> {
        self.send(method, path, body, deadline, Redirects::FollowOnce)
    }

    /// One request on a path from the root that reports a redirect instead of following it
    /// (the target profile probes how the backend routes).
    pub fn request_once(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        deadline: Deadline,
    ) -> Result<Reply> {
        self.send(method, path, body, deadline, Redirects::Report)
    }

    fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        deadline: Deadline,
        redirects: Redirects,
    ) -> Result<Reply> {
        let limit = deadline.duration(self.short_deadline);
        let end = Instant::now() + limit;
        let mut url = format!("{}{path}", self.root);
        // One redirect at most, followed with the same method and body (a 307 from a
        // backend that wants a different slash must not turn a POST into a GET). Both
        // requests share one deadline.
        for _ in 0..2 {
            let left = end.saturating_duration_since(Instant::now());
            let timed_out = || body::timed_out(&method, &url, limit);
            if left.is_zero() {
                return Err(timed_out());
            }
            let mut req: RequestBuilder = self.http.request(method.clone(), &url).timeout(left);
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = match req.send() {
                Ok(r) => r,
                Err(e) if e.is_timeout() => return Err(timed_out()),
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("{method} {url}: no answer from the backend"))
                }
            };
            let status = resp.status().as_u16();
            let json = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|t| t.to_str().ok())
                .is_some_and(|t| t.contains("json"));
            let location = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            if matches!(status, 307 | 308) && redirects == Redirects::FollowOnce {
                let location = location
                    .with_context(|| format!("{method} {url}: {status} without a Location"))?;
                url = resp
                    .url()
                    .join(&location)
                    .with_context(|| format!("{method} {url}: bad Location {location:?}"))?
                    .to_string();
                continue;
            }
            let body = self
                .read_body(resp, end)
                .map_err(|e| self.body_error(e, &method, &url, limit))?;
            if json {
                self.check_answer(&method, path, status, &body);
            }
            return Ok(Reply {
                status,
                body,
                location,
            });
        }
        bail!("{method} {path}: redirected more than once; the backend loops")
    }
}

/// Percent-encodes each segment of a workspace path for `/files/{path}`.
pub fn file_path(project_id: &str, path: &str) -> String {
    let enc: Vec<String> = path
        .split('/')
        .map(|seg| {
            seg.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect()
        })
        .collect();
    format!("/{project_id}/files/{}", enc.join("/"))
}

mod body;

#[cfg(test)]
mod tests;
