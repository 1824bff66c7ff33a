//! The completion rule: a job is `completed` when `.codex/result.json` parses, says
//! `success` and carries this job's id (or none, as the original worker writes it);
//! otherwise it is `error`, with a reason that says what went wrong.

use crate::runner::{Exit, RunError};
use crate::workspace::ResultError;
use codex_contract::{WorkerResult, WorkerStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Completed {
        summary: String,
    },
    Error {
        reason: String,
        /// The worker's own summary when it wrote one (shown on the project).
        summary: Option<String>,
    },
}

impl Outcome {
    /// An error the worker did not describe (no summary of its own).
    pub fn error(reason: impl Into<String>) -> Outcome {
        Outcome::Error {
            reason: reason.into(),
            summary: None,
        }
    }
}

pub const INTERRUPTED_BY_SHUTDOWN: &str = "interrupted by shutdown";

/// Judges a finished run. `read_result` is called only when the worker ran to its end.
pub fn judge(
    job_id: &str,
    run: Result<Exit, RunError>,
    read_result: impl FnOnce() -> Result<WorkerResult, ResultError>,
) -> Outcome {
    let exit = match run {
        Ok(exit) => exit,
        Err(RunError::Timeout(t)) => {
            return Outcome::error(format!(
                "the worker ran longer than WORKER_TIMEOUT_SECONDS={} and was killed",
                t.as_secs()
            ))
        }
        Err(RunError::Cancelled) => return Outcome::error(INTERRUPTED_BY_SHUTDOWN),
        Err(RunError::Failed(reason)) => return Outcome::error(reason),
    };
    let code = exit
        .code
        .map(|c| c.to_string())
        .unwrap_or_else(|| "unknown (killed by a signal)".into());
    let result = match read_result() {
        Ok(r) => r,
        Err(ResultError::Missing) => {
            return Outcome::error(format!(
                "the worker exited with code {code} without writing .codex/result.json \
                 (see .codex/worker.log)"
            ))
        }
        Err(ResultError::Invalid(e)) => {
            return Outcome::error(format!(
                ".codex/result.json is not a valid worker result ({e}); the worker exited with code {code}"
            ))
        }
    };
    if let Some(owner) = result.job_id.as_deref().filter(|o| *o != job_id) {
        return Outcome::error(format!(
            ".codex/result.json belongs to job {owner}, not to this job: the worker did not \
             write a result for it (exit code {code})"
        ));
    }
    let summary = Some(result.summary.clone()).filter(|s| !s.trim().is_empty());
    match result.status {
        WorkerStatus::Success => Outcome::Completed {
            summary: result.summary,
        },
        status => {
            let why = result
                .errors
                .first()
                .cloned()
                .or_else(|| summary.clone())
                .unwrap_or_else(|| "no reason given".into());
            Outcome::Error {
                reason: format!("the worker reported status {}: {why}", status.as_str()),
                summary,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn result(v: serde_json::Value) -> impl FnOnce() -> Result<WorkerResult, ResultError> {
        move || Ok(serde_json::from_value(v).unwrap())
    }
    const OK: Result<Exit, RunError> = Ok(Exit { code: Some(0) });

    #[test]
    fn success_with_this_job_id_or_none_completes() {
        for v in [
            json!({"status": "success", "summary": "s", "job_id": "j"}),
            json!({"status": "success", "summary": "s"}),
        ] {
            assert_eq!(
                judge("j", OK, result(v)),
                Outcome::Completed {
                    summary: "s".into()
                }
            );
        }
    }

    #[test]
    fn every_other_ending_is_an_error_with_a_reason() {
        let reason = |o: Outcome| match o {
            Outcome::Error { reason, .. } => reason,
            other => panic!("expected an error, got {other:?}"),
        };
        let r = reason(judge(
            "j",
            OK,
            result(json!({"status": "success", "job_id": "old"})),
        ));
        assert!(r.contains("belongs to job old"), "{r}");
        let r = reason(judge(
            "j",
            Ok(Exit { code: Some(1) }),
            result(json!({"status": "error", "errors": ["forced_error"], "summary": "x"})),
        ));
        assert!(r.contains("forced_error"), "{r}");
        let r = reason(judge("j", OK, || Err(ResultError::Missing)));
        assert!(r.contains("without writing .codex/result.json"), "{r}");
        let r = reason(judge("j", OK, || Err(ResultError::Invalid("eof".into()))));
        assert!(r.contains("not a valid worker result"), "{r}");
        let r = reason(judge(
            "j",
            Err(RunError::Timeout(Duration::from_secs(3))),
            || unreachable!(),
        ));
        assert!(r.contains("WORKER_TIMEOUT_SECONDS=3"), "{r}");
        assert_eq!(
            reason(judge("j", Err(RunError::Cancelled), || unreachable!())),
            INTERRUPTED_BY_SHUTDOWN
        );
    }
}
