//! The OpenAPI 3.0.3 document of `/openapi.json`, hand-maintained and exact: every
//! operation declares its parameters, parameters and bodies carry the constraints the
//! handlers enforce (a request is schema-valid exactly when the backend accepts it), and
//! each error status declares the `detail` strings it carries. `tests/it/openapi.rs` walks
//! it against the router.

mod preflight;

use crate::config::Cors;
use crate::error::summary;
use axum::http::StatusCode;
use codex_contract::{
    ErrorBody, FILE_NOT_FOUND, INVALID_PATH, JOB_INSTRUCTION_CHARS, JOB_NOT_FOUND,
    PROJECT_INSTRUCTION_CHARS, PROJECT_NOT_FOUND, TRIMMED_WHITESPACE,
};
use serde_json::{json, Value};
use std::ops::RangeInclusive;

/// An error status an operation answers, with the `detail` strings it carries there when
/// they are not the status's reason phrase.
type Refusal<'a> = (u16, &'a [&'a str]);

const EXAMPLE_PROJECT_ID: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const EXAMPLE_JOB_ID: &str = "9c4e8f2a-1b7d-4e3a-8f6c-5d2b1a0e9f87";

/// The document for API prefix `p` and the CORS configuration `cors` (which decides the
/// preflights' allowed headers).
pub fn document(p: &str, cors: &Cors) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Codex Workspace Orchestrator",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Turns a natural-language instruction into a code workspace by running a worker against it. Jobs run in the background: POSTs answer `queued`; poll until `completed` or `error`."
        },
        "paths": paths(p, cors),
        "components": {"schemas": schemas()}
    })
}

fn paths(p: &str, cors: &Cors) -> Value {
    let options = |params: &[Value]| preflight::operation(params, cors);
    let pid = [path_param("project_id", EXAMPLE_PROJECT_ID, "uuid")];
    let pid_path = [
        pid[0].clone(),
        json!({"name": "path", "in": "path", "required": true,
            "description": "relative path with `/` separators, percent-decoded once",
            "schema": {"type": "string", "minLength": 1}, "example": "app.py"}),
    ];
    let pid_job = [pid[0].clone(), path_param("job_id", EXAMPLE_JOB_ID, "uuid")];
    let plain = |summary: &str, body: Value| {
        json!({"get": {"summary": summary,
            "responses": merge(json!({"200": body}), error_responses(&[(414, &[])]))},
            "options": options(&[])})
    };
    let create_project = json!({
        "summary": "Create a project and queue its initial_project job",
        "description": "Answers at once with status `queued`; poll GET /projects/{project_id}. `/projects` without the trailing slash creates too.",
        "requestBody": body("ProjectCreate", json!({"instruction": "Create a Python CLI that prints the first 10 Fibonacci numbers"})),
        "responses": merge(json!({"200": ok("ProjectSummary", "the new project")}),
            error_responses(&[(400, &[]), (413, &[]), (414, &[]), (422, &[]), (500, &[])]))
    });
    json!({
        "/healthz": plain("Readiness and mode (mocked or live)", ok("Health", "the backend is ready")),
        "/docs": plain("This documentation as HTML", json!({"description": "HTML page", "headers": cors_headers(), "content": {"text/html": {"schema": {"type": "string"}}}})),
        "/openapi.json": plain("This OpenAPI document", json!({"description": "OpenAPI 3 JSON", "headers": cors_headers(), "content": {"application/json": {"schema": {"type": "object"}}}})),
        format!("{p}/projects/"): {"post": create_project.clone(), "options": options(&[])},
        format!("{p}/projects"): {"post": create_project, "options": options(&[])},
        format!("{p}/projects/{{project_id}}"): read(Read {
            summary: "A project with its jobs", params: &pid, schema: "ProjectDetail",
            bad_request: &[], not_found: &[PROJECT_NOT_FOUND], cors}),
        format!("{p}/{{project_id}}/files"): read(Read {
            summary: "Every file of the workspace, recursively (symlinks leaving it are not followed)",
            params: &pid, schema: "FileList", bad_request: &[], not_found: &[PROJECT_NOT_FOUND], cors}),
        format!("{p}/{{project_id}}/files/{{path}}"): read(Read {
            summary: "One UTF-8 file of the workspace (up to 2 MiB)", params: &pid_path,
            schema: "FileContents", bad_request: &[INVALID_PATH],
            not_found: &[PROJECT_NOT_FOUND, FILE_NOT_FOUND], cors}),
        format!("{p}/{{project_id}}/jobs"): {"post": {
            "summary": "Queue a job (initial_project or edit) for the project",
            "description": "Answers at once with status `queued`. Jobs of one project run one at a time in submission order.",
            "parameters": pid,
            "requestBody": body("JobCreate", json!({"job_type": "edit", "instruction": "Add a --count option"})),
            "responses": merge(json!({"200": ok("JobSummary", "the queued job")}), error_responses(&[
                (400, &[]), (404, &[PROJECT_NOT_FOUND]), (413, &[]), (414, &[]), (422, &[]), (500, &[])]))
        }, "options": options(&pid)},
        format!("{p}/{{project_id}}/jobs/{{job_id}}"): read(Read {
            summary: "A job, with its result and log paths and, when it failed, the reason",
            params: &pid_job, schema: "JobDetail", bad_request: &[],
            not_found: &[PROJECT_NOT_FOUND, JOB_NOT_FOUND], cors})
    })
}

/// A `GET` of one resource on a templated path: its parameters, its 200 schema and the
/// `detail`s of its 400 and 404 (empty: the reason phrase).
struct Read<'a> {
    summary: &'a str,
    params: &'a [Value],
    schema: &'a str,
    bad_request: &'a [&'a str],
    not_found: &'a [&'a str],
    cors: &'a Cors,
}

/// The path item of a [`Read`]: the `GET` and its preflight.
fn read(r: Read) -> Value {
    json!({"get": {"summary": r.summary, "parameters": r.params,
        "responses": merge(json!({"200": ok(r.schema, "found")}), error_responses(&[
            (400, r.bad_request), (404, r.not_found), (414, &[]), (500, &[])]))},
        "options": preflight::operation(r.params, r.cors)})
}

fn path_param(name: &str, example: &str, format: &str) -> Value {
    json!({"name": name, "in": "path", "required": true,
        "schema": {"type": "string", "format": format}, "example": example})
}

fn body(schema: &str, example: Value) -> Value {
    json!({"required": true, "content": {"application/json": {
        "schema": {"$ref": format!("#/components/schemas/{schema}")}, "example": example}}})
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

/// The error responses of an operation, each with the contract's body narrowed to its
/// status (`ValidationErrorResponse` for 422).
fn error_responses(refusals: &[Refusal]) -> Value {
    let mut m = serde_json::Map::new();
    for &(code, details) in refusals {
        let description = match code {
            400 => "Bad request: an unsafe or undecodable path (absolute, drive/UNC, `..`, NUL, over 4096 bytes, a symlink leaving the workspace), a directory, a non-UTF-8 file or a file over 2 MiB; a path parameter that is not UTF-8; an unreadable body; or a disallowed CORS preflight. `hint` says which",
            404 => "Not found: unknown project, job or file",
            405 => "Method not allowed: an OPTIONS request that is no CORS preflight",
            413 => "Request body over 64 KiB",
            414 => "Request URI over 8 KiB",
            422 => "Validation failed: `detail` lists every failed rule",
            _ => "Internal server error (the cause is in the backend log, under the correlation id)",
        };
        let schema = match code {
            422 => json!({"$ref": "#/components/schemas/ValidationErrorResponse"}),
            _ => narrowed(code, details),
        };
        m.insert(
            code.to_string(),
            json!({"description": description, "headers": request_id_header(),
                   "content": {"application/json": {"schema": schema}}}),
        );
    }
    Value::Object(m)
}

/// `ErrorResponse` for one status: its slug, message and code, and the `detail` strings it
/// carries (the reason phrase when `details` is empty; none for a 5xx).
fn narrowed(code: u16, details: &[&str]) -> Value {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut fixed = json!({"type": "object", "properties": {
        "error": {"type": "string", "enum": [ErrorBody::slug_for(code)]},
        "message": {"type": "string", "enum": [summary(status)]},
        "code": {"type": "integer", "enum": [code]}}});
    if status.is_server_error() {
        fixed["not"] = json!({"required": ["detail"]});
    } else {
        let reason = [status.canonical_reason().unwrap_or("Error")];
        let details = if details.is_empty() {
            &reason[..]
        } else {
            details
        };
        fixed["properties"]["detail"] = json!({"type": "string", "enum": details});
        fixed["required"] = json!(["detail", "hint"]);
    }
    json!({"allOf": [{"$ref": "#/components/schemas/ErrorResponse"}, fixed]})
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

/// A JSON Schema `pattern` (ECMA-262, also read alike by Rust's and Python's regex) that a
/// string matches exactly when, trimmed of `TRIMMED_WHITESPACE`, it has a length in
/// `range` (in characters). The set is spelled out: `\s` means different sets in different
/// dialects, and neither is the one `str::trim` uses.
pub fn trimmed_length_pattern(range: RangeInclusive<usize>) -> String {
    let w: String = TRIMMED_WHITESPACE
        .iter()
        .map(|c| format!("\\u{:04x}", u32::from(*c)))
        .collect();
    let (lo, hi) = (*range.start(), *range.end());
    // The trimmed text: a first and a last character that are not whitespace, any between.
    let rest = if lo >= 2 {
        format!("[\\s\\S]{{{},{}}}[^{w}]", lo - 2, hi - 2)
    } else {
        format!("(?:[\\s\\S]{{0,{}}}[^{w}])?", hi.saturating_sub(2))
    };
    format!("^[{w}]*[^{w}]{rest}[{w}]*$")
}

fn instruction(range: RangeInclusive<usize>) -> Value {
    let (lo, hi) = (*range.start(), *range.end());
    json!({"type": "string", "minLength": lo, "pattern": trimmed_length_pattern(range),
        "x-trimmed-length": {"minimum": lo, "maximum": hi},
        "description": format!("{lo}..={hi} characters once trimmed of Unicode White_Space (Rust's `str::trim`: the `pattern` spells the set out; it is not ECMA-262's `\\s`, which adds U+FEFF and lacks U+0085), and stored trimmed. Longer untrimmed text is accepted up to the 64 KiB body limit (413).")})
}

fn schemas() -> Value {
    json!({
        "Status": {"type": "string", "enum": ["queued", "in_progress", "completed", "error"]},
        "JobType": {"type": "string", "enum": ["initial_project", "edit"]},
        "Health": {"type": "object", "required": ["status", "mode"], "properties": {
            "status": {"type": "string", "enum": ["ok"]},
            "mode": {"type": "string", "enum": ["mocked", "live"]}}},
        "ProjectCreate": {"type": "object", "required": ["instruction"], "properties": {
            "instruction": instruction(PROJECT_INSTRUCTION_CHARS)}},
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
            "instruction": instruction(JOB_INSTRUCTION_CHARS)}},
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
            "detail": {"description": "what a client compares: for 400 and 404 the original's fixed string (`Project not found`, `Job not found`, `File not found`, `Invalid path`, `Disallowed CORS origin`, …), else the status's reason phrase; the list of ValidationError for 422; absent for 5xx (never internals)",
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}]},
            "hint": {"type": "string", "description": "the specifics and the fix, for a person (this backend's addition; not for matching)"},
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
    })
}

#[cfg(test)]
pub(crate) mod tests;
