//! The double's `/openapi.json`.

use serde_json::{json, Value};

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
