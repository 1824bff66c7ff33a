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

#![allow(dead_code)]

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
    let (code, extra, text) = route(&method, &path, &body, state, cfg, counter);
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

type Answer = (u16, String, String);

fn ok(v: Value) -> Answer {
    (200, String::new(), v.to_string())
}

/// The original's documented error body.
fn error(code: u16, slug: &str, message: &str, detail: Value) -> Answer {
    let body = json!({"error": slug, "message": message, "code": code, "detail": detail});
    (code, String::new(), body.to_string())
}

fn not_found(what: &str) -> Answer {
    error(
        404,
        "not_found",
        "Not found",
        json!(format!("{what} not found")),
    )
}

fn invalid(field: &str, msg: &str) -> Answer {
    let detail = json!([{"loc": ["body", field], "msg": msg, "type": "value_error"}]);
    error(422, "validation_error", "Validation failed", detail)
}

/// The instruction of a create (5..=2000 after trimming) or a job (1..=2000).
fn instruction(body: &Value, min: usize) -> Result<String, Answer> {
    let Some(text) = body.get("instruction").and_then(Value::as_str) else {
        return Err(invalid("instruction", "Field required"));
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid("instruction", "instruction must not be empty"));
    }
    if !(min..=2000).contains(&text.chars().count()) {
        return Err(invalid(
            "instruction",
            &format!("instruction must have {min} to 2000 characters"),
        ));
    }
    Ok(text.to_owned())
}

/// A synchronous job holds its POST open while the worker runs (`sleep_seconds=N`, capped
/// so a test never waits long).
fn worker_sleep(instr: &str) {
    let secs = instr
        .split("sleep_seconds=")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    std::thread::sleep(Duration::from_secs(secs.min(3)));
}

fn route(
    method: &str,
    path: &str,
    body: &Value,
    state: &State,
    cfg: &Config,
    counter: &Mutex<u32>,
) -> Answer {
    match (method, path) {
        ("GET", "/docs") => return (200, String::new(), "<html>docs</html>".into()),
        ("GET", "/openapi.json") => {
            let mut doc = openapi();
            if cfg.openapi_size_as_string {
                doc["components"]["schemas"]["FileEntry"]["properties"]["size"] =
                    json!({"type": "string"});
            }
            return ok(doc);
        }
        ("GET", "/healthz") if cfg.healthz => {
            return ok(json!({"status": "ok", "mode": if cfg.mocked {"mocked"} else {"live"}}))
        }
        ("POST", "/api/v1/projects/") if cfg.redirect_slash => {
            return (307, "Location: /api/v1/projects\r\n".into(), String::new())
        }
        // FastAPI's slash redirect, at routing: before the body is read.
        ("POST", "/api/v1/projects") if !cfg.redirect_slash => {
            return (307, "Location: /api/v1/projects/\r\n".into(), String::new())
        }
        ("POST", "/api/v1/projects/") | ("POST", "/api/v1/projects") => {
            if path == "/api/v1/projects" {
                *counter.lock().unwrap() += 1;
            }
            let instruction = match instruction(body, 5) {
                Ok(i) => i,
                Err(answer) => return answer,
            };
            worker_sleep(&instruction);
            let mut world = state.lock().unwrap();
            let id = format!("00000000-0000-4000-8000-{:012}", world.projects.len() + 1);
            let now = world.now();
            let mut p = Project {
                instruction: instruction.clone(),
                created_at: now,
                ..Default::default()
            };
            run_job(
                &mut world,
                &mut p,
                &id,
                "initial_project",
                &instruction,
                cfg,
            );
            let summary = project_summary(&id, &p);
            world.projects.insert(id, p);
            return ok(summary);
        }
        _ => {}
    }
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return not_found("Route");
    };
    let seg: Vec<&str> = rest.splitn(3, '/').collect();
    if seg[0] == "projects" && seg.len() == 2 {
        let world = state.lock().unwrap();
        return match world.projects.get(seg[1]) {
            Some(p) => {
                let mut v = project_summary(seg[1], p);
                v["jobs"] = json!(p.jobs);
                v["workspace_path"] = json!(format!("/app/workspaces/{}", seg[1]));
                ok(v)
            }
            None => not_found("Project"),
        };
    }
    if method == "POST" && seg.get(1) == Some(&"jobs") && seg.len() == 2 {
        let job_type = body.get("job_type").and_then(Value::as_str).unwrap_or("");
        if !matches!(job_type, "initial_project" | "edit") {
            return invalid("job_type", "Input should be 'initial_project' or 'edit'");
        }
        let instr = match instruction(body, 1) {
            Ok(i) => i,
            Err(answer) => return answer,
        };
        worker_sleep(&instr);
        let mut world = state.lock().unwrap();
        let Some(mut p) = world.projects.remove(seg[0]) else {
            return not_found("Project");
        };
        let job = run_job(&mut world, &mut p, seg[0], job_type, &instr, cfg);
        world.projects.insert(seg[0].to_owned(), p);
        return ok(job);
    }
    let world = state.lock().unwrap();
    let Some(p) = world.projects.get(seg[0]) else {
        return not_found("Project");
    };
    match (method, seg.get(1).copied(), seg.get(2).copied()) {
        ("GET", Some("files"), None) => {
            let mut files: Vec<Value> = p
                .files
                .iter()
                .map(|(k, v)| json!({"path": k, "size": v.len()}))
                .collect();
            if let Some(secret) = &cfg.echo_secret {
                files.push(json!({"path": format!("leak-{secret}.txt"), "size": 1}));
            }
            ok(json!({ "files": files }))
        }
        ("GET", Some("files"), Some(f)) => match p.files.get(f) {
            Some(c) => ok(json!({"path": f, "contents": c})),
            None => not_found("File"),
        },
        ("GET", Some("jobs"), Some(j)) => match p.jobs.iter().find(|x| x["id"] == j) {
            Some(x) => {
                let mut detail = x.clone();
                detail["result_path"] =
                    json!(format!("/app/workspaces/{}/.codex/result.json", seg[0]));
                detail["logs_path"] = Value::Null;
                ok(detail)
            }
            None => not_found("Job"),
        },
        _ => not_found("Route"),
    }
}

fn project_summary(id: &str, p: &Project) -> Value {
    json!({"id": id, "instruction": p.instruction, "status": p.status, "summary": p.summary,
           "created_at": p.created_at, "updated_at": p.updated_at})
}

/// Runs a job synchronously like the original worker (no job_id in result.json).
fn run_job(
    world: &mut World,
    p: &mut Project,
    pid: &str,
    job_type: &str,
    instr: &str,
    cfg: &Config,
) -> Value {
    let jid = format!("{pid}-j{}", p.jobs.len() + 1);
    let created_at = world.now();
    p.files.insert(
        ".codex/request.json".into(),
        json!({"project_id": pid, "job_id": jid, "job_type": job_type, "instruction": instr})
            .to_string(),
    );
    let crashed = job_type == "edit"
        && (cfg.edit_error_keeps_result
            || (cfg.crash_refactor && instr.to_lowercase().contains("refactor"))
            || p.jobs.iter().filter(|j| j["job_type"] == "edit").count() < cfg.failing_edits);
    let result: Option<String> = if cfg.mocked {
        // The dummy worker: the same three files, the same fixed result, every job.
        for (f, c) in [
            ("README.md", README),
            ("app.py", APP_PY),
            ("tests/test_cli.py", TEST_PY),
        ] {
            p.files.insert(f.into(), c.into());
        }
        Some(DUMMY_RESULT.into())
    } else if crashed {
        None
    } else {
        let logs = [
            "OPENAI_API_KEY=absent",
            "OPENAI_ORG_ID=absent",
            "OPENAI_PROJECT=absent",
        ];
        let stamp = format!("{}Z", world.now());
        Some(
            if instr.contains("force_error") {
                json!({"status": "error", "summary": "Forced error requested", "created_files": [],
                       "modified_files": [], "errors": ["forced_error"], "logs": logs,
                       "timestamp": stamp})
            } else if job_type == "initial_project" {
                p.files.insert("README.md".into(), README.into());
                p.files.insert("app.py".into(), APP_PY.into());
                p.files.insert("tests/test_cli.py".into(), TEST_PY.into());
                json!({"status": "success", "summary": cfg.summary.as_deref().unwrap_or("Generated a minimal CLI"),
                       "created_files": ["README.md", "app.py", "tests/test_cli.py"],
                       "modified_files": [], "errors": [], "logs": logs, "timestamp": stamp})
            } else {
                p.files
                    .entry("app.py".into())
                    .or_default()
                    .push_str(&format!("# change: {instr}\n"));
                json!({"status": "success", "summary": "Appended a note", "created_files": [],
                       "modified_files": ["app.py"], "errors": [], "logs": logs,
                       "timestamp": stamp})
            }
            .to_string(),
        )
    };
    // The original: `completed` whenever the worker exited 0 and a result exists, whatever
    // that result says; a crash leaves the previous result.json in place.
    let status = match &result {
        Some(r) => {
            p.summary = serde_json::from_str::<Value>(r)
                .ok()
                .and_then(|v| v["summary"].as_str().map(str::to_owned));
            p.files.insert(".codex/result.json".into(), r.clone());
            "completed"
        }
        None => "error",
    };
    p.status = status.into();
    let updated_at = world.now();
    p.updated_at = updated_at.clone();
    let job = json!({"id": jid, "project_id": pid, "job_type": job_type, "instruction": instr,
                     "status": status, "created_at": created_at, "updated_at": updated_at});
    p.jobs.push(job.clone());
    job
}

/// FastAPI's document for the responses above (OpenAPI 3.1: optional fields as
/// `anyOf [T, null]`, models under `components/schemas`).
pub fn openapi() -> Value {
    let error = json!({"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}});
    let model = |name: &str| json!({"description": "Successful Response", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}});
    let param = |name: &str| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "title": name}});
    let nullable_string = json!({"anyOf": [{"type": "string"}, {"type": "null"}]});
    let status = json!({"type": "string", "enum": ["queued", "in_progress", "completed", "error"]});
    let job_props = json!({
        "id": {"type": "string"}, "project_id": {"type": "string"},
        "job_type": {"type": "string", "enum": ["initial_project", "edit"]},
        "instruction": {"type": "string"}, "status": status,
        "created_at": {"type": "string"}, "updated_at": {"type": "string"}
    });
    let mut job_detail_props = job_props.clone();
    job_detail_props["result_path"] = nullable_string.clone();
    job_detail_props["logs_path"] = nullable_string.clone();
    let job_required = json!([
        "id",
        "project_id",
        "job_type",
        "instruction",
        "status",
        "created_at",
        "updated_at"
    ]);
    let project_props = json!({
        "id": {"type": "string"}, "instruction": {"type": "string"}, "status": status,
        "summary": nullable_string, "created_at": {"type": "string"}, "updated_at": {"type": "string"}
    });
    let mut detail_props = project_props.clone();
    detail_props["workspace_path"] = json!({"type": "string"});
    detail_props["jobs"] =
        json!({"type": "array", "items": {"$ref": "#/components/schemas/JobSummary"}});
    let project_required = json!(["id", "instruction", "status", "created_at", "updated_at"]);
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Codex Workspace Orchestrator", "version": "0.1.0"},
        "paths": {
            "/api/v1/projects/": {"post": {"operationId": "create_project_api_v1_projects__post",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProjectCreate"}}}},
                "responses": {"200": model("ProjectSummary"), "422": error}}},
            "/api/v1/projects/{project_id}": {"get": {"operationId": "get_project_api_v1_projects__project_id__get",
                "parameters": [param("project_id")],
                "responses": {"200": model("ProjectDetail"), "404": error, "422": error}}},
            "/api/v1/{project_id}/files": {"get": {"operationId": "list_files_api_v1__project_id__files_get",
                "parameters": [param("project_id")],
                "responses": {"200": model("FileListResponse"), "404": error, "422": error}}},
            "/api/v1/{project_id}/files/{file_path}": {"get": {"operationId": "get_file_api_v1__project_id__files__file_path__get",
                "parameters": [param("project_id"), param("file_path")],
                "responses": {"200": model("FileContentResponse"), "400": error, "404": error, "422": error}}},
            "/api/v1/{project_id}/jobs": {"post": {"operationId": "create_job_api_v1__project_id__jobs_post",
                "parameters": [param("project_id")],
                "responses": {"200": model("JobSummary"), "404": error, "422": error}}},
            "/api/v1/{project_id}/jobs/{job_id}": {"get": {"operationId": "get_job_api_v1__project_id__jobs__job_id__get",
                "parameters": [param("project_id"), param("job_id")],
                "responses": {"200": model("JobDetail"), "404": error, "422": error}}}
        },
        "components": {"schemas": {
            "ProjectCreate": {"type": "object", "required": ["instruction"], "properties": {"instruction": {"type": "string"}}},
            "ProjectSummary": {"type": "object", "required": project_required, "properties": project_props},
            "ProjectDetail": {"type": "object", "required": project_required, "properties": detail_props},
            "JobSummary": {"type": "object", "required": job_required, "properties": job_props},
            "JobDetail": {"type": "object", "required": job_required, "properties": job_detail_props},
            "FileEntry": {"type": "object", "required": ["path", "size"], "properties": {"path": {"type": "string"}, "size": {"type": "integer"}}},
            "FileListResponse": {"type": "object", "required": ["files"], "properties": {"files": {"type": "array", "items": {"$ref": "#/components/schemas/FileEntry"}}}},
            "FileContentResponse": {"type": "object", "required": ["path", "contents"], "properties": {"path": {"type": "string"}, "contents": {"type": "string"}}},
            "ErrorResponse": {"type": "object", "required": ["error", "message", "code"], "properties": {
                "error": {"type": "string"}, "message": {"type": "string"}, "code": {"type": "integer"},
                "detail": {}, "correlation_id": {"type": "string"}}}
        }}
    })
}
