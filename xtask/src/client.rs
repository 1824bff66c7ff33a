//! The HTTP client of the suite: blocking, one reused connection, no automatic redirects,
//! every request bounded in time and size (issue 10, "Bounded client").
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
use reqwest::blocking::{Client as Http, RequestBuilder, Response};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use std::io::Read;
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
    fn duration(self) -> Duration {
        match self {
            Deadline::Short => SHORT_DEADLINE,
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
            max_body: DEFAULT_MAX_BODY,
            conformance: None,
            mismatches: Mutex::default(),
        })
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
    #[cfg(test)]
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
        let limit = deadline.duration();
        let end = Instant::now() + limit;
        let mut url = format!("{}{path}", self.root);
        // One redirect at most, followed with the same method and body (a 307 from a
        // backend that wants a different slash must not turn a POST into a GET). Both
        // requests share one deadline.
        for _ in 0..2 {
            let left = end.saturating_duration_since(Instant::now());
            let timed_out = || {
                anyhow::anyhow!(
                    "{method} {url}: no complete answer within {} (the request's deadline): \
                     the backend hangs or is stopped",
                    humantime::format_duration(limit)
                )
            };
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
            let body = self.read_body(resp, end).map_err(|e| match e {
                BodyError::TooLarge => anyhow::anyhow!(
                    "{method} {url}: the answer is larger than the {} limit (raise it \
                         with --max-body if the backend really sends that much)",
                    bytes_text(self.max_body)
                ),
                BodyError::Late => timed_out(),
                BodyError::Io(e) => {
                    anyhow::Error::from(e).context(format!("{method} {url}: reading the answer"))
                }
            })?;
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

    /// The body, at most `max_body` bytes, by `end` at the latest: reqwest's request timeout
    /// (set to the time left) also bounds the body, and the deadline is checked between
    /// reads as well.
    fn read_body(&self, resp: Response, end: Instant) -> Result<String, BodyError> {
        if resp.content_length().is_some_and(|n| n > self.max_body) {
            return Err(BodyError::TooLarge);
        }
        let mut bytes = Vec::new();
        let mut limited = resp.take(self.max_body + 1);
        let mut chunk = [0u8; 64 * 1024];
        loop {
            let n = match limited.read(&mut chunk) {
                Ok(n) => n,
                Err(e) if Instant::now() >= end || is_timeout(&e) => return Err(BodyError::Late),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(BodyError::Io(e)),
            };
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
            if bytes.len() as u64 > self.max_body {
                return Err(BodyError::TooLarge);
            }
            if Instant::now() >= end {
                return Err(BodyError::Late);
            }
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

enum BodyError {
    TooLarge,
    Late,
    Io(std::io::Error),
}

fn is_timeout(e: &std::io::Error) -> bool {
    if e.kind() == std::io::ErrorKind::TimedOut {
        return true;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|s| s as _);
    while let Some(s) = source {
        if s.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
        {
            return true;
        }
        source = s.source();
    }
    false
}

/// `16 MiB`, `512 KiB`, `100 bytes`.
fn bytes_text(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream};

    /// Margin for a loaded machine on top of a deadline: the bound asserted is the
    /// deadline's promise, not a performance claim.
    const SLACK: Duration = Duration::from_secs(3);

    /// A server on a free loopback port whose connections `behave` (one thread each).
    fn server(behave: fn(TcpStream)) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for s in listener.incoming().flatten() {
                std::thread::spawn(move || behave(s));
            }
        });
        url
    }

    /// Reads the request head (the tests send no body that matters).
    fn read_head(s: &TcpStream) -> String {
        let mut r = BufReader::new(s);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                return head;
            }
            head.push_str(&line);
        }
    }

    /// Holds the connection without answering until the client gives up.
    fn never_answer(mut s: TcpStream) {
        read_head(&s);
        let _ = std::io::copy(&mut s, &mut std::io::sink());
    }

    fn endless_body(mut s: TcpStream) {
        read_head(&s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n");
        let chunk = [b'x'; 64 * 1024];
        while s.write_all(&chunk).is_ok() {}
    }

    fn dripping_body(mut s: TcpStream) {
        read_head(&s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
        while s.write_all(b"x").is_ok() {
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn vm_hwm_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    fn client(url: &str) -> Client {
        Client::new(url, Duration::from_secs(300)).unwrap()
    }

    #[test]
    fn file_paths_keep_slashes_and_encode_the_rest() {
        assert_eq!(
            file_path("p", ".codex/result.json"),
            "/p/files/.codex/result.json"
        );
        assert_eq!(file_path("p", "a b/c#"), "/p/files/a%20b/c%23");
    }

    #[test]
    fn base_urls_are_http_roots_or_rejected_with_the_form_expected() {
        for (text, root) in [
            ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
            ("http://localhost:8000/", "http://localhost:8000"),
            ("https://api.example.test", "https://api.example.test"),
            (" http://[::1]:9000 ", "http://[::1]:9000"),
        ] {
            assert_eq!(parse_base_url(text).unwrap(), root, "{text}");
        }
        for (text, why) in [
            ("not-a-url", "is not a URL"),
            ("localhost:8000", "scheme"),
            ("ftp://host", "scheme"),
            ("http://host:99999", "is not a URL"),
            ("http://host/api/v1", "path"),
            ("http://host/?x=1", "query"),
            ("http://user:pw@host", "credentials"),
            ("file:///tmp/x", "scheme"),
        ] {
            let msg = parse_base_url(text).unwrap_err().to_string();
            assert!(
                msg.contains(why) && msg.contains("http://host[:port]"),
                "{text}: {msg}"
            );
        }
    }

    /// Not a test on its own: reads an endless body in a process of its own (the peak RSS
    /// of the test process also counts every test running beside it), prints `HWM <KiB>`.
    #[test]
    #[ignore = "helper process of an_endless_body_stops_at_the_limit_and_memory_stays_bounded"]
    fn child_endless_reader() {
        if std::env::var_os("XTASK_CHILD_ENDLESS").is_none() {
            return;
        }
        let url = server(endless_body);
        let err = client(&url).get("/projects/").unwrap_err().to_string();
        assert!(
            err.contains("larger than the 16 MiB limit") && err.contains("--max-body"),
            "{err}"
        );
        println!("HWM {}", vm_hwm_kib());
    }

    #[test]
    fn an_endless_body_stops_at_the_limit_and_memory_stays_bounded() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "client::tests::child_endless_reader",
                "--exact",
                "--ignored",
                "--nocapture",
            ])
            .env("XTASK_CHILD_ENDLESS", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        let hwm: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("HWM ")?.trim().parse().ok())
            .unwrap_or_else(|| panic!("the child printed no HWM: {text}"));
        println!("peak RSS of the reading process: {hwm} KiB");
        assert!(hwm < 100 * 1024, "peak RSS {hwm} KiB");
        let url = server(endless_body);
        let err = client(&url)
            .with_max_body(1000)
            .get("/x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("1000 bytes limit"), "{err}");
    }

    #[test]
    fn a_declared_length_over_the_limit_is_refused_before_reading() {
        fn big(mut s: TcpStream) {
            read_head(&s);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
            let _ = std::io::copy(&mut s, &mut std::io::sink());
        }
        let url = server(big);
        let err = client(&url)
            .with_max_body(4 * 1024)
            .get("/x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("4 KiB limit"), "{err}");
    }

    #[test]
    fn a_route_that_never_answers_fails_within_the_short_deadline() {
        let url = server(never_answer);
        let start = Instant::now();
        let err = client(&url).get("/projects/p1").unwrap_err().to_string();
        println!("hanging route failed after {:?}", start.elapsed());
        assert!(
            start.elapsed() < SHORT_DEADLINE + SLACK,
            "{:?}",
            start.elapsed()
        );
        assert!(
            err.contains("deadline") && err.contains("/api/v1/projects/p1"),
            "{err}"
        );
    }

    #[test]
    fn a_body_that_drips_fails_at_the_deadline_not_per_byte() {
        let url = server(dripping_body);
        let start = Instant::now();
        let err = client(&url).get_root("/docs").unwrap_err().to_string();
        assert!(
            start.elapsed() < SHORT_DEADLINE + SLACK,
            "{:?}",
            start.elapsed()
        );
        assert!(err.contains("deadline"), "{err}");
    }

    #[test]
    fn a_job_post_gets_its_own_deadline() {
        let url = server(never_answer);
        let start = Instant::now();
        let body = serde_json::json!({"instruction": "x"});
        let err = client(&url)
            .post_with(
                "/projects/",
                &body,
                Deadline::Job(Duration::from_millis(700)),
            )
            .unwrap_err()
            .to_string();
        assert!(start.elapsed() < Duration::from_millis(700) + SLACK);
        assert!(err.contains("within 700ms"), "{err}");
    }

    #[test]
    fn redirects_are_followed_once_with_the_body_or_reported() {
        fn redirecting(mut s: TcpStream) {
            let head = read_head(&s);
            let answer = if head.starts_with("POST /api/v1/projects/ ") {
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: /api/v1/projects\r\nContent-Length: 0\r\n\r\n".to_owned()
            } else {
                let body = format!("{{\"seen\":{:?}}}", head.lines().next().unwrap_or(""));
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
            };
            let _ = s.write_all(answer.as_bytes());
        }
        let url = server(redirecting);
        let c = client(&url);
        let r = c.post("/projects/", &serde_json::json!({})).unwrap();
        assert_eq!(r.status, 200);
        assert!(
            r.body.contains("POST /api/v1/projects HTTP/1.1"),
            "{}",
            r.body
        );
        let r = c
            .request_once(Method::POST, "/api/v1/projects/", None, Deadline::Short)
            .unwrap();
        assert_eq!(
            (r.status, r.location.as_deref()),
            (307, Some("/api/v1/projects"))
        );
    }

    /// Not a test on its own: the server process of the SIGSTOP test (started by it with
    /// `XTASK_CHILD_SERVER=1`). Prints `PORT <n>`, then answers `{}` to every request.
    #[test]
    #[ignore = "helper process of a_stopped_backend_process_fails_within_the_deadline"]
    fn child_server() {
        if std::env::var_os("XTASK_CHILD_SERVER").is_none() {
            return;
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        println!("PORT {}", listener.local_addr().unwrap().port());
        std::io::stdout().flush().unwrap();
        for mut s in listener.incoming().flatten() {
            read_head(&s);
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        }
    }

    #[test]
    fn a_stopped_backend_process_fails_within_the_deadline() {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "client::tests::child_server",
                "--exact",
                "--ignored",
                "--nocapture",
            ])
            .env("XTASK_CHILD_SERVER", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Bounded: the child prints its port first, or exits and ends the stream.
        let port = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("PORT ").map(str::to_owned))
            .expect("the child server printed no port");
        let c = client(&format!("http://127.0.0.1:{port}"));
        assert_eq!(c.get_root("/docs").unwrap().body, "{}");
        let pid = child.id() as libc::pid_t;
        // SAFETY: signals to our own child process.
        unsafe { libc::kill(pid, libc::SIGSTOP) };
        // kill() returns before the child is stopped: wait (bounded) until it is.
        let stat = format!("/proc/{pid}/stat");
        let stopped = (0..500).any(|_| {
            let state = std::fs::read_to_string(&stat).unwrap_or_default();
            let stopped = state
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('T'));
            if !stopped {
                std::thread::sleep(Duration::from_millis(2));
            }
            stopped
        });
        assert!(stopped, "the child server did not stop within 1 s");
        let start = Instant::now();
        let err = c.get("/projects/").unwrap_err().to_string();
        let took = start.elapsed();
        unsafe { libc::kill(pid, libc::SIGCONT) };
        child.kill().unwrap();
        child.wait().unwrap();
        println!("stopped backend failed after {took:?}");
        assert!(took < SHORT_DEADLINE + SLACK, "{took:?}");
        assert!(err.contains("deadline"), "{err}");
    }
}
