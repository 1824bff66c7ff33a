//! A test double of another backend honouring CONTRACT.md the way the original does:
//! jobs run synchronously (the POST answers when the job is over), result.json carries no
//! `job_id` and the previous result stays in place, no `/healthz`. Options make it
//! misbehave in the ways the suite must notice. Plain std HTTP/1.1, one thread per
//! connection, `Connection: close`.

#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct Config {
    /// Mocked mode: the dummy worker's result (logs say so).
    pub mocked: bool,
    /// Serve `/healthz` (the original does not).
    pub healthz: bool,
    /// Answer `POST /projects/` with a 307 to `/projects` (the client must keep the body).
    pub redirect_slash: bool,
    /// Edit jobs end in `error` and leave the previous result.json in place.
    pub edit_error_keeps_result: bool,
    /// The first N edit jobs of each project behave like `edit_error_keeps_result`.
    pub failing_edits: usize,
    /// Put this value into a listed file name (a backend that leaks a secret).
    pub echo_secret: Option<String>,
    /// The initial job's `summary` (default "Generated a minimal CLI"): hostile text.
    pub summary: Option<String>,
}

#[derive(Default)]
struct Project {
    instruction: String,
    status: String,
    files: BTreeMap<String, String>,
    jobs: Vec<Value>,
}

pub struct Fake {
    pub url: String,
    pub posts_after_redirect: Arc<Mutex<u32>>,
}

type State = Arc<Mutex<BTreeMap<String, Project>>>;

pub fn start(config: Config) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state: State = Arc::default();
    let redirected = Arc::new(Mutex::new(0));
    let counter = redirected.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (state, config, counter) = (state.clone(), config.clone(), counter.clone());
            std::thread::spawn(move || {
                let _ = serve(stream, &state, &config, &counter);
            });
        }
    });
    Fake {
        url,
        posts_after_redirect: redirected,
    }
}

fn serve(
    mut s: TcpStream,
    state: &State,
    cfg: &Config,
    counter: &Mutex<u32>,
) -> std::io::Result<()> {
    let mut r = BufReader::new(s.try_clone()?);
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
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (code, extra, text) = route(&method, &path, &body, state, cfg, counter);
    let reason = match code {
        200 => "OK",
        307 => "Temporary Redirect",
        404 => "Not Found",
        _ => "Other",
    };
    write!(
        s,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{text}",
        text.len()
    )?;
    s.flush()
}

fn not_found(what: &str) -> (u16, String, String) {
    (
        404,
        String::new(),
        json!({"error": "not_found", "message": what, "code": 404}).to_string(),
    )
}

fn route(
    method: &str,
    path: &str,
    body: &Value,
    state: &State,
    cfg: &Config,
    counter: &Mutex<u32>,
) -> (u16, String, String) {
    let ok = |v: Value| (200, String::new(), v.to_string());
    match (method, path) {
        ("GET", "/docs") => return (200, String::new(), "<html>docs</html>".into()),
        ("GET", "/healthz") if cfg.healthz => {
            return ok(json!({"status": "ok", "mode": if cfg.mocked {"mocked"} else {"live"}}))
        }
        ("POST", "/api/v1/projects/") if cfg.redirect_slash => {
            return (307, "Location: /api/v1/projects\r\n".into(), String::new())
        }
        ("POST", "/api/v1/projects/") | ("POST", "/api/v1/projects") => {
            if path == "/api/v1/projects" {
                *counter.lock().unwrap() += 1;
            }
            let instruction = body["instruction"].as_str().unwrap_or("").to_owned();
            let id = format!("p{}", state.lock().unwrap().len() + 1);
            let mut p = Project {
                instruction: instruction.clone(),
                ..Default::default()
            };
            run_job(&mut p, &id, "initial_project", &instruction, cfg);
            let summary = project_summary(&id, &p);
            state.lock().unwrap().insert(id, p);
            return ok(summary);
        }
        _ => {}
    }
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return not_found("route");
    };
    let seg: Vec<&str> = rest.splitn(3, '/').collect();
    let mut st = state.lock().unwrap();
    if seg[0] == "projects" && seg.len() == 2 {
        return match st.get(seg[1]) {
            Some(p) => {
                let mut v = project_summary(seg[1], p);
                v["jobs"] = json!(p.jobs);
                v["workspace_path"] = json!(format!("/w/{}", seg[1]));
                ok(v)
            }
            None => not_found("project"),
        };
    }
    let Some(p) = st.get_mut(seg[0]) else {
        return not_found("project");
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
            None => not_found("file"),
        },
        ("POST", Some("jobs"), None) => {
            let instr = body["instruction"].as_str().unwrap_or("").to_owned();
            let job = run_job(p, seg[0], "edit", &instr, cfg);
            ok(job)
        }
        ("GET", Some("jobs"), Some(j)) => match p.jobs.iter().find(|x| x["id"] == j) {
            Some(x) => ok(x.clone()),
            None => not_found("job"),
        },
        _ => not_found("route"),
    }
}

fn project_summary(id: &str, p: &Project) -> Value {
    json!({"id": id, "instruction": p.instruction, "status": p.status, "summary": null,
           "created_at": "2025-11-14T17:14:05Z", "updated_at": "2025-11-14T17:14:05Z"})
}

/// Runs a job synchronously like the original worker (no job_id in result.json).
fn run_job(p: &mut Project, pid: &str, job_type: &str, instr: &str, cfg: &Config) -> Value {
    let jid = format!("{pid}-j{}", p.jobs.len() + 1);
    p.files.insert(
        ".codex/request.json".into(),
        json!({"project_id": pid, "job_id": jid, "job_type": job_type, "instruction": instr})
            .to_string(),
    );
    let mut logs = vec![
        "OPENAI_API_KEY=absent".to_string(),
        "OPENAI_ORG_ID=absent".into(),
        "OPENAI_PROJECT=absent".into(),
    ];
    if cfg.mocked {
        logs.push("dummy worker used (USE_DUMMY_WORKER=True)".into());
    }
    let stamp = format!("2025-11-14T17:14:{:02}Z", p.jobs.len());
    let result = if instr.contains("force_error") {
        Some(
            json!({"status": "error", "summary": "forced error", "errors": ["forced_error"], "logs": logs, "timestamp": stamp}),
        )
    } else if job_type == "initial_project" {
        p.files.insert("README.md".into(), "# CLI\n".into());
        p.files.insert(
            "app.py".into(),
            "def fibonacci(n):\n    return n if n < 2 else fibonacci(n-1) + fibonacci(n-2)\n"
                .into(),
        );
        p.files
            .insert("tests/test_cli.py".into(), "def test(): pass\n".into());
        Some(
            json!({"status": "success", "summary": cfg.summary.as_deref().unwrap_or("Generated a minimal CLI"), "logs": logs, "timestamp": stamp,
                    "created_files": ["README.md", "app.py", "tests/test_cli.py"]}),
        )
    } else if cfg.edit_error_keeps_result
        || p.jobs.iter().filter(|j| j["job_type"] == "edit").count() < cfg.failing_edits
    {
        None
    } else {
        p.files
            .get_mut("app.py")
            .unwrap()
            .push_str(&format!("# change: {instr}\n"));
        Some(
            json!({"status": "success", "summary": "Appended a note", "logs": logs, "timestamp": stamp,
                    "modified_files": ["app.py"]}),
        )
    };
    let status = match &result {
        Some(r) if r["status"] == "success" => "completed",
        _ => "error",
    };
    if let Some(r) = result {
        p.files.insert(".codex/result.json".into(), r.to_string());
    }
    p.status = status.into();
    let job = json!({"id": jid, "project_id": pid, "job_type": job_type, "instruction": instr,
                     "status": status, "created_at": stamp, "updated_at": stamp,
                     "result_path": null, "logs_path": null});
    p.jobs.push(job.clone());
    job
}
