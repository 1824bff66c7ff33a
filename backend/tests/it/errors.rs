//! CONTRACT.md's error mapping, one test per row of its table, each over every route and
//! fallback that can answer it. `Resp::assert_error` checks the whole shape: slug, code,
//! the category's fixed `message`, `detail` (a string, the 422 list, none for 5xx) and
//! `correlation_id` equal to the `x-request-id` header.

use crate::app::App;
use axum::http::Method;
use serde_json::json;

const MISSING: &str = "00000000-0000-0000-0000-000000000000";

/// `(method, uri, body)` cases that must all answer `code` with `slug`.
async fn expect_all(s: &App, code: u16, slug: &str, cases: &[(Method, String, Option<Vec<u8>>)]) {
    for (method, uri, body) in cases {
        let r = s.request(method.clone(), uri, body.as_deref()).await;
        assert_eq!(r.status, code, "{method} {uri}: {}", r.text());
        r.assert_error(code, slug);
    }
}

fn get(uri: String) -> (Method, String, Option<Vec<u8>>) {
    (Method::GET, uri, None)
}

fn post(uri: String, body: &[u8]) -> (Method, String, Option<Vec<u8>>) {
    (Method::POST, uri, Some(body.to_vec()))
}

#[tokio::test]
async fn row_400_bad_request() {
    let s = App::mocked().await;
    let pid = s.finished_project().await;
    let b = s
        .get(&format!("/api/v1/{pid}/files/..%2Fx"))
        .await
        .assert_error(400, "bad_request");
    assert_eq!(b["detail"], "Invalid path", "{b}");
    assert!(b["hint"].as_str().unwrap().contains("../x"), "{b}");
    expect_all(
        &s,
        400,
        "bad_request",
        &[
            get(format!("/api/v1/{pid}/files/tests")), // a directory
            get(format!("/api/v1/{pid}/files/%2Fetc%2Fpasswd")),
            // Path parameters that do not decode to UTF-8, on every route that has one.
            get("/api/v1/projects/%ff".into()),
            get("/api/v1/%ff/files".into()),
            get("/api/v1/%ff/files/app.py".into()),
            get(format!("/api/v1/{pid}/jobs/%ff")),
            post(
                "/api/v1/%ff/jobs".into(),
                br#"{"job_type":"edit","instruction":"x"}"#,
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn row_404_not_found() {
    let s = App::mocked().await;
    let pid = s.finished_project().await;
    let b = s
        .get(&format!("/api/v1/projects/{MISSING}"))
        .await
        .assert_error(404, "not_found");
    assert_eq!(b["detail"], "Project not found", "{b}");
    expect_all(
        &s,
        404,
        "not_found",
        &[
            // Fallback: unknown routes.
            get("/nope".into()),
            get("/api/v1/".into()),
            get(format!("/api/v1/projects/{pid}/extra")),
            // Unknown project, job or file on every route.
            get(format!("/api/v1/{MISSING}/files")),
            get(format!("/api/v1/{MISSING}/files/app.py")),
            get(format!("/api/v1/{MISSING}/jobs/{MISSING}")),
            get(format!("/api/v1/{pid}/jobs/{MISSING}")),
            get(format!("/api/v1/{pid}/files/no/such/file.txt")),
            post(
                format!("/api/v1/{MISSING}/jobs"),
                br#"{"job_type":"edit","instruction":"x"}"#,
            ),
        ],
    )
    .await;
}

/// The original's `detail` strings, character for character (its tests and clients compare
/// them); what is missing and why goes into `hint`.
#[tokio::test]
async fn not_found_and_invalid_path_details_are_the_originals_with_the_specifics_in_hint() {
    let s = App::mocked().await;
    let pid = s.finished_project().await;
    for (uri, detail, named) in [
        (
            format!("/api/v1/projects/{MISSING}"),
            "Project not found",
            MISSING,
        ),
        (
            format!("/api/v1/{MISSING}/files"),
            "Project not found",
            MISSING,
        ),
        (
            format!("/api/v1/{MISSING}/files/app.py"),
            "Project not found",
            MISSING,
        ),
        (
            format!("/api/v1/{MISSING}/jobs/{MISSING}"),
            "Project not found",
            MISSING,
        ),
        (
            format!("/api/v1/{pid}/jobs/{MISSING}"),
            "Job not found",
            MISSING,
        ),
        (
            format!("/api/v1/{pid}/files/nope.py"),
            "File not found",
            "nope.py",
        ),
        (
            format!("/api/v1/{pid}/files/..%2Fx"),
            "Invalid path",
            "../x",
        ),
        (
            format!("/api/v1/{pid}/files/tests"),
            "Invalid path",
            "directory",
        ),
        (format!("/api/v1/{pid}/files/%ff"), "Invalid path", "UTF-8"),
    ] {
        let (code, slug) = if detail == "Invalid path" {
            (400, "bad_request")
        } else {
            (404, "not_found")
        };
        let b = s.get(&uri).await.assert_error(code, slug);
        assert_eq!(b["detail"], detail, "{uri}: {b}");
        assert!(b["hint"].as_str().unwrap().contains(named), "{uri}: {b}");
    }
    let r = s
        .post(
            &format!("/api/v1/{MISSING}/jobs"),
            &json!({"job_type": "edit", "instruction": "x"}),
        )
        .await;
    let b = r.assert_error(404, "not_found");
    let mut keys: Vec<&str> = b.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "code",
            "correlation_id",
            "detail",
            "error",
            "hint",
            "message"
        ],
        "{b}"
    );
    assert_eq!(b["detail"], "Project not found", "{b}");
}

#[tokio::test]
async fn row_422_validation_error() {
    let s = App::mocked().await;
    let pid = s.finished_project().await;
    let jobs = format!("/api/v1/{pid}/jobs");
    let mut cases = Vec::new();
    for uri in ["/api/v1/projects/", "/api/v1/projects", jobs.as_str()] {
        for body in [&b""[..], b"not json", b"[\"hello world\"]", b"{}"] {
            cases.push(post(uri.to_string(), body));
        }
    }
    expect_all(&s, 422, "validation_error", &cases).await;
    let b = s
        .post("/api/v1/projects/", &json!({"instruction": "abc"}))
        .await
        .assert_error(422, "validation_error");
    assert_eq!(b["detail"][0]["loc"], json!(["body", "instruction"]), "{b}");
}

#[tokio::test]
async fn row_5xx_internal_error_hides_the_cause() {
    let s = App::mocked().await;
    let pid = s.finished_project().await;
    // A workspace that is a file, not a directory: listing it fails inside the backend.
    let ws = s.workspace(&pid);
    std::fs::remove_dir_all(&ws).unwrap();
    std::fs::write(&ws, "not a directory").unwrap();
    let b = s
        .get(&format!("/api/v1/{pid}/files"))
        .await
        .assert_error(500, "internal_error");
    let text = b.to_string();
    assert!(
        !text.contains(&ws.display().to_string()) && !text.contains("directory"),
        "internals leaked: {b}"
    );
}

#[tokio::test]
async fn other_statuses_are_http_error_with_the_reason_in_detail() {
    let s = App::mocked().await;
    let pid = s.finished_project().await;
    let method = |m: Method, uri: String| (m, uri, None);
    // Fallback: a known route with a method it does not serve.
    expect_all(
        &s,
        405,
        "http_error",
        &[
            method(Method::DELETE, "/api/v1/projects/".into()),
            method(Method::GET, "/api/v1/projects/".into()),
            method(Method::PUT, format!("/api/v1/{pid}/jobs")),
            method(Method::DELETE, format!("/api/v1/projects/{pid}")),
            method(Method::POST, "/healthz".into()),
            method(Method::OPTIONS, "/api/v1/projects/".into()), // no CORS preflight
        ],
    )
    .await;
    // Oversized bodies on every route that takes one.
    let big = json!({"job_type": "edit", "instruction": "x".repeat(70 * 1024)}).to_string();
    let big = big.as_bytes();
    expect_all(
        &s,
        413,
        "http_error",
        &[
            post("/api/v1/projects/".into(), big),
            post("/api/v1/projects".into(), big),
            post(format!("/api/v1/{pid}/jobs"), big),
        ],
    )
    .await;
    // Over-long URIs (a file path of 9000 characters, a long query).
    expect_all(
        &s,
        414,
        "http_error",
        &[
            get(format!("/api/v1/{pid}/files/{}", "a".repeat(9000))),
            get(format!("/healthz?{}", "q".repeat(9000))),
        ],
    )
    .await;
    let b = s
        .request(Method::DELETE, "/api/v1/projects/", None)
        .await
        .json();
    assert_eq!(b["message"], "Method Not Allowed", "{b}");
    assert_eq!(b["detail"], "Method Not Allowed", "{b}");
    assert!(b["hint"].as_str().unwrap().contains("/docs"), "{b}");
}
