//! One worker run, start to end: check that the result can be written, read the request,
//! run the engine between two workspace snapshots, honour the minimum duration, and write
//! `.codex/result.json`. Every failure after the first check ends in a structured error
//! result; only an unwritable result goes to stderr instead.
// The worker's stdout and stderr are its log (the runner keeps them as
// `.codex/worker.log`): these lines are how a job reports itself there.
#![allow(clippy::print_stdout, clippy::print_stderr)]

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
    // L07 in the plan: the forced error leaves the workspace untouched.
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
mod tests;
