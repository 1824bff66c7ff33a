//! HTTP API bodies (`/api/v1`).

use crate::{JobType, Status};
use serde::{Deserialize, Serialize};

/// Default API prefix.
pub const API_V1: &str = "/api/v1";

/// `POST /projects/` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectCreate {
    pub instruction: String,
}

/// Instruction length accepted by `POST /projects/` (after trimming).
pub const PROJECT_INSTRUCTION_CHARS: std::ops::RangeInclusive<usize> = 5..=2000;
/// Instruction length accepted by `POST /{id}/jobs`.
pub const JOB_INSTRUCTION_CHARS: std::ops::RangeInclusive<usize> = 1..=2000;

/// What an instruction is trimmed of before its length is checked: the characters Rust's
/// `str::trim` removes (Unicode `White_Space`). Named here because ECMA-262's `\s`, which a
/// JSON Schema `pattern` would use, differs from it (it has U+FEFF and lacks U+0085), so the
/// API document spells this set out instead.
pub const TRIMMED_WHITESPACE: [char; 25] = [
    '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}',
    '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}',
    '\u{2009}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
];

/// `s` without leading and trailing [`TRIMMED_WHITESPACE`].
pub fn trim_instruction(s: &str) -> &str {
    s.trim_matches(&TRIMMED_WHITESPACE[..])
}

/// The `detail` of a 404 for an unknown project, as the original writes it: clients and the
/// original's own tests compare these strings character for character (CONTRACT.md).
pub const PROJECT_NOT_FOUND: &str = "Project not found";
/// The `detail` of a 404 for an unknown job.
pub const JOB_NOT_FOUND: &str = "Job not found";
/// The `detail` of a 404 for a safe file path that does not exist.
pub const FILE_NOT_FOUND: &str = "File not found";
/// The `detail` of a 400 for a file path that may not be served.
pub const INVALID_PATH: &str = "Invalid path";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectSummary {
    pub id: String,
    #[serde(default)]
    pub instruction: String,
    pub status: Status,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectDetail {
    #[serde(flatten)]
    pub project: ProjectSummary,
    #[serde(default)]
    pub workspace_path: String,
    #[serde(default)]
    pub jobs: Vec<JobSummary>,
}

/// `POST /{project_id}/jobs` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCreate {
    pub job_type: JobType,
    pub instruction: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSummary {
    pub id: String,
    #[serde(default)]
    pub project_id: String,
    pub job_type: JobType,
    #[serde(default)]
    pub instruction: String,
    pub status: Status,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobDetail {
    #[serde(flatten)]
    pub job: JobSummary,
    #[serde(default)]
    pub result_path: Option<String>,
    #[serde(default)]
    pub logs_path: Option<String>,
    /// Why a job ended in `error` (our backend's addition; absent elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    #[serde(default)]
    pub size: u64,
}

/// `GET /{project_id}/files`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileList {
    pub files: Vec<FileEntry>,
}

impl FileList {
    pub fn contains(&self, path: &str) -> bool {
        self.files.iter().any(|f| f.path == path)
    }
}

/// `GET /{project_id}/files/{path}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileContents {
    pub path: String,
    pub contents: String,
}

/// The error body of every 4xx/5xx.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
    pub code: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
    /// The specifics and the fix, for a person (our backend's addition; `detail` stays the
    /// fixed string a client compares).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The request's id (also in the `x-request-id` header), when the backend assigns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

impl ErrorBody {
    /// The contract's slug for an HTTP status code.
    pub fn slug_for(code: u16) -> &'static str {
        match code {
            400 => "bad_request",
            404 => "not_found",
            409 => "conflict",
            422 => "validation_error",
            500..=599 => "internal_error",
            _ => "http_error",
        }
    }

    pub fn new(code: u16, message: impl Into<String>) -> Self {
        ErrorBody {
            error: Self::slug_for(code).to_string(),
            message: message.into(),
            code,
            detail: None,
            hint: None,
            correlation_id: None,
        }
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Which mode a backend runs in (`GET /healthz`, our backend's addition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Mocked,
    Live,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Mocked => "mocked",
            Mode::Live => "live",
        }
    }
}

/// `GET /healthz` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub mode: Mode,
}

/// The JSON type of a value for an error message (`a string`, `an array`), never the value
/// itself: it could hold anything.
pub fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn project_detail_reads_leniently_and_flattens_the_summary() {
        let body = json!({
            "id": "p1", "instruction": "make a cli", "status": "completed",
            "created_at": "2025-11-14T17:14:05Z", "updated_at": "2025-11-14T17:14:06Z",
            "workspace_path": "/w/p1", "extra_field_from_another_backend": 1,
            "jobs": [{"id": "j1", "project_id": "p1", "job_type": "initial_project",
                      "instruction": "make a cli", "status": "completed",
                      "created_at": "x", "updated_at": "y"}]
        });
        let d: ProjectDetail = serde_json::from_value(body).unwrap();
        assert_eq!(d.project.summary, None);
        assert_eq!(d.project.status, Status::Completed);
        assert_eq!(d.jobs[0].job_type, JobType::InitialProject);
        let back = serde_json::to_value(&d).unwrap();
        assert_eq!(back["id"], "p1");
        assert_eq!(back["workspace_path"], "/w/p1");
    }

    #[test]
    fn job_detail_tolerates_missing_paths() {
        let d: JobDetail = serde_json::from_value(json!({
            "id": "j", "job_type": "edit", "status": "queued"
        }))
        .unwrap();
        assert_eq!(d.job.status, Status::Queued);
        assert_eq!(d.result_path, None);
        assert!(serde_json::to_value(&d).unwrap().get("error").is_none());
    }

    #[test]
    fn error_body_slugs_follow_the_contract() {
        for (code, slug) in [
            (400, "bad_request"),
            (404, "not_found"),
            (409, "conflict"),
            (422, "validation_error"),
            (500, "internal_error"),
            (503, "internal_error"),
            (413, "http_error"),
        ] {
            assert_eq!(ErrorBody::new(code, "m").error, slug);
        }
        let v = serde_json::to_value(ErrorBody::new(404, "no such project")).unwrap();
        assert_eq!(
            v,
            json!({"error": "not_found", "message": "no such project", "code": 404})
        );
    }

    #[test]
    fn trimmed_whitespace_is_exactly_what_str_trim_removes() {
        let white: Vec<char> = (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        assert_eq!(white, TRIMMED_WHITESPACE);
        let s = "\u{85}\u{a0} a b\u{3000}\u{2028}";
        assert_eq!(trim_instruction(s), s.trim());
        // U+FEFF is no whitespace to Rust (ECMA-262's `\s` has it).
        assert_eq!(trim_instruction("\u{feff}ab"), "\u{feff}ab");
    }

    #[test]
    fn file_list_contains() {
        let l: FileList =
            serde_json::from_value(json!({"files": [{"path": "app.py", "size": 3}]})).unwrap();
        assert!(l.contains("app.py") && !l.contains("README.md"));
    }
}
