//! A test double of the original orchestrator (Python/FastAPI), modelled on CONTRACT.md's
//! "How the original differs" and nothing else: it is the original, not our backend.
//!
//! - Jobs run synchronously: the POST answers when the job is over, with its final status.
//! - The job status ignores the result: `completed` whenever the worker "exits 0" and a
//!   result.json exists, even one that says `status: error` (`force_error`). A worker that
//!   crashes (`edit_error_keeps_result`, `failing_edits`) makes the job `error` and leaves
//!   the previous result.json in place, unchanged.
//! - result.json carries no `job_id`; live results carry a `timestamp` (so they differ); in
//!   mocked mode the dummy worker writes the same fixed result for every job, byte for byte,
//!   and an edit rewrites the same three files with the same contents.
//! - No `/healthz`; FastAPI's `/docs` and `/openapi.json` (3.1, describing every response
//!   this double sends); `POST /api/v1/projects` answers 307 to `/api/v1/projects/`.
//! - Timestamps without a zone (`2026-11-25T22:51:13.141024`); the documented error body.
//!
//! Options make it differ or misbehave in the ways the suite must notice. Plain std
//! HTTP/1.1, one thread per connection, `Connection: close`.

mod openapi;
mod routes;

pub use openapi::openapi;
use routes::{route, Served};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The original dummy worker's result.json, byte for byte (CONTRACT.md).
pub const DUMMY_RESULT: &str = r#"{"status": "success", "summary": "Dummy worker: created Python CLI Fibonacci example.", "created_files": ["README.md", "app.py", "tests/test_cli.py"], "modified_files": [], "errors": [], "logs": ["Dummy worker used instead of Codex."]}"#;

const README: &str = "# Fibonacci CLI\n\nPrints the first 10 Fibonacci numbers.\n";
const APP_PY: &str = "def fibonacci(n):\n    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)\n\n\nif __name__ == \"__main__\":\n    print([fibonacci(i) for i in range(10)])\n";
const TEST_PY: &str =
    "from app import fibonacci\n\n\ndef test_fibonacci():\n    assert fibonacci(10) == 55\n";

#[derive(Clone, Default)]
pub struct Config {
    /// Mocked mode (`USE_DUMMY_WORKER=True`): the dummy worker's fixed result.
    pub mocked: bool,
    /// Serve `/healthz` (the original does not).
    pub healthz: bool,
    /// Not the original: answer `POST /projects/` with a 307 to `/projects` (a backend that
    /// wants no slash; the client must keep the body).
    pub redirect_slash: bool,
    /// A crashed live worker: every edit job exits non-zero, ends `error` and leaves the
    /// previous result.json in place.
    pub edit_error_keeps_result: bool,
    /// The first N edit jobs of each project crash like `edit_error_keeps_result`.
    pub failing_edits: usize,
    /// Only edits whose instruction asks for a refactor (L06) crash like
    /// `edit_error_keeps_result`: the previous job's successful result stays.
    pub crash_refactor: bool,
    /// Not the original: its /openapi.json declares a file's `size` a string while the
    /// listing answers integers (a document that does not describe the answers).
    pub openapi_size_as_string: bool,
    /// Put this value into a listed file name (a backend that leaks a secret).
    pub echo_secret: Option<String>,
    /// The initial job's `summary` (default "Generated a minimal CLI"): hostile text.
    pub summary: Option<String>,
}

#[derive(Default)]
struct Project {
    instruction: String,
    status: String,
    summary: Option<String>,
    created_at: String,
    updated_at: String,
    files: BTreeMap<String, String>,
    jobs: Vec<Value>,
}

#[derive(Default)]
struct World {
    projects: BTreeMap<String, Project>,
    /// Fake clock: every timestamp is a new tick.
    ticks: u64,
}

impl World {
    /// `2026-11-25T22:51:13.141024`: the original's timestamps carry no zone.
    fn now(&mut self) -> String {
        self.ticks += 1;
        format!(
            "2026-11-25T22:{:02}:{:02}.{:06}",
            (self.ticks / 60) % 60,
            self.ticks % 60,
            141_024 + self.ticks
        )
    }
}

pub struct Fake {
    pub url: String,
    /// POSTs received on `/api/v1/projects` after `redirect_slash` sent them there.
    pub posts_after_redirect: Arc<Mutex<u32>>,
    state: State,
}

impl Fake {
    /// How many projects exist (a probe must create none).
    pub fn project_count(&self) -> usize {
        self.state.lock().unwrap().projects.len()
    }
}

type State = Arc<Mutex<World>>;

pub fn start(config: Config) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state: State = Arc::default();
    let redirected = Arc::new(Mutex::new(0));
    let (counter, shared) = (redirected.clone(), state.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (state, config, counter) = (shared.clone(), config.clone(), counter.clone());
            std::thread::spawn(move || {
                let _ = serve(stream, &state, &config, &counter);
            });
        }
    });
    Fake {
        url,
        posts_after_redirect: redirected,
        state,
    }
}

/// One request as read from a connection: method, path, body.
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

/// Reads the request line, the headers (only `Content-Length` matters) and the body.
pub fn read_request(s: &TcpStream) -> std::io::Result<Request> {
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
    );
    let mut len = 0;
    loop {
        let mut h = String::new();
        r.read_line(&mut h)?;
        if h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok(Request { method, path, body })
}

fn serve(
    mut s: TcpStream,
    state: &State,
    cfg: &Config,
    counter: &Mutex<u32>,
) -> std::io::Result<()> {
    let Request { method, path, body } = read_request(&s)?;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let served = Served {
        state,
        cfg,
        counter,
    };
    let (code, extra, text) = route(&method, &path, &body, &served);
    let reason = match code {
        200 => "OK",
        307 => "Temporary Redirect",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        _ => "Other",
    };
    let kind = if path == "/docs" {
        "text/html; charset=utf-8"
    } else {
        "application/json"
    };
    write!(
        s,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{text}",
        text.len()
    )?;
    s.flush()
}
