//! Every endpoint of CONTRACT.md in-process in mocked mode (`USE_DUMMY_WORKER=True`), which
//! is also the M01–M04 smoke path of the suite. Errors: `errors.rs`, `validation.rs`.

use crate::app::App;
use serde_json::{json, Value};

#[tokio::test]
async fn health_docs_and_openapi() {
    let s = App::mocked().await;
    let h = s.get("/healthz").await;
    assert_eq!(h.json(), json!({"status": "ok", "mode": "mocked"}));

    let docs = s.get("/docs").await;
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
        let doc = s.get(path).await.json();
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

/// The dummy worker's three files and the request and result, listed with sizes; app.py
/// as written.
async fn assert_dummy_files(s: &App, pid: &str) {
    let files = s.list_files(pid).await;
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

    let app = s.get(&format!("/api/v1/{pid}/files/app.py")).await.json();
    assert_eq!(app["path"], "app.py");
    let code = app["contents"].as_str().unwrap();
    assert!(
        code.contains("def fibonacci(n)") && code.contains("fibonacci(10)"),
        "{code}"
    );
}

/// The dummy worker's result: its files, the job's id, the secrets' presence and its mark.
fn assert_dummy_result(s: &App, pid: &str, j1: &str) {
    let result = s.read_result(pid);
    assert_eq!(result["status"], "success");
    assert_eq!(
        result["created_files"],
        json!(["README.md", "app.py", "tests/test_cli.py"])
    );
    assert_eq!(result["job_id"], j1);
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
}

/// An edit in mocked mode completes, modifies app.py and archives the previous result.
async fn assert_edit_archives_the_previous_result(s: &App, pid: &str, j1: &str) {
    let ws = s.workspace(pid);
    let j2 = s.create_job(pid, "edit", "Add a --count flag").await;
    let job = s.wait_job(pid, &j2).await;
    assert_eq!(job["status"], "completed", "{job}");
    let result = s.read_result(pid);
    assert_eq!(result["modified_files"], json!(["app.py"]));
    assert_eq!(result["job_id"], j2.as_str());
    let app = s.get(&format!("/api/v1/{pid}/files/app.py")).await.json();
    assert!(app["contents"]
        .as_str()
        .unwrap()
        .contains("Add a --count flag"));
    assert!(ws.join(format!(".codex/history/{j1}/result.json")).exists());
    let first = s.get(&format!("/api/v1/{pid}/jobs/{j1}")).await.json();
    assert!(first["result_path"]
        .as_str()
        .unwrap()
        .contains(&format!("history/{j1}")));
    let detail = s.get(&format!("/api/v1/projects/{pid}")).await.json();
    let ids: Vec<&str> = detail["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [j1, j2.as_str()]);
}

/// M01–M04 in miniature: create, list, read, edit; the dummy worker's logs and history.
#[tokio::test]
async fn mocked_mode_end_to_end() {
    let s = App::mocked().await;
    let r = s
        .post(
            "/api/v1/projects/",
            &json!({"instruction": "  Create a fibonacci CLI  "}),
        )
        .await;
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

    let j1 = s.initial_job(&pid).await;
    let job = s.wait_job(&pid, &j1).await;
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["job_type"], "initial_project");
    assert!(job.get("error").is_none(), "{job}");
    assert!(job["result_path"]
        .as_str()
        .unwrap()
        .ends_with(".codex/result.json"));

    let detail = s.get(&format!("/api/v1/projects/{pid}")).await.json();
    assert_eq!(detail["status"], "completed");
    assert!(detail["summary"].as_str().unwrap().contains("dummy worker"));
    assert_eq!(detail["workspace_path"], ws.display().to_string());
    assert_eq!(detail["jobs"].as_array().unwrap().len(), 1);

    assert_dummy_files(&s, &pid).await;

    assert_dummy_result(&s, &pid, &j1);

    assert_edit_archives_the_previous_result(&s, &pid, &j1).await;
}

#[tokio::test]
async fn projects_without_the_trailing_slash_create_too() {
    let s = App::mocked().await;
    let r = s
        .post("/api/v1/projects", &json!({"instruction": "make a cli"}))
        .await;
    // A backend may answer 307 to /projects/ (the original does); ours creates directly.
    match r.status {
        200 => assert_eq!(r.json()["status"], "queued"),
        307 => assert!(r.header("location").unwrap().ends_with("/projects/")),
        other => panic!("unexpected {other}: {}", r.text()),
    }
    assert_eq!(r.status, 200, "this backend creates on /projects");
}

#[tokio::test]
async fn odd_files_get_a_clear_4xx() {
    let s = App::mocked().await;
    let pid = s.create_project("make a cli").await;
    s.wait_job(&pid, &s.initial_job(&pid).await).await;
    let ws = s.workspace(&pid);
    std::fs::write(ws.join("blob.bin"), [0xffu8, 0xfe, 0x00, 0x80]).unwrap();
    std::fs::write(ws.join("huge.txt"), vec![b'a'; 2 * 1024 * 1024 + 1]).unwrap();
    let b = s
        .get(&format!("/api/v1/{pid}/files/blob.bin"))
        .await
        .assert_error(400, "bad_request");
    assert!(b["hint"].as_str().unwrap().contains("UTF-8"), "{b}");
    let b = s
        .get(&format!("/api/v1/{pid}/files/huge.txt"))
        .await
        .assert_error(400, "bad_request");
    assert!(b["hint"].as_str().unwrap().contains("2097152"), "{b}");
    s.get(&format!("/api/v1/{pid}/files/tests"))
        .await
        .assert_error(400, "bad_request");
    // Percent-encoded names are decoded once: a file literally named "a b.txt".
    std::fs::write(ws.join("a b.txt"), "spaced").unwrap();
    let r = s
        .get(&format!("/api/v1/{pid}/files/a%20b.txt"))
        .await
        .json();
    assert_eq!(r["contents"], "spaced");
}
