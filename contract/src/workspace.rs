//! The workspace contract: `.codex/request.json` written by the backend, `.codex/result.json`
//! written by the worker.

use crate::JobType;
use serde::{Deserialize, Serialize};

pub const CODEX_DIR: &str = ".codex";
/// Relative to the workspace root, with `/` separators (as the API lists it).
pub const REQUEST_FILE: &str = ".codex/request.json";
pub const RESULT_FILE: &str = ".codex/result.json";
/// Where a job's result and log are kept once they are no longer current:
/// `.codex/history/<history_segment(job_id)>/`.
pub const HISTORY_DIR: &str = ".codex/history";

/// A job id (read from a file, so untrusted) as one safe directory name under
/// [`HISTORY_DIR`]: ASCII letters, digits, `-` and `_`; anything else becomes `_`.
pub fn history_segment(job_id: &str) -> String {
    let cleaned: String = job_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "unknown".into()
    } else {
        cleaned
    }
}

/// `.codex/request.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRequest {
    pub project_id: String,
    pub job_id: String,
    pub job_type: JobType,
    pub instruction: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerStatus {
    Success,
    Error,
    /// Anything else another worker may write; never a success.
    #[serde(other)]
    Unknown,
}

impl WorkerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerStatus::Success => "success",
            WorkerStatus::Error => "error",
            WorkerStatus::Unknown => "unknown",
        }
    }
}

/// `.codex/result.json`. Every list defaults to empty when missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerResult {
    pub status: WorkerStatus,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub created_files: Vec<String>,
    #[serde(default)]
    pub modified_files: Vec<String>,
    #[serde(default)]
    pub errors: Vec<String>,
    #[serde(default)]
    pub logs: Vec<String>,
    #[serde(default)]
    pub timestamp: String,
    /// Our worker's addition: which job wrote this result. The original omits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}

impl WorkerResult {
    pub fn is_success(&self) -> bool {
        self.status == WorkerStatus::Success
    }

    /// The value of a `NAME=value` line in `logs`, e.g. `log_value("OPENAI_API_KEY")`.
    pub fn log_value(&self, name: &str) -> Option<&str> {
        self.logs.iter().find_map(|l| {
            l.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
                .map(str::trim)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn result_reads_the_original_workers_shape_without_job_id() {
        let r: WorkerResult = serde_json::from_value(json!({
            "status": "success", "summary": "Generated",
            "created_files": ["README.md"], "logs": ["OPENAI_API_KEY=absent"]
        }))
        .unwrap();
        assert!(r.is_success());
        assert_eq!(r.job_id, None);
        assert!(r.modified_files.is_empty() && r.errors.is_empty());
        assert_eq!(r.log_value("OPENAI_API_KEY"), Some("absent"));
        assert_eq!(r.log_value("OPENAI_ORG_ID"), None);
        assert!(serde_json::to_value(&r).unwrap().get("job_id").is_none());
    }

    #[test]
    fn unknown_result_status_is_not_success() {
        let r: WorkerResult = serde_json::from_value(json!({"status": "partial"})).unwrap();
        assert_eq!(r.status, WorkerStatus::Unknown);
        assert!(!r.is_success());
    }

    #[test]
    fn request_round_trips() {
        let req = WorkerRequest {
            project_id: "p".into(),
            job_id: "j".into(),
            job_type: JobType::Edit,
            instruction: "do".into(),
        };
        let v = serde_json::to_value(&req).unwrap();
        assert_eq!(v["job_type"], "edit");
        assert_eq!(serde_json::from_value::<WorkerRequest>(v).unwrap(), req);
    }
}
