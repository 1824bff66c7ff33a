//! `GET /openapi.json` (a hand-maintained OpenAPI 3 document, also under the API prefix)
//! and `GET /docs`, a self-contained HTML page rendered from that same document, so the two
//! never disagree and nothing is downloaded at build or run time.

use super::AppState;
use axum::extract::State;
use axum::response::Html;
use axum::Json;
use serde_json::{json, Value};

pub async fn openapi(State(st): State<AppState>) -> Json<Value> {
    Json(document(&st.cfg.api_prefix))
}

pub async fn page(State(st): State<AppState>) -> Html<String> {
    Html(render(&document(&st.cfg.api_prefix)))
}

/// The error responses `codes` (every status the operation can answer besides its
/// success), each with the contract's body: `ValidationErrorResponse` for 422,
/// `ErrorResponse` otherwise.
fn error_responses(codes: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    for code in codes {
        let description = match *code {
            "400" => "Bad request: an unsafe or undecodable path (absolute, drive/UNC, `..`, NUL, over 4096 bytes, a symlink leaving the workspace), a directory, a non-UTF-8 file or a file over 2 MiB; or a disallowed CORS preflight",
            "404" => "Not found: unknown project, job or file",
            "405" => "Method not allowed: an OPTIONS request that is no CORS preflight",
            "413" => "Request body over 64 KiB",
            "414" => "Request URI over 8 KiB",
            "422" => "Validation failed: `detail` lists every failed rule",
            "500" => "Internal server error (the cause is in the backend log, under the correlation id)",
            _ => "error",
        };
        let schema = if *code == "422" {
            "ValidationErrorResponse"
        } else {
            "ErrorResponse"
        };
        m.insert(
            code.to_string(),
            json!({"description": description,
                   "headers": request_id_header(),
                   "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}),
        );
    }
    Value::Object(m)
}

fn request_id_header() -> Value {
    json!({"x-request-id": {"description": "the request's id; error bodies repeat it as `correlation_id`",
        "schema": {"type": "string"}}})
}

/// The headers `CorsLayer` adds for an allowed origin (none for a disallowed one).
fn cors_headers() -> Value {
    let string = json!({"schema": {"type": "string"}});
    json!({
        "x-request-id": request_id_header()["x-request-id"],
        "access-control-allow-origin": merge(json!({"description": "the request's Origin when allowed (or `*` when ALLOW_ORIGINS is `*`)"}), string.clone()),
        "access-control-allow-credentials": {"description": "`true` when ALLOW_CREDENTIALS is set and the origin allowed", "schema": {"type": "string", "enum": ["true"]}},
        "vary": string
    })
}

/// `OPTIONS` on an API path: the CORS preflight (Starlette's semantics).
fn preflight() -> Value {
    let string = json!({"schema": {"type": "string"}});
    json!({
        "summary": "CORS preflight",
        "description": "With `Origin` and `Access-Control-Request-Method` (and optionally `Access-Control-Request-Headers`): 200 with the allowed methods and headers when ALLOW_ORIGINS, ALLOW_METHODS and ALLOW_HEADERS allow all three; 400 otherwise. Without them: 405.",
        "parameters": [
            {"name": "Origin", "in": "header", "required": true, "schema": {"type": "string"}},
            {"name": "Access-Control-Request-Method", "in": "header", "required": true, "schema": {"type": "string"}},
            {"name": "Access-Control-Request-Headers", "in": "header", "required": false, "schema": {"type": "string"}}
        ],
        "responses": merge(json!({"200": {
            "description": "preflight allowed (empty body)",
            "headers": merge(cors_headers(), json!({
                "access-control-allow-methods": string.clone(),
                "access-control-allow-headers": string.clone(),
                "access-control-max-age": string}))
        }}), error_responses(&["400", "405", "414"]))
    })
}

fn ok(schema: &str, description: &str) -> Value {
    json!({"description": description,
           "headers": cors_headers(),
           "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

fn project_id() -> Value {
    json!({"name": "project_id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}})
}

/// The OpenAPI 3.0.3 document for API prefix `p`.
pub fn document(p: &str) -> Value {
    let create_project = json!({
        "summary": "Create a project and queue its initial_project job",
        "description": "Answers at once with status `queued`; poll GET /projects/{project_id}. `/projects` without the trailing slash creates too.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProjectCreate"}}}},
        "responses": merge(json!({"200": ok("ProjectSummary", "the new project")}), error_responses(&["400", "413", "414", "422", "500"]))
    });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Codex Workspace Orchestrator",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Turns a natural-language instruction into a code workspace by running a worker against it. Jobs run in the background: POSTs answer `queued`; poll until `completed` or `error`."
        },
        "paths": {
            "/healthz": {"get": {
                "summary": "Readiness and mode (mocked or live)",
                "responses": merge(json!({"200": ok("Health", "the backend is ready")}), error_responses(&["414"]))
            }},
            "/docs": {"get": {
                "summary": "This documentation as HTML",
                "responses": merge(json!({"200": {"description": "HTML page", "headers": cors_headers(), "content": {"text/html": {"schema": {"type": "string"}}}}}), error_responses(&["414"]))
            }},
            "/openapi.json": {"get": {
                "summary": "This OpenAPI document",
                "responses": merge(json!({"200": {"description": "OpenAPI 3 JSON", "headers": cors_headers(), "content": {"application/json": {"schema": {"type": "object"}}}}}), error_responses(&["414"]))
            }},
            format!("{p}/projects/"): {"post": create_project.clone(), "options": preflight()},
            format!("{p}/projects"): {"post": create_project, "options": preflight()},
            format!("{p}/projects/{{project_id}}"): {"get": {
                "summary": "A project with its jobs",
                "parameters": [project_id()],
                "responses": merge(json!({"200": ok("ProjectDetail", "the project")}), error_responses(&["400", "404", "414", "500"]))
            }, "options": preflight()},
            format!("{p}/{{project_id}}/files"): {"get": {
                "summary": "Every file of the workspace, recursively (symlinks leaving it are not followed)",
                "parameters": [project_id()],
                "responses": merge(json!({"200": ok("FileList", "the files")}), error_responses(&["400", "404", "414", "500"]))
            }, "options": preflight()},
            format!("{p}/{{project_id}}/files/{{path}}"): {"get": {
                "summary": "One UTF-8 file of the workspace (up to 2 MiB)",
                "parameters": [project_id(), {"name": "path", "in": "path", "required": true,
                    "description": "relative path with `/` separators, percent-decoded once",
                    "schema": {"type": "string"}}],
                "responses": merge(json!({"200": ok("FileContents", "the file")}), error_responses(&["400", "404", "414", "500"]))
            }, "options": preflight()},
            format!("{p}/{{project_id}}/jobs"): {"post": {
                "summary": "Queue a job (initial_project or edit) for the project",
                "description": "Answers at once with status `queued`. Jobs of one project run one at a time in submission order.",
                "parameters": [project_id()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobCreate"}}}},
                "responses": merge(json!({"200": ok("JobSummary", "the queued job")}), error_responses(&["400", "404", "413", "414", "422", "500"]))
            }, "options": preflight()},
            format!("{p}/{{project_id}}/jobs/{{job_id}}"): {"get": {
                "summary": "A job, with its result and log paths and, when it failed, the reason",
                "parameters": [project_id(), {"name": "job_id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
                "responses": merge(json!({"200": ok("JobDetail", "the job")}), error_responses(&["400", "404", "414", "500"]))
            }, "options": preflight()}
        },
        "components": {"schemas": {
            "Status": {"type": "string", "enum": ["queued", "in_progress", "completed", "error"]},
            "JobType": {"type": "string", "enum": ["initial_project", "edit"]},
            "Health": {"type": "object", "required": ["status", "mode"], "properties": {
                "status": {"type": "string", "enum": ["ok"]},
                "mode": {"type": "string", "enum": ["mocked", "live"]}}},
            "ProjectCreate": {"type": "object", "required": ["instruction"], "properties": {
                "instruction": {"type": "string", "minLength": 5, "maxLength": 2000, "description": "trimmed before the length check"}}},
            "ProjectSummary": {"type": "object", "required": ["id", "instruction", "status", "summary", "created_at", "updated_at"], "properties": {
                "id": {"type": "string", "format": "uuid"},
                "instruction": {"type": "string"},
                "status": {"$ref": "#/components/schemas/Status"},
                "summary": {"type": "string", "nullable": true},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"}}},
            "ProjectDetail": {"allOf": [{"$ref": "#/components/schemas/ProjectSummary"}, {"type": "object",
                "required": ["workspace_path", "jobs"], "properties": {
                "workspace_path": {"type": "string"},
                "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/JobSummary"}}}}]},
            "JobCreate": {"type": "object", "required": ["job_type", "instruction"], "properties": {
                "job_type": {"$ref": "#/components/schemas/JobType"},
                "instruction": {"type": "string", "minLength": 1, "maxLength": 2000}}},
            "JobSummary": {"type": "object", "required": ["id", "project_id", "job_type", "instruction", "status", "created_at", "updated_at"], "properties": {
                "id": {"type": "string", "format": "uuid"},
                "project_id": {"type": "string", "format": "uuid"},
                "job_type": {"$ref": "#/components/schemas/JobType"},
                "instruction": {"type": "string"},
                "status": {"$ref": "#/components/schemas/Status"},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"}}},
            "JobDetail": {"allOf": [{"$ref": "#/components/schemas/JobSummary"}, {"type": "object",
                "required": ["result_path", "logs_path"], "properties": {
                "result_path": {"type": "string", "nullable": true},
                "logs_path": {"type": "string", "nullable": true},
                "error": {"type": "string", "description": "why the job ended in error (absent otherwise)"}}}]},
            "FileList": {"type": "object", "required": ["files"], "properties": {
                "files": {"type": "array", "items": {"type": "object", "required": ["path", "size"], "properties": {
                    "path": {"type": "string"}, "size": {"type": "integer", "minimum": 0}}}}}},
            "FileContents": {"type": "object", "required": ["path", "contents"], "properties": {
                "path": {"type": "string"}, "contents": {"type": "string"}}},
            "ErrorResponse": {"type": "object", "required": ["error", "message", "code"], "properties": {
                "error": {"type": "string", "enum": ["bad_request", "not_found", "conflict", "validation_error", "internal_error", "http_error"]},
                "message": {"type": "string", "description": "the fixed summary of the category: `Bad request`, `Not found`, `Validation failed`, `Internal server error`, else the status's reason phrase"},
                "code": {"type": "integer"},
                "detail": {"description": "the specifics: a string for 400, 404 and other 4xx; the list of ValidationError for 422; absent for 5xx (never internals)",
                    "oneOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}]},
                "correlation_id": {"type": "string", "description": "the request's id, as in the `x-request-id` header"}}},
            "ValidationErrorResponse": {"allOf": [{"$ref": "#/components/schemas/ErrorResponse"}, {"type": "object",
                "required": ["detail"], "properties": {
                "error": {"type": "string", "enum": ["validation_error"]},
                "message": {"type": "string", "enum": ["Validation failed"]},
                "code": {"type": "integer", "enum": [422]},
                "detail": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/ValidationError"}}}}]},
            "ValidationError": {"type": "object", "required": ["loc", "msg", "type"], "properties": {
                "loc": {"type": "array", "minItems": 1, "items": {"type": "string"},
                    "description": "`[\"body\", \"<field>\"]` for a field, `[\"body\"]` for the body as a whole"},
                "msg": {"type": "string", "description": "what is wrong and what to send instead"},
                "type": {"type": "string", "description": "a stable slug",
                    "enum": ["missing", "string_type", "string_too_short", "string_too_long", "value_error", "enum", "json_invalid", "model_type"]}}}
        }}
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTML page: one section per operation of the document.
pub fn render(doc: &Value) -> String {
    let mut rows = String::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, ops) in paths {
            for (method, op) in ops.as_object().into_iter().flatten() {
                let codes: Vec<&str> = op["responses"]
                    .as_object()
                    .map(|r| r.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
                    .unwrap_or_default();
                rows.push_str(&format!(
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}{}</td><td>{}</td><td>{}</td></tr>\n",
                    method.to_uppercase(),
                    escape(path),
                    escape(op["summary"].as_str().unwrap_or("")),
                    op["description"]
                        .as_str()
                        .map(|d| format!("<br><small>{}</small>", escape(d)))
                        .unwrap_or_default(),
                    escape(&body),
                    codes.join(", ")
                ));
            }
        }
    }
    let mut schemas = String::new();
    if let Some(s) = doc["components"]["schemas"].as_object() {
        for (name, schema) in s {
            schemas.push_str(&format!(
                "<h3 id=\"{0}\">{0}</h3><pre>{1}</pre>\n",
                escape(name),
                escape(&serde_json::to_string_pretty(schema).unwrap_or_default())
            ));
        }
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — API docs</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}}
pre{{background:#f6f6f6;padding:.6rem;overflow:auto}}</style></head>
<body><h1>{title}</h1><p>{desc}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3). Errors always answer
<code>{{"error": slug, "message": str, "code": int, "detail"?: any, "correlation_id"?: str}}</code>.</p>
<h2>Endpoints</h2>
<table><tr><th>method</th><th>path</th><th>what</th><th>body</th><th>responses</th></tr>
{rows}</table>
<h2>Schemas</h2>
{schemas}</body></html>
"#,
        title = escape(doc["info"]["title"].as_str().unwrap_or("API")),
        desc = escape(doc["info"]["description"].as_str().unwrap_or("")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` in the document points at a schema it defines.
    #[test]
    fn references_resolve_and_the_page_lists_every_path() {
        let doc = document("/api/v1");
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "dangling $ref {name}");
        }
        let page = render(&doc);
        for path in doc["paths"].as_object().unwrap().keys() {
            assert!(page.contains(&escape(path)), "{path} missing from /docs");
        }
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no external assets"
        );
    }

    /// Every operation documents the statuses the router can give any request (414; 500 on
    /// the API routes) and each error status with the contract's body.
    #[test]
    fn every_operation_documents_its_error_statuses_with_their_schema() {
        let doc = document("/api/v1");
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                let want_500 = path.starts_with("/api/v1") && method != "options";
                for code in ["414"].into_iter().chain(want_500.then_some("500")) {
                    assert!(responses.contains_key(code), "{method} {path}: no {code}");
                }
                for (code, r) in responses.iter().filter(|(c, _)| c.as_str() >= "400") {
                    let schema = &r["content"]["application/json"]["schema"]["$ref"];
                    let want = if code == "422" {
                        "#/components/schemas/ValidationErrorResponse"
                    } else {
                        "#/components/schemas/ErrorResponse"
                    };
                    assert_eq!(schema, want, "{method} {path} {code}");
                }
            }
        }
        let slugs = &doc["components"]["schemas"]["ErrorResponse"]["properties"]["error"]["enum"];
        for code in [400, 404, 405, 409, 413, 422, 500, 503] {
            let slug = codex_contract::ErrorBody::slug_for(code);
            assert!(
                slugs.as_array().unwrap().iter().any(|s| s == slug),
                "{slug}"
            );
        }
    }
}
