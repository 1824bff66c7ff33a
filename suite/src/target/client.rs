//! The HTTP client of the suite: blocking, one reused connection, no automatic redirects,
//! every request bounded in time and size.
//!
//! - Paths under the API prefix are [`ApiPath`]s: every id the target sent is one
//!   percent-encoded segment. They carry the contract's trailing slash (`/projects/`); a
//!   307/308 from a backend that wants another form is followed once by hand, keeping
//!   method and body, and only within the target's origin: a redirect to another scheme,
//!   host or port fails the request, naming the Location, and nothing is sent there.
//! - Every request has a total deadline covering connect, headers and body, chosen per call
//!   with [`Deadline`]: `Short` for everything a healthy backend answers at once, `Job` for
//!   the POSTs that submit a job, which a synchronous backend (the original) holds open
//!   until the job ends. So a backend that stops answering fails within `SHORT_DEADLINE`.
//! - Answers are read up to `max_body` bytes (16 MiB by default, `--max-body`); a longer one
//!   is an error naming the limit, and never grows the suite's memory past it.
//! - Every answer then passes `answer.rs` before anything reads it: secrets found in any
//!   form are redacted and recorded as leaks, the Content-Type and the OpenAPI document are
//!   held against the body ([`Client::take_findings`]). Requests say `Accept-Encoding:
//!   identity`; a body in a Content-Encoding all the same is decoded there (gzip, deflate;
//!   within `max_body` again), scanned too and kept decoded, or withheld when it cannot be.

use crate::model::events::Events;
use crate::model::outcome::{one_line, Problem};
use crate::model::secrets::Redactor;
use crate::target::conformance::Conformance;
use answer::{Asked, Findings};
use anyhow::{bail, Context, Result};
use codex_contract::API_V1;
use reqwest::blocking::{Client as Http, RequestBuilder, Response};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) use answer::AnswerLeak;
pub(crate) use path::{id_shape, ApiPath, IdShape};

/// Total deadline of one short request (polls, listings, health): a healthy backend answers
/// these at once, and the README promises that a hung one fails within about 10 s.
pub(crate) const SHORT_DEADLINE: Duration = Duration::from_secs(4);
/// Largest answer read by default (`--max-body`).
pub(crate) const DEFAULT_MAX_BODY: u64 = 16 * 1024 * 1024;
/// Connecting never takes longer than this, whatever the deadline.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one request may take in total (connect, headers and body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Deadline {
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
pub(crate) fn parse_base_url(text: &str) -> Result<String> {
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
pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
    /// The `Location` header, when the answer has one (a redirect reported by
    /// `request_once`; only the tests read it so far).
    #[cfg_attr(not(test), allow(dead_code))]
    pub location: Option<String>,
}

impl Reply {
    pub(crate) fn ok(&self) -> bool {
        self.status == 200
    }

    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.body).with_context(|| {
            format!(
                "the body of this HTTP {} answer is not the JSON the contract describes",
                self.status
            )
        })
    }

    /// A non-200 answer is a failed check naming the call, the status and the error body
    /// (an error for a 5xx).
    pub(crate) fn expect_200(&self, call: &str) -> Result<&Reply, Problem> {
        if self.ok() {
            return Ok(self);
        }
        let kind = if self.status >= 500 {
            Problem::error
        } else {
            Problem::fail
        };
        Err(kind(format!(
            "{call} answered HTTP {}: {}",
            self.status,
            one_line(&self.body.chars().take(300).collect::<String>())
        ))
        .expected(format!("{call} answers 200 with the contract's body"))
        .look("the answers saved in this folder (response.json, job.json), logs.txt"))
    }

    /// A 200 answer parsed as the contract's `T`; a non-200 or a body of another shape fails
    /// the check, naming the call.
    pub(crate) fn contract<T: DeserializeOwned>(&self, call: &str) -> Result<T, Problem> {
        self.expect_200(call)?
            .json()
            .map_err(|e| Problem::fail(format!("{call}: {e:#}")))
    }
}

/// Whether `send` follows one 307/308 by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Redirects {
    FollowOnce,
    Report,
}

pub(crate) struct Client {
    http: Http,
    root: String,
    /// `Deadline::Short`: `SHORT_DEADLINE`; the deadline tests wait out a shorter one.
    short_deadline: Duration,
    max_body: u64,
    /// The known secrets: every answer is scanned for them before anything reads it.
    redactor: Redactor,
    /// The target's OpenAPI document, when it serves one: every JSON answer under the API
    /// prefix is checked against it, here, once for the whole suite.
    conformance: Option<Conformance>,
    /// Found since the last `take_findings`.
    findings: Mutex<Findings>,
    /// Where each request is told as an `Event::Request` (`--verbose`), when set.
    events: Option<Arc<Events>>,
}

impl Client {
    /// `root` is the backend's URL without the API prefix; every answer is scanned for the
    /// secrets `redactor` knows. A job submission names its own deadline (`post_with`).
    pub(crate) fn new(root: &str, redactor: Redactor) -> Result<Self> {
        // No compression asked for: a body in a Content-Encoding is unexpected (`answer.rs`).
        let identity =
            HeaderMap::from_iter([(ACCEPT_ENCODING, HeaderValue::from_static("identity"))]);
        let http = Http::builder()
            .default_headers(identity)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(1)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .context("creating the HTTP client")?;
        Ok(Client {
            http,
            root: root.trim_end_matches('/').to_owned(),
            short_deadline: SHORT_DEADLINE,
            max_body: DEFAULT_MAX_BODY,
            redactor,
            conformance: None,
            findings: Mutex::default(),
            events: None,
        })
    }

    /// The same client with another `Short` deadline: the tests of the deadline wait out
    /// a short one.
    #[cfg(test)]
    pub(crate) fn with_short_deadline(mut self, short: Duration) -> Self {
        self.short_deadline = short;
        self
    }

    /// Checks every later JSON answer under the API prefix against `doc`.
    pub(crate) fn check_conformance(&mut self, doc: Conformance) {
        self.conformance = Some(doc);
    }

    /// Answers longer than `bytes` are an error (`--max-body`).
    pub(crate) fn with_max_body(mut self, bytes: u64) -> Self {
        self.max_body = bytes;
        self
    }

    pub(crate) fn root(&self) -> &str {
        &self.root
    }

    /// After a rollback the backend may listen elsewhere.
    pub(crate) fn set_root(&mut self, root: &str) {
        self.root = root.trim_end_matches('/').to_owned();
    }

    /// GET a path under the API prefix (short deadline).
    pub(crate) fn get(&self, path: &ApiPath) -> Result<Reply> {
        self.api(Method::GET, path, None, Deadline::Short)
    }

    /// GET a path outside the API (`/docs`, `/healthz`; short deadline).
    pub(crate) fn get_root(&self, path: &str) -> Result<Reply> {
        let asked = Asked::root(&Method::GET, path);
        self.send(&asked, None, Deadline::Short, Redirects::FollowOnce)
    }

    /// POST JSON under the API prefix with an explicit deadline.
    pub(crate) fn post_with(
        &self,
        path: &ApiPath,
        body: &serde_json::Value,
        deadline: Deadline,
    ) -> Result<Reply> {
        self.api(Method::POST, path, Some(body), deadline)
    }

    fn api(
        &self,
        method: Method,
        path: &ApiPath,
        body: Option<&serde_json::Value>,
        deadline: Deadline,
    ) -> Result<Reply> {
        let full = format!("{API_V1}{}", path.as_str());
        let template = format!("{API_V1}{}", path.template());
        let asked = Asked {
            method: &method,
            path: &full,
            template: &template,
        };
        self.send(&asked, body, deadline, Redirects::FollowOnce)
    }

    /// One request on a fixed path from the root that reports a redirect instead of
    /// following it (the target profile probes how the backend routes).
    pub(crate) fn request_once(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        deadline: Deadline,
    ) -> Result<Reply> {
        self.send(
            &Asked::root(&method, path),
            body,
            deadline,
            Redirects::Report,
        )
    }

    fn send(
        &self,
        asked: &Asked,
        body: Option<&serde_json::Value>,
        deadline: Deadline,
        redirects: Redirects,
    ) -> Result<Reply> {
        let method = asked.method;
        let limit = deadline.duration(self.short_deadline);
        let end = Instant::now() + limit;
        let mut url = format!("{}{}", self.root, asked.path);
        // One redirect at most, followed with the same method and body (a 307 from a
        // backend that wants a different slash must not turn a POST into a GET), and only
        // within the target's origin. Both requests share one deadline.
        for _ in 0..2 {
            let left = end.saturating_duration_since(Instant::now());
            let timed_out = || body::timed_out(method, &url, limit);
            if left.is_zero() {
                return Err(timed_out());
            }
            let mut req: RequestBuilder = self.http.request(method.clone(), &url).timeout(left);
            if let Some(b) = body {
                req = req.json(b);
            }
            let sent = Instant::now();
            let resp = req.send();
            self.told(
                method,
                &url,
                sent,
                resp.as_ref().ok().map(|r| r.status().as_u16()),
            );
            let resp = match resp {
                Ok(r) => r,
                Err(e) if e.is_timeout() => return Err(timed_out()),
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("{method} {url}: no answer from the backend"))
                }
            };
            let status = resp.status().as_u16();
            let kept = self.headers(asked, resp.headers());
            if matches!(status, 307 | 308) && redirects == Redirects::FollowOnce {
                url = self.redirect_target(asked, &resp, kept.location.as_deref())?;
                continue;
            }
            let raw = self
                .read_body(resp, end)
                .map_err(|e| self.body_error(e, method, &url, limit))?;
            return self
                .inspect(asked, status, kept, &raw)
                .map_err(|e| self.body_error(e, method, &url, limit));
        }
        bail!(
            "{method} {}: redirected more than once; the backend loops",
            asked.path
        )
    }

    /// Where a 307/308 leads, when it stays within the target's origin.
    fn redirect_target(
        &self,
        asked: &Asked,
        resp: &Response,
        location: Option<&str>,
    ) -> Result<String> {
        let (method, from, status) = (asked.method, resp.url(), resp.status().as_u16());
        let location =
            location.with_context(|| format!("{method} {from}: {status} without a Location"))?;
        let next = from
            .join(location)
            .with_context(|| format!("{method} {from}: bad Location {location:?}"))?;
        let root = Url::parse(&self.root).context("the client's root is a URL")?;
        if next.origin() != root.origin() {
            let to: String = next.as_str().chars().take(300).collect();
            bail!(
                "{method} {from}: the backend redirects ({status}) to {to}, another origin: not \
                 followed, nothing is sent there (the suite follows a redirect only within the \
                 target: same scheme, host and port)"
            );
        }
        Ok(next.to_string())
    }
}

mod answer;
mod body;
mod path;
mod trace;

#[cfg(test)]
mod tests;
