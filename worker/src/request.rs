//! Loading and validating `.codex/request.json`. Fields are checked one by one (rather than
//! deserialising `WorkerRequest` in one go) so that an error names the bad field and the
//! fix, and so that the error result still carries the `job_id` when the file has one.

use codex_contract::{json_kind, JobType, WorkerRequest, REQUEST_FILE};
use serde_json::{Map, Value};
use std::path::Path;

/// Why the request could not be used, plus whatever could be read of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    pub job_id: Option<String>,
    pub job_type: Option<JobType>,
    pub message: String,
}

pub fn load(workspace: &Path) -> Result<WorkerRequest, RequestError> {
    let path = workspace.join(REQUEST_FILE);
    let fail = |message: String| RequestError {
        job_id: None,
        job_type: None,
        message,
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        fail(if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "{} is missing: the backend writes it before starting the worker; check that \
                 WORKSPACE_DIR ({}) is the project workspace",
                path.display(),
                workspace.display()
            )
        } else {
            format!("cannot read {}: {e}", path.display())
        })
    })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        fail(format!(
            "{} is not valid JSON ({e}); expected {{\"project_id\", \"job_id\", \"job_type\", \
             \"instruction\"}}",
            path.display()
        ))
    })?;
    let Value::Object(obj) = value else {
        return Err(fail(format!(
            "{} must hold a JSON object with project_id, job_id, job_type and instruction",
            path.display()
        )));
    };
    parse(&obj)
}

fn parse(obj: &Map<String, Value>) -> Result<WorkerRequest, RequestError> {
    let job_id = string_field(obj, "job_id").ok().filter(|s| !s.is_empty());
    let job_type = string_field(obj, "job_type").and_then(|t| t.parse::<JobType>());
    let fail = |message: String| RequestError {
        job_id: job_id.clone(),
        job_type: job_type.as_ref().ok().copied(),
        message: format!("{REQUEST_FILE}: {message}"),
    };
    let Some(id) = job_id.clone() else {
        return Err(fail("job_id must be a non-empty string".into()));
    };
    let project_id = string_field(obj, "project_id").map_err(fail)?;
    let job_type = job_type.clone().map_err(fail)?;
    let instruction = string_field(obj, "instruction").map_err(fail)?;
    Ok(WorkerRequest {
        project_id,
        job_id: id,
        job_type,
        instruction,
    })
}

fn string_field(obj: &Map<String, Value>, name: &str) -> Result<String, String> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!(
            "{name} must be a string, found {}",
            json_kind(other)
        )),
        None => Err(format!("{name} is missing")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with_request(contents: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".codex")).unwrap();
        std::fs::write(dir.path().join(REQUEST_FILE), contents).unwrap();
        dir
    }

    #[test]
    fn reads_a_valid_request_and_ignores_unknown_fields() {
        let body = json!({"project_id": "p1", "job_id": "j1", "job_type": "edit",
                          "instruction": "add 15", "extra": 1});
        let dir = with_request(&body.to_string());
        let req = load(dir.path()).unwrap();
        assert_eq!(req.job_id, "j1");
        assert_eq!(req.project_id, "p1");
        assert_eq!(req.job_type, JobType::Edit);
        assert_eq!(req.instruction, "add 15");
    }

    #[test]
    fn missing_file_names_the_path_and_workspace_dir() {
        let dir = tempfile::tempdir().unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(
            err.message.contains("request.json is missing"),
            "{}",
            err.message
        );
        assert!(err.message.contains("WORKSPACE_DIR"), "{}", err.message);
        assert_eq!(err.job_id, None);
    }

    #[test]
    fn malformed_json_and_non_objects_are_rejected() {
        let err = load(with_request("{\"job_id\": ").path()).unwrap_err();
        assert!(err.message.contains("not valid JSON"), "{}", err.message);
        let err = load(with_request("[1, 2]").path()).unwrap_err();
        assert!(err.message.contains("JSON object"), "{}", err.message);
    }

    #[test]
    fn unknown_job_type_keeps_the_job_id_and_lists_the_accepted_types() {
        let body = json!({"project_id": "p", "job_id": "j7", "job_type": "delete",
                          "instruction": "x"});
        let err = load(with_request(&body.to_string()).path()).unwrap_err();
        assert_eq!(err.job_id.as_deref(), Some("j7"));
        assert_eq!(err.job_type, None);
        assert!(err.message.contains("initial_project"), "{}", err.message);
    }

    #[test]
    fn wrong_field_types_say_the_type_but_not_the_value() {
        let body = json!({"project_id": "p", "job_id": "j", "job_type": "edit",
                          "instruction": {"secret": "sk-hidden"}});
        let err = load(with_request(&body.to_string()).path()).unwrap_err();
        assert!(err
            .message
            .contains("instruction must be a string, found an object"));
        assert!(!err.message.contains("sk-hidden"));
        assert_eq!(err.job_type, Some(JobType::Edit));
        let body = json!({"project_id": "p", "job_type": "edit", "instruction": "x"});
        let err = load(with_request(&body.to_string()).path()).unwrap_err();
        assert!(err.message.contains("job_id"), "{}", err.message);
    }
}
