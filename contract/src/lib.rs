//! The contract (CONTRACT.md of the shared spec) as serde types, shared by the backend, the
//! worker and the live suite.
//!
//! Reading is lenient on purpose: the suite must read bodies and results written by other
//! backends and workers (the original Python one among them). Optional fields default when
//! missing, unknown fields are ignored, and unknown status strings are kept as `Unknown`
//! instead of failing the whole document.

use serde::{Deserialize, Serialize};
use std::time::SystemTime;

pub mod api;
pub mod excerpt;
pub mod redact;
pub mod secrets;
pub mod workspace;

pub use api::*;
pub use excerpt::result_excerpt;
pub use redact::{Redacted, Redactor, REDACTED};
pub use secrets::{presence_lines, SECRET_VARS};
pub use workspace::{
    history_segment, WorkerRequest, WorkerResult, WorkerStatus, CODEX_DIR, HISTORY_DIR,
    REQUEST_FILE, RESULT_FILE,
};

/// The two job types of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobType {
    InitialProject,
    Edit,
}

impl JobType {
    pub fn as_str(self) -> &'static str {
        match self {
            JobType::InitialProject => "initial_project",
            JobType::Edit => "edit",
        }
    }
}

impl std::fmt::Display for JobType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for JobType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "initial_project" => Ok(JobType::InitialProject),
            "edit" => Ok(JobType::Edit),
            other => Err(format!(
                "unknown job type {other:?}: expected \"initial_project\" or \"edit\""
            )),
        }
    }
}

/// Status of a project or a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Queued,
    InProgress,
    Completed,
    Error,
    /// A value this contract does not know (another backend's extension).
    #[serde(other)]
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::InProgress => "in_progress",
            Status::Completed => "completed",
            Status::Error => "error",
            Status::Unknown => "unknown",
        }
    }

    /// `completed` and `error` are final: the job will not change any more.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Error)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "queued" => Ok(Status::Queued),
            "in_progress" => Ok(Status::InProgress),
            "completed" => Ok(Status::Completed),
            "error" => Ok(Status::Error),
            other => Err(format!("unknown status {other:?}")),
        }
    }
}

/// UTC now as ISO-8601 with a `Z` and whole seconds, e.g. `2025-11-14T17:14:05Z`.
pub fn now_iso8601() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// UTC now as ISO-8601 with milliseconds, e.g. `2025-11-14T17:14:05.123Z`.
pub fn now_iso8601_millis() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_and_unknown_is_kept() {
        for s in ["queued", "in_progress", "completed", "error"] {
            let parsed: Status = serde_json::from_str(&format!("\"{s}\"")).unwrap();
            assert_eq!(parsed.as_str(), s);
            assert_eq!(serde_json::to_string(&parsed).unwrap(), format!("\"{s}\""));
        }
        let other: Status = serde_json::from_str("\"running\"").unwrap();
        assert_eq!(other, Status::Unknown);
        assert!(Status::Completed.is_final() && Status::Error.is_final());
        assert!(!Status::Queued.is_final() && !Status::InProgress.is_final());
    }

    #[test]
    fn job_type_parses_and_rejects_unknown_with_the_accepted_values() {
        assert_eq!("edit".parse::<JobType>().unwrap(), JobType::Edit);
        assert_eq!(
            "initial_project".parse::<JobType>().unwrap(),
            JobType::InitialProject
        );
        let err = "delete".parse::<JobType>().unwrap_err();
        assert!(
            err.contains("initial_project") && err.contains("edit"),
            "{err}"
        );
    }

    #[test]
    fn timestamps_are_utc_iso8601() {
        let t = now_iso8601();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
        let m = now_iso8601_millis();
        assert!(m.ends_with('Z') && m.contains('.'), "{m}");
    }
}
