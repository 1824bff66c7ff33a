//! Every endpoint and error shape of CONTRACT.md against the real binary in mocked mode
//! (`USE_DUMMY_WORKER=True`), which is also the M01–M04 smoke path of the suite.

mod common;

use common::{Opts, Server};
use serde_json::{json, Value};

#[test]
fn health_docs_and_openapi() {
    let s = Server::start(Opts::mocked());
    let h = s.get("/healthz");
    assert_eq!(h.json(), json!({"status": "ok", "mode": "mocked"}));

    let docs = s.get("/docs");
    assert_eq!(docs.status, 200);
    assert!(docs
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let page = docs.text();
    assert!(page.contains("/openapi.json") && page.contains("/api/v1/{project_id}/jobs"));
    assert!(
        !page.contains("<script src") && !page.contains("<link"),
        "self-contained"
    );

    for path in ["/openapi.json", "/api/v1/openapi.json"] {
        let doc = s.get(path).json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{path}");
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/healthz",
            "/api/v1/projects/",
            "/api/v1/projects/{project_id}",
            "/api/v1/{project_id}/files",
            "/api/v1/{project_id}/files/{path}",
            "/api/v1/{project_id}/jobs",
            "/api/v1/{project_id}/jobs/{job_id}",
        ] {
            assert!(paths.contains_key(p), "{p} missing from {path}");
        }
    }
}

/// M01–M04 in miniature: create, list, read, edit; the dummy worker's logs and history.
#[test]
fn mocked_mode_end_to_end() {
    let s = Server::start(Opts::mocked());
    let r = s.post(
        "/api/v1/projects/",
        &json!({"instruction": "  Create a fibonacci CLI  "}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.json();
    assert_eq!(p["status"], "queued");
    assert_eq!(p["instruction"], "Create a fibonacci CLI", "trimmed");
    assert_eq!(p["summary"], Value::Null);
    for k in ["id", "created_at", "updated_at"] {
        assert!(p[k].as_str().is_some_and(|v| !v.is_empty()), "{k}: {p}");
    }
    let pid = p["id"].as_str().unwrap().to_string();
    let ws = s.workspace(&pid);
    // request.json is on disk when the POST answers.
    let req: Value =
        serde_json::from_slice(&std::fs::read(ws.join(".codex/request.json")).unwrap()).unwrap();
    assert_eq!(req["project_id"], pid.as_str());
    assert_eq!(req["job_type"], "initial_project");

    let j1 = s.initial_job(&pid);
    let job = s.wait_job(&pid, &j1);
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["job_type"], "initial_project");
    assert!(job.get("error").is_none(), "{job}");
    assert!(job["result_path"]
        .as_str()
        .unwrap()
        .ends_with(".codex/result.json"));

    let detail = s.get(&format!("/api/v1/projects/{pid}")).json();
    assert_eq!(detail["status"], "completed");
    assert!(detail["summary"].as_str().unwrap().contains("dummy worker"));
    assert_eq!(detail["workspace_path"], ws.display().to_string());
    assert_eq!(detail["jobs"].as_array().unwrap().len(), 1);

    let files = s.list_files(&pid);
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for want in [
        ".codex/request.json",
        ".codex/result.json",
        "README.md",
        "app.py",
        "tests/test_cli.py",
    ] {
        assert!(paths.contains(&want), "{want} not in {paths:?}");
    }
    assert!(files.iter().all(|f| f.size > 0), "{files:?}");

    let app = s.get(&format!("/api/v1/{pid}/files/app.py")).json();
    assert_eq!(app["path"], "app.py");
    let code = app["contents"].as_str().unwrap();
    assert!(
        code.contains("def fibonacci(n)") && code.contains("fibonacci(10)"),
        "{code}"
    );

    let result = s.read_result(&pid);
    assert_eq!(result["status"], "success");
    assert_eq!(
        result["created_files"],
        json!(["README.md", "app.py", "tests/test_cli.py"])
    );
    assert_eq!(result["job_id"], j1.as_str());
    let logs: Vec<&str> = result["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    for want in [
        "OPENAI_API_KEY=absent",
        "OPENAI_ORG_ID=absent",
        "OPENAI_PROJECT=absent",
        "engine=dummy",
        "dummy worker used (USE_DUMMY_WORKER=True)",
    ] {
        assert!(logs.contains(&want), "{want} not in {logs:?}");
    }

    // Edit in mocked mode completes, modifies app.py, archives the previous result.
    let j2 = s.create_job(&pid, "edit", "Add a --count flag");
    let job = s.wait_job(&pid, &j2);
    assert_eq!(job["status"], "completed", "{job}");
    let result = s.read_result(&pid);
    assert_eq!(result["modified_files"], json!(["app.py"]));
    assert_eq!(result["job_id"], j2.as_str());
    let app = s.get(&format!("/api/v1/{pid}/files/app.py")).json();
    assert!(app["contents"]
        .as_str()
        .unwrap()
        .contains("Add a --count flag"));
    assert!(ws.join(format!(".codex/history/{j1}/result.json")).exists());
    let first = s.get(&format!("/api/v1/{pid}/jobs/{j1}")).json();
    assert!(first["result_path"]
        .as_str()
        .unwrap()
        .contains(&format!("history/{j1}")));
    let detail = s.get(&format!("/api/v1/projects/{pid}")).json();
    let ids: Vec<&str> = detail["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [j1.as_str(), j2.as_str()]);

    // One log line per request: method, path, status, milliseconds.
    let logs = s.logs();
    assert!(
        logs.iter().any(|l| l.contains("request")
            && l.contains("method=POST")
            && l.contains("path=/api/v1/projects/")
            && l.contains("status=200")
            && l.contains("ms=")),
        "{logs:#?}"
    );
}

#[test]
fn projects_without_the_trailing_slash_create_too() {
    let s = Server::start(Opts::mocked());
    let r = s.post("/api/v1/projects", &json!({"instruction": "make a cli"}));
    // A backend may answer 307 to /projects/ (the original does); ours creates directly.
    match r.status {
        200 => assert_eq!(r.json()["status"], "queued"),
        307 => assert!(r.header("location").unwrap().ends_with("/projects/")),
        other => panic!("unexpected {other}: {}", r.text()),
    }
    assert_eq!(r.status, 200, "this backend creates on /projects");
}

#[test]
fn error_shapes() {
    let s = Server::start(Opts::mocked());
    let pid = s.create_project("make a cli");

    // Unknown routes and methods: JSON, not axum's plain text.
    s.get("/nope").assert_error(404, "not_found");
    s.get("/api/v1/").assert_error(404, "not_found");
    s.request("DELETE", "/api/v1/projects/", None)
        .assert_error(405, "http_error");
    s.request("PUT", &format!("/api/v1/{pid}/jobs"), Some(b"{}"))
        .assert_error(405, "http_error");

    // Unknown project / job / file.
    let missing = "00000000-0000-0000-0000-000000000000";
    s.get(&format!("/api/v1/projects/{missing}"))
        .assert_error(404, "not_found");
    s.get(&format!("/api/v1/{missing}/files"))
        .assert_error(404, "not_found");
    s.get(&format!("/api/v1/{missing}/files/app.py"))
        .assert_error(404, "not_found");
    s.get(&format!("/api/v1/{missing}/jobs/{missing}"))
        .assert_error(404, "not_found");
    s.get(&format!("/api/v1/{pid}/jobs/{missing}"))
        .assert_error(404, "not_found");
    s.get(&format!("/api/v1/{pid}/files/no/such/file.txt"))
        .assert_error(404, "not_found");
    s.post(
        &format!("/api/v1/{missing}/jobs"),
        &json!({"job_type": "edit", "instruction": "x"}),
    )
    .assert_error(404, "not_found");

    // 422: malformed JSON, empty body, wrong types, out-of-range instructions.
    for (path, body) in [
        ("/api/v1/projects/", &b"{\"instruction\": "[..]),
        ("/api/v1/projects/", &b"not json"[..]),
        ("/api/v1/projects/", &b""[..]),
        ("/api/v1/projects/", &b"[]"[..]),
        ("/api/v1/projects/", &b"{\"instruction\": 5}"[..]),
        ("/api/v1/projects/", &b"{}"[..]),
    ] {
        let b = s
            .request("POST", path, Some(body))
            .assert_error(422, "validation_error");
        assert!(b["detail"].is_array(), "{b}");
    }
    let jobs = format!("/api/v1/{pid}/jobs");
    for body in [
        json!({"job_type": "delete", "instruction": "x"}),
        json!({"job_type": "edit", "instruction": "   "}),
        json!({"job_type": "edit", "instruction": "y".repeat(2001)}),
        json!({"instruction": "x"}),
    ] {
        s.post(&jobs, &body).assert_error(422, "validation_error");
    }
    for instruction in ["abc", "    ab    ", &"z".repeat(2001)] {
        let b = s
            .post("/api/v1/projects/", &json!({"instruction": instruction}))
            .assert_error(422, "validation_error");
        assert_eq!(b["detail"][0]["loc"], json!(["body", "instruction"]), "{b}");
    }
    // Exactly 5 and exactly 2000 characters (after trimming) are accepted.
    assert_eq!(
        s.post("/api/v1/projects/", &json!({"instruction": " abcde "}))
            .status,
        200
    );
    assert_eq!(
        s.post(
            "/api/v1/projects/",
            &json!({"instruction": "é".repeat(2000)})
        )
        .status,
        200
    );

    // 413 over 64 KiB.
    let big = json!({"instruction": "x".repeat(70 * 1024)}).to_string();
    s.request("POST", "/api/v1/projects/", Some(big.as_bytes()))
        .assert_error(413, "http_error");
    s.request("POST", &jobs, Some(big.as_bytes()))
        .assert_error(413, "http_error");

    // The server is still healthy after all of it.
    assert_eq!(s.get("/healthz").status, 200);
}

#[test]
fn odd_files_get_a_clear_4xx() {
    let s = Server::start(Opts::mocked());
    let pid = s.create_project("make a cli");
    s.wait_job(&pid, &s.initial_job(&pid));
    let ws = s.workspace(&pid);
    std::fs::write(ws.join("blob.bin"), [0xffu8, 0xfe, 0x00, 0x80]).unwrap();
    std::fs::write(ws.join("huge.txt"), vec![b'a'; 2 * 1024 * 1024 + 1]).unwrap();
    let b = s
        .get(&format!("/api/v1/{pid}/files/blob.bin"))
        .assert_error(400, "bad_request");
    assert!(b["message"].as_str().unwrap().contains("UTF-8"), "{b}");
    let b = s
        .get(&format!("/api/v1/{pid}/files/huge.txt"))
        .assert_error(400, "bad_request");
    assert!(b["message"].as_str().unwrap().contains("2097152"), "{b}");
    s.get(&format!("/api/v1/{pid}/files/tests"))
        .assert_error(400, "bad_request");
    // Percent-encoded names are decoded once: a file literally named "a b.txt".
    std::fs::write(ws.join("a b.txt"), "spaced").unwrap();
    let r = s.get(&format!("/api/v1/{pid}/files/a%20b.txt")).json();
    assert_eq!(r["contents"], "spaced");
}
