//! What the double answers: each route as the original answers it, and its synchronous jobs.

use super::*;

pub(super) type Answer = (u16, String, String);

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

/// What one request may touch: the projects, the double's settings and the count of
/// POSTs that came without the trailing slash.
pub(super) struct Served<'a> {
    pub state: &'a State,
    pub cfg: &'a Config,
    pub counter: &'a Mutex<u32>,
}

pub(super) fn route(method: &str, path: &str, body: &Value, served: &Served) -> Answer {
    let cfg = served.cfg;
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
                *served.counter.lock().unwrap() += 1;
            }
            return create_project(body, served);
        }
        _ => {}
    }
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return not_found("Route");
    };
    let seg: Vec<&str> = rest.splitn(3, '/').collect();
    if seg[0] == "projects" && seg.len() == 2 {
        let world = served.state.lock().unwrap();
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
        return post_job(seg[0], body, served);
    }
    let world = served.state.lock().unwrap();
    let Some(p) = world.projects.get(seg[0]) else {
        return not_found("Project");
    };
    project_route(method, &seg, p, cfg)
}

/// `POST /projects/`: the project and its initial job, run before the answer.
fn create_project(body: &Value, served: &Served) -> Answer {
    let instruction = match instruction(body, 5) {
        Ok(i) => i,
        Err(answer) => return answer,
    };
    worker_sleep(&instruction);
    let mut world = served.state.lock().unwrap();
    let id = format!("00000000-0000-4000-8000-{:012}", world.projects.len() + 1);
    let now = world.now();
    let mut p = Project {
        instruction: instruction.clone(),
        created_at: now,
        ..Default::default()
    };
    let job_type = "initial_project";
    run_job(&mut world, &mut p, &id, job_type, &instruction, served.cfg);
    let summary = project_summary(&id, &p);
    world.projects.insert(id, p);
    ok(summary)
}

/// `POST /{pid}/jobs`: the job, run before the answer.
fn post_job(pid: &str, body: &Value, served: &Served) -> Answer {
    let job_type = body.get("job_type").and_then(Value::as_str).unwrap_or("");
    if !matches!(job_type, "initial_project" | "edit") {
        return invalid("job_type", "Input should be 'initial_project' or 'edit'");
    }
    let instr = match instruction(body, 1) {
        Ok(i) => i,
        Err(answer) => return answer,
    };
    worker_sleep(&instr);
    let mut world = served.state.lock().unwrap();
    let Some(mut p) = world.projects.remove(pid) else {
        return not_found("Project");
    };
    let job = run_job(&mut world, &mut p, pid, job_type, &instr, served.cfg);
    world.projects.insert(pid.to_owned(), p);
    ok(job)
}

/// The GETs under a project: `files`, `files/{path}`, `jobs/{id}`.
fn project_route(method: &str, seg: &[&str], p: &Project, cfg: &Config) -> Answer {
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
