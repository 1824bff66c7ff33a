//! CONTRACT.md's validation rules, one test each: every 422 lists `{loc, msg, type}` items
//! whose `loc` ends in the field (or is `["body"]` for the body as a whole) and whose
//! `type` is a stable slug.

use crate::app::App;
use serde_json::{json, Value};

/// POSTs `body` (raw bytes) to `uri`, expects a 422 and returns `(loc, type, msg)` items.
async fn failures(s: &App, uri: &str, body: &[u8]) -> Vec<(Value, String, String)> {
    let r = s.request(axum::http::Method::POST, uri, Some(body)).await;
    let b = r.assert_error(422, "validation_error");
    b["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["loc"].clone(),
                d["type"].as_str().unwrap().to_string(),
                d["msg"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn field(name: &str) -> Value {
    json!(["body", name])
}

fn project_count(s: &App) -> usize {
    std::fs::read_dir(s.workspace("x").parent().unwrap())
        .unwrap()
        .count()
}

#[tokio::test]
async fn the_project_instruction_is_trimmed_and_5_to_2000_characters() {
    let s = App::mocked().await;
    for (instruction, kind) in [
        ("abc", "string_too_short"),
        ("    ab    ", "string_too_short"),
        (&"z".repeat(2001), "string_too_long"),
    ] {
        let body = json!({"instruction": instruction}).to_string();
        let f = failures(&s, "/api/v1/projects/", body.as_bytes()).await;
        assert_eq!(
            (&f[0].0, f[0].1.as_str()),
            (&field("instruction"), kind),
            "{f:?}"
        );
        assert!(f[0].2.contains("5..=2000"), "{f:?}");
    }
    // Exactly 5 and exactly 2000 characters (after trimming) are accepted, trimmed.
    let r = s
        .post("/api/v1/projects/", &json!({"instruction": " abcde "}))
        .await;
    assert_eq!(r.json()["instruction"], "abcde");
    let r = s
        .post(
            "/api/v1/projects/",
            &json!({"instruction": "é".repeat(2000)}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn a_whitespace_only_instruction_must_not_be_empty() {
    let s = App::mocked().await;
    let pid = s.create_project("make a cli").await;
    for (uri, body) in [
        (
            "/api/v1/projects/".to_string(),
            json!({"instruction": "   \n\t "}),
        ),
        (
            format!("/api/v1/{pid}/jobs"),
            json!({"job_type": "edit", "instruction": "   "}),
        ),
    ] {
        let f = failures(&s, &uri, body.to_string().as_bytes()).await;
        assert_eq!(f[0].0, field("instruction"), "{f:?}");
        assert!(f[0].2.contains("instruction must not be empty"), "{f:?}");
    }
}

#[tokio::test]
async fn the_job_instruction_is_1_to_2000_characters() {
    let s = App::mocked().await;
    let pid = s.create_project("make a cli").await;
    let body = json!({"job_type": "edit", "instruction": "y".repeat(2001)}).to_string();
    let f = failures(&s, &format!("/api/v1/{pid}/jobs"), body.as_bytes()).await;
    assert_eq!(
        (&f[0].0, f[0].1.as_str()),
        (&field("instruction"), "string_too_long")
    );
    s.create_job(&pid, "edit", " x ").await;
}

#[tokio::test]
async fn job_type_is_initial_project_or_edit() {
    let s = App::mocked().await;
    let pid = s.create_project("make a cli").await;
    for job_type in [json!("delete"), json!(7)] {
        let body = json!({"job_type": job_type, "instruction": "x"}).to_string();
        let f = failures(&s, &format!("/api/v1/{pid}/jobs"), body.as_bytes()).await;
        assert_eq!(
            (&f[0].0, f[0].1.as_str()),
            (&field("job_type"), "enum"),
            "{f:?}"
        );
        assert!(f[0].2.contains("initial_project"), "{f:?}");
    }
}

#[tokio::test]
async fn required_fields_are_missing_and_strings_must_be_strings() {
    let s = App::mocked().await;
    let pid = s.create_project("make a cli").await;
    let jobs = format!("/api/v1/{pid}/jobs");
    let f = failures(&s, "/api/v1/projects/", b"{}").await;
    assert_eq!(
        (&f[0].0, f[0].1.as_str()),
        (&field("instruction"), "missing")
    );
    let f = failures(&s, "/api/v1/projects/", br#"{"instruction": 5}"#).await;
    assert_eq!(
        (&f[0].0, f[0].1.as_str()),
        (&field("instruction"), "string_type")
    );
    // Every failed rule at once, each with its field.
    let f = failures(&s, &jobs, b"{}").await;
    let got: Vec<(Value, &str)> = f.iter().map(|(l, t, _)| (l.clone(), t.as_str())).collect();
    assert_eq!(
        got,
        [
            (field("job_type"), "missing"),
            (field("instruction"), "missing")
        ]
    );
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_fails_as_a_whole_and_creates_nothing() {
    let s = App::mocked().await;
    let before = project_count(&s);
    for (body, kind) in [
        (&b"[\"hello world\"]"[..], "model_type"),
        (b"\"make a cli please\"", "model_type"),
        (b"null", "model_type"),
        (b"{\"instruction\": ", "json_invalid"),
        (b"not json", "json_invalid"),
        (b"", "missing"),
    ] {
        let f = failures(&s, "/api/v1/projects/", body).await;
        assert_eq!(
            (&f[0].0, f[0].1.as_str()),
            (&json!(["body"]), kind),
            "{:?}: {f:?}",
            String::from_utf8_lossy(body)
        );
    }
    assert_eq!(
        project_count(&s),
        before,
        "a rejected body created a project"
    );
}
