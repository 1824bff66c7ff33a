//! One worker run, start to end: check that the result can be written, read the request,
//! run the engine between two workspace snapshots, honour the minimum duration, and write
//! `.codex/result.json`. Every failure after the first check ends in a structured error
//! result; only an unwritable result goes to stderr instead.

use crate::config::{self, Config};
use crate::engine::Failure;
use crate::request;
use crate::result;
use crate::secrets::Secrets;
use crate::snapshot::{Changes, Snapshot};
use crate::timing;
use codex_contract::{
    now_iso8601, JobType, WorkerRequest, WorkerResult, WorkerStatus, RESULT_FILE,
};
use std::path::PathBuf;
use std::time::Instant;

/// The process exit code; `.codex/result.json` (when written) has the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: result written, `status: success`.
    Success,
    /// 1: result written, `status: error` (force_error, engine failure).
    JobFailed,
    /// 2: result written, `status: error`: bad request.json or worker configuration.
    BadInput,
    /// 3: the result could not be written; the cause is on stderr with the path.
    ResultUnwritable,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::JobFailed => 1,
            Exit::BadInput => 2,
            Exit::ResultUnwritable => 3,
        }
    }
}

/// The error slug of a forced failure, as the plan's error scenario expects it.
pub const FORCED_ERROR: &str = "forced_error";

/// Runs the job described by the environment `lookup` (the process env in `main`).
pub fn run(lookup: impl Fn(&str) -> Option<String>) -> Exit {
    let started = Instant::now();
    let workspace = config::workspace_dir(&lookup);
    if let Err(e) = result::prepare(&workspace) {
        eprintln!(
            "codex-worker: cannot write {}: {e:#}",
            workspace.join(RESULT_FILE).display()
        );
        return Exit::ResultUnwritable;
    }
    let mut report = Report {
        workspace,
        secrets: Secrets::from_lookup(&lookup),
        engine: config::engine_name(&lookup),
        job_id: None,
        job_type: None,
        extra_logs: Vec::new(),
    };
    let request = match request::load(&report.workspace) {
        Ok(request) => request,
        Err(e) => {
            report.job_id = e.job_id;
            report.job_type = e.job_type;
            return report.failed(Exit::BadInput, format!("invalid_request: {}", e.message));
        }
    };
    report.job_id = Some(request.job_id.clone());
    report.job_type = Some(request.job_type);
    // After the request, so that even this error result names its job.
    let config = match Config::from_lookup(&lookup) {
        Ok(config) => config,
        Err(e) => return report.failed(Exit::BadInput, format!("invalid_config: {e:#}")),
    };

    let min = timing::min_duration(&request.instruction, config.sleep);
    if !min.is_zero() {
        report
            .extra_logs
            .push(format!("min_duration_seconds={}", min.as_secs_f64()));
    }
    let outcome = execute(&config, &request, &mut report);
    timing::wait_until_elapsed(started, min);
    report.finish(outcome)
}

/// What the job did, before it is written as a result.
struct Outcome {
    summary: String,
    errors: Vec<String>,
    changes: Changes,
}

fn execute(config: &Config, request: &WorkerRequest, report: &mut Report) -> Outcome {
    let workspace = &config.workspace;
    // L05 in the plan: the forced error leaves the workspace untouched.
    if request.instruction.to_lowercase().contains("force_error") {
        return Outcome {
            summary: "Forced error requested by the instruction (force_error); the workspace \
                      was not changed"
                .into(),
            errors: vec![FORCED_ERROR.into()],
            changes: Changes::default(),
        };
    }
    let before = match Snapshot::take(workspace) {
        Ok(s) => s,
        Err(e) => return failed_outcome(format!("snapshot_failed: {e:#}"), Changes::default()),
    };
    let ran = config.engine.run(workspace, request, &config.secrets);
    // The lists come from the snapshots, so they are right even for a failed agent that
    // changed some files before it stopped.
    let changes = match Snapshot::take(workspace) {
        Ok(after) => before.diff(&after),
        Err(e) => {
            let mut outcome = failed_outcome(format!("snapshot_failed: {e:#}"), Changes::default());
            if let Err(Failure { error, .. }) = &ran {
                outcome.errors.insert(0, error.clone());
            }
            return outcome;
        }
    };
    if !changes.deleted.is_empty() {
        report
            .extra_logs
            .push(format!("deleted_files={}", changes.deleted.join(",")));
    }
    match ran {
        Ok(done) => {
            report.extra_logs.extend(done.logs);
            Outcome {
                summary: done.summary,
                errors: Vec::new(),
                changes,
            }
        }
        Err(failure) => {
            report.extra_logs.extend(failure.logs);
            failed_outcome(failure.error, changes)
        }
    }
}

fn failed_outcome(error: String, changes: Changes) -> Outcome {
    Outcome {
        summary: format!("Job failed: {error}"),
        errors: vec![error],
        changes,
    }
}

/// Everything the result's `logs` and identity need, gathered along the run.
struct Report {
    workspace: PathBuf,
    secrets: Secrets,
    engine: &'static str,
    job_id: Option<String>,
    job_type: Option<JobType>,
    extra_logs: Vec<String>,
}

impl Report {
    fn failed(self, exit: Exit, error: String) -> Exit {
        let outcome = failed_outcome(error, Changes::default());
        self.write(&outcome, exit)
    }

    fn finish(self, outcome: Outcome) -> Exit {
        let exit = if outcome.errors.is_empty() {
            Exit::Success
        } else {
            Exit::JobFailed
        };
        self.write(&outcome, exit)
    }

    fn write(self, outcome: &Outcome, exit: Exit) -> Exit {
        let result = self.result(outcome);
        let job = self.job_id.as_deref().unwrap_or("(unknown)");
        match result::write(&self.workspace, &result) {
            Ok(placed) => {
                if let result::Placed::Late { current_job, .. } = &placed {
                    eprintln!(
                        "codex-worker: job {job} is no longer the workspace's job (request.json \
                         names {}); its result is kept in history and the current result is \
                         left alone",
                        current_job.as_deref().unwrap_or("no readable job")
                    );
                }
                let path = placed.path();
                println!(
                    "codex-worker: job {job} {} (engine={}): {}",
                    result.status.as_str(),
                    self.engine,
                    result.summary
                );
                for error in &result.errors {
                    eprintln!("codex-worker: error: {error}");
                }
                println!("codex-worker: result written to {}", path.display());
                exit
            }
            Err(e) => {
                eprintln!("codex-worker: job {job}: cannot write the result: {e:#}");
                Exit::ResultUnwritable
            }
        }
    }

    /// The result, with every string passed through the redactor: an instruction or an
    /// error message must never carry a secret value into the workspace.
    fn result(&self, outcome: &Outcome) -> WorkerResult {
        let redact = |s: &String| self.secrets.redact(s);
        let mut logs: Vec<String> = self.secrets.presence().to_vec();
        logs.push(format!(
            "job_type={}",
            self.job_type.map_or("unknown", JobType::as_str)
        ));
        logs.push(format!("engine={}", self.engine));
        logs.extend(self.extra_logs.iter().map(redact));
        WorkerResult {
            status: if outcome.errors.is_empty() {
                WorkerStatus::Success
            } else {
                WorkerStatus::Error
            },
            summary: self.secrets.redact(&outcome.summary),
            created_files: outcome.changes.created.iter().map(redact).collect(),
            modified_files: outcome.changes.modified.iter().map(redact).collect(),
            errors: outcome.errors.iter().map(redact).collect(),
            logs,
            timestamp: now_iso8601(),
            job_id: self.job_id.as_deref().map(|id| self.secrets.redact(id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_contract::REQUEST_FILE;
    use serde_json::json;
    use std::collections::HashMap;
    use std::fs;
    use std::time::Duration;

    const KEY: &str = "sk-unit-planted-key";

    struct Ws {
        dir: tempfile::TempDir,
    }

    impl Ws {
        fn new() -> Ws {
            Ws {
                dir: tempfile::tempdir().unwrap(),
            }
        }

        fn request(&self, job_type: &str, instruction: &str) {
            fs::create_dir_all(self.dir.path().join(".codex")).unwrap();
            let body = json!({"project_id": "p", "job_id": "job-1", "job_type": job_type,
                              "instruction": instruction});
            fs::write(self.dir.path().join(REQUEST_FILE), body.to_string()).unwrap();
        }

        fn run(&self, extra: &[(&str, &str)]) -> (Exit, Option<WorkerResult>) {
            let mut env: HashMap<String, String> = HashMap::from([
                (
                    "WORKSPACE_DIR".into(),
                    self.dir.path().display().to_string(),
                ),
                ("OPENAI_API_KEY".into(), KEY.into()),
            ]);
            env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            let exit = run(|name| env.get(name).cloned());
            let result = fs::read(self.dir.path().join(RESULT_FILE))
                .ok()
                .map(|b| serde_json::from_slice(&b).unwrap());
            (exit, result)
        }
    }

    fn assert_standard_logs(r: &WorkerResult, job_type: &str, engine: &str) {
        assert_eq!(
            &r.logs[..5],
            [
                "OPENAI_API_KEY=present".to_owned(),
                "OPENAI_ORG_ID=absent".into(),
                "OPENAI_PROJECT=absent".into(),
                format!("job_type={job_type}"),
                format!("engine={engine}"),
            ]
        );
        assert!(!serde_json::to_string(r).unwrap().contains(KEY));
    }

    #[test]
    fn initial_job_succeeds_with_snapshot_lists() {
        let ws = Ws::new();
        ws.request("initial_project", "a fibonacci CLI");
        let (exit, r) = ws.run(&[]);
        let r = r.unwrap();
        assert_eq!(exit, Exit::Success);
        assert!(r.is_success(), "{r:?}");
        assert_eq!(
            r.created_files,
            ["README.md", "app.py", "tests/test_cli.py"]
        );
        assert!(r.modified_files.is_empty() && r.errors.is_empty());
        assert_eq!(r.job_id.as_deref(), Some("job-1"));
        assert!(r.timestamp.ends_with('Z'));
        assert_standard_logs(&r, "initial_project", "builtin");
    }

    #[test]
    fn force_error_leaves_the_workspace_untouched() {
        let ws = Ws::new();
        ws.request("initial_project", "please FORCE_ERROR now");
        let (exit, r) = ws.run(&[]);
        let r = r.unwrap();
        assert_eq!(exit, Exit::JobFailed);
        assert_eq!(r.status, WorkerStatus::Error);
        assert_eq!(r.errors, [FORCED_ERROR]);
        assert!(r.created_files.is_empty());
        assert!(!ws.dir.path().join("app.py").exists());
        assert_standard_logs(&r, "initial_project", "builtin");
    }

    #[test]
    fn invalid_configuration_is_a_structured_bad_input() {
        let ws = Ws::new();
        ws.request("edit", "x");
        let (exit, r) = ws.run(&[("SLEEP_SECONDS", "soon")]);
        let r = r.unwrap();
        assert_eq!(exit, Exit::BadInput);
        assert!(
            r.errors[0].starts_with("invalid_config:") && r.errors[0].contains("SLEEP_SECONDS")
        );
        assert_eq!(r.job_id.as_deref(), Some("job-1"));
        assert_standard_logs(&r, "edit", "builtin");
    }

    #[test]
    fn unknown_job_type_keeps_the_job_id_and_changes_nothing() {
        let ws = Ws::new();
        ws.request("delete_everything", "x");
        let (exit, r) = ws.run(&[("CODEX_AGENT_CMD", "touch should-not-exist")]);
        let r = r.unwrap();
        assert_eq!(exit, Exit::BadInput);
        assert_eq!(r.job_id.as_deref(), Some("job-1"));
        assert!(
            r.errors[0].starts_with("invalid_request:"),
            "{:?}",
            r.errors
        );
        assert!(!ws.dir.path().join("should-not-exist").exists());
        assert_standard_logs(&r, "unknown", "agent");
    }

    #[test]
    fn missing_request_is_a_structured_error() {
        let ws = Ws::new();
        let (exit, r) = ws.run(&[]);
        let r = r.unwrap();
        assert_eq!(exit, Exit::BadInput);
        assert!(
            r.errors[0].contains("request.json is missing"),
            "{:?}",
            r.errors
        );
        assert_eq!(r.job_id, None);
    }

    #[test]
    fn an_unusable_workspace_writes_nothing() {
        let ws = Ws::new();
        fs::write(ws.dir.path().join(".codex"), "a file, not a dir").unwrap();
        let (exit, _) = ws.run(&[]);
        assert_eq!(exit, Exit::ResultUnwritable);
        assert_eq!(
            fs::read_to_string(ws.dir.path().join(".codex")).unwrap(),
            "a file, not a dir"
        );
    }

    #[test]
    fn sleep_seconds_makes_the_job_take_at_least_that_long() {
        let ws = Ws::new();
        ws.request("edit", "add a flag");
        let started = Instant::now();
        let (exit, r) = ws.run(&[("SLEEP_SECONDS", "0.3")]);
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(exit, Exit::Success);
        let r = r.unwrap();
        assert!(
            r.logs.contains(&"min_duration_seconds=0.3".to_owned()),
            "{:?}",
            r.logs
        );
        // Edit without app.py: the fallback creates it.
        assert_eq!(r.created_files, ["app.py"]);
    }

    #[test]
    fn a_failing_agent_reports_partial_changes_from_the_snapshot() {
        let ws = Ws::new();
        fs::write(ws.dir.path().join("keep.txt"), "v1").unwrap();
        fs::write(ws.dir.path().join("old.txt"), "bye").unwrap();
        ws.request("edit", "x");
        let cmd = "echo v2 > keep.txt; echo n > new.txt; rm old.txt; exit 3";
        let (exit, r) = ws.run(&[("CODEX_AGENT_CMD", cmd)]);
        let r = r.unwrap();
        assert_eq!(exit, Exit::JobFailed);
        assert!(r.errors[0].contains("exit"), "{:?}", r.errors);
        assert_eq!(r.created_files, ["new.txt"]);
        assert_eq!(r.modified_files, ["keep.txt"]);
        assert!(
            r.logs.contains(&"deleted_files=old.txt".to_owned()),
            "{:?}",
            r.logs
        );
        assert!(
            r.logs.contains(&"agent_exit_code=3".to_owned()),
            "{:?}",
            r.logs
        );
        assert_standard_logs(&r, "edit", "agent");
    }
}
