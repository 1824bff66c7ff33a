use super::*;
use crate::target::client::Client;
use crate::test_backend;
use crate::testing::exchanges;
use serde_json::json;

/// A small 3.0 document: a `$ref`, a nullable field, an allOf, a spanning path parameter.
fn doc() -> Value {
    json!({
        "openapi": "3.0.3",
        "paths": {
            "/api/v1/projects/{project_id}": {"get": {"operationId": "getProject", "responses": {
                "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Project"}}}},
                "default": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
            "/api/v1/{project_id}/files/{path}": {"get": {"responses": {
                "200": {"content": {"application/json": {"schema": {"type": "object", "required": ["contents"],
                    "properties": {"contents": {"type": "string"}}}}}}}}},
            "/docs": {"get": {"responses": {"200": {"content": {"text/html": {"schema": {"type": "string"}}}}}}}
        },
        "components": {"schemas": {
            "Project": {"allOf": [{"type": "object", "required": ["id", "summary"], "properties": {
                "id": {"type": "string"},
                "summary": {"type": "string", "nullable": true},
                "size": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
                "owner": {"$ref": "#/components/schemas/Owner", "nullable": true}}}]},
            "Owner": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
        }}
    })
}

fn checker() -> Conformance {
    Conformance::from_document(doc()).unwrap()
}

#[test]
fn a_conforming_answer_gives_nothing_and_nullable_admits_null() {
    let c = checker();
    let body = r#"{"id": "p1", "summary": null, "size": 3, "owner": null}"#;
    assert_eq!(
        c.check("GET", "/api/v1/projects/p1", 200, body),
        Vec::<String>::new()
    );
    let body = r#"{"id": "p1", "summary": "s", "owner": {"name": "n"}}"#;
    assert_eq!(
        c.check("GET", "/api/v1/projects/p1", 200, body),
        Vec::<String>::new()
    );
}

#[test]
fn a_mismatch_names_the_operation_the_pointer_and_the_rule() {
    let c = checker();
    let found = c.check(
        "GET",
        "/api/v1/projects/p1",
        200,
        r#"{"id": 7, "summary": "s"}"#,
    );
    assert_eq!(found.len(), 1, "{found:?}");
    let line = &found[0];
    assert!(line.starts_with("getProject 200: at /id "), "{line}");
    assert!(
        line.contains("schema rule type at /components/schemas/Project/allOf/0/properties/id/type"),
        "{line}"
    );
    let found = c.check(
        "GET",
        "/api/v1/projects/p1",
        200,
        r#"{"id": "p", "size": 0}"#,
    );
    assert!(
        found
            .iter()
            .any(|l| l.contains("\"summary\" is a required property")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|l| l.contains("at /size") && l.contains("exclusiveMinimum")),
        "{found:?}"
    );
    // $ref resolved inside a nullable: a wrong owner is named at its pointer.
    let found = c.check(
        "GET",
        "/api/v1/projects/p1",
        200,
        r#"{"id": "p", "summary": null, "owner": {}}"#,
    );
    assert!(found.iter().all(|l| l.contains("at /owner")), "{found:?}");
    assert!(!found.is_empty());
}

#[test]
fn statuses_fall_back_to_default_and_undeclared_ones_are_named() {
    let c = checker();
    assert!(c
        .check(
            "GET",
            "/api/v1/projects/p1",
            404,
            r#"{"error": "not_found"}"#
        )
        .is_empty());
    let found = c.check(
        "GET",
        "/api/v1/projects/p1",
        404,
        r#"{"detail": "Not Found"}"#,
    );
    assert!(
        found[0].contains("getProject 404: at / ") && found[0].contains("required"),
        "{found:?}"
    );
    let found = c.check("GET", "/api/v1/p1/files/a/b.txt", 404, "{}");
    assert_eq!(
        found,
        ["GET /api/v1/{project_id}/files/{path}: answered 404, which /openapi.json does not declare for it"]
    );
}

#[test]
fn templates_match_by_segment_and_a_last_parameter_spans_the_rest() {
    let c = checker();
    assert!(c
        .check(
            "GET",
            "/api/v1/p1/files/.codex/result.json",
            200,
            r#"{"contents": ""}"#
        )
        .is_empty());
    let found = c.check(
        "GET",
        "/api/v1/p1/files/app.py?x=1",
        200,
        r#"{"contents": 1}"#,
    );
    assert!(
        found[0].starts_with("GET /api/v1/{project_id}/files/{path} 200: at /contents"),
        "{found:?}"
    );
    assert_eq!(
        c.check("POST", "/api/v1/projects/p1", 200, "{}"),
        ["POST /api/v1/projects/p1: /openapi.json describes no such operation"]
    );
    // No JSON schema declared (HTML): nothing to check.
    assert!(c.check("GET", "/docs", 200, "<html>").is_empty());
    let found = c.check("GET", "/api/v1/projects/p1", 200, "<html>");
    assert!(found[0].contains("not JSON"), "{found:?}");
}

#[test]
fn paths_relative_to_the_servers_base_are_found() {
    let mut d = doc();
    d["servers"] = json!([{"url": "http://example.test/api/v1"}]);
    let paths = d["paths"].as_object_mut().unwrap();
    let op = paths.remove("/api/v1/projects/{project_id}").unwrap();
    paths.insert("/projects/{project_id}".into(), op);
    let c = Conformance::from_document(d).unwrap();
    let found = c.check(
        "GET",
        "/api/v1/projects/p1",
        200,
        r#"{"id": 1, "summary": null}"#,
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("getProject 200: at /id"), "{found:?}");
}

#[test]
fn documents_that_are_not_openapi_3_are_refused_with_the_reason() {
    for (d, why) in [
        (json!({"swagger": "2.0"}), "no `openapi` version"),
        (json!({"openapi": "2.0", "paths": {}}), "reads 3.0 and 3.1"),
        (json!({"openapi": "3.1.0"}), "no `paths`"),
    ] {
        let msg = Conformance::from_document(d).err().unwrap().to_string();
        assert!(msg.contains(why), "{msg}");
    }
}

/// Every answer of the fake (the original's model, OpenAPI 3.1 as FastAPI writes it)
/// conforms to its own document.
#[test]
fn the_fakes_answers_conform_to_its_openapi_3_1_document() {
    let fake = test_backend::fake(test_backend::FakeConfig::default());
    let client = Client::new(&fake.url, Default::default()).unwrap();
    let c = Conformance::fetch(&client)
        .unwrap()
        .expect("the fake serves /openapi.json");
    for (method, path, body, status) in exchanges(&client) {
        let found = c.check(method, &path, status, &body);
        assert!(found.is_empty(), "{method} {path} {status}: {found:?}");
    }
    // And a wrong answer is noticed against the 3.1 `anyOf [string, null]` form.
    let found = c.check(
        "GET",
        "/api/v1/projects/x",
        200,
        r#"{"id": "x", "instruction": "i", "status": "done", "summary": 3, "created_at": "t", "updated_at": "t", "workspace_path": "w", "jobs": []}"#,
    );
    assert!(found.iter().any(|l| l.contains("at /status")), "{found:?}");
    assert!(
        found
            .iter()
            .any(|l| l.contains("at /summary") && l.contains("anyOf")),
        "{found:?}"
    );
}

/// A broken schema that no answer uses does not stop the checks of the others; one that an
/// answer uses is named.
#[test]
fn a_broken_schema_elsewhere_does_not_stop_the_checks_of_the_others() {
    let mut d = doc();
    d["components"]["schemas"]["Unused"] = json!({"type": 12, "minimum": "zero"});
    d["paths"]["/api/v1/broken"] = json!({"get": {"responses": {"200": {"content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Unused"}}}}}}});
    let c = Conformance::from_document(d).unwrap();
    let body = r#"{"id": "p1", "summary": "s"}"#;
    assert_eq!(
        c.check("GET", "/api/v1/projects/p1", 200, body),
        Vec::<String>::new()
    );
    let found = c.check(
        "GET",
        "/api/v1/projects/p1",
        200,
        r#"{"id": 7, "summary": "s"}"#,
    );
    assert_eq!(found.len(), 1, "{found:?}");
    let broken = c.check("GET", "/api/v1/broken", 200, "{}");
    assert!(
        broken.len() == 1 && broken[0].contains("cannot be used"),
        "{broken:?}"
    );
}
