//! The freshness rule: a `.codex/result.json` counts only when it is this job's.
//!
//! - When the result carries a `job_id` (our worker) and we know the job's id: it must match.
//! - Otherwise (the original worker writes no `job_id` and leaves the previous result in
//!   place while the next job runs): the job's status must be final (from the POST answer
//!   of a synchronous backend, or `GET /jobs/{id}` / `GET /projects/{id}`) AND result.json
//!   must differ from the copy read before the job was sent.
//! - A job that ended without a result of its own fails, saying which case it was.
//! - One exception (M04 against the original): in **mocked** mode the original's
//!   dummy worker writes the same fixed result for every job, byte for byte. An unchanged
//!   result on a job that answers `completed`, whose logs say the dummy worker ran, passes
//!   with an observation: its freshness cannot be proven. In live mode an unchanged result
//!   always fails, and so does a job that ended `error` (a crashed worker leaves the
//!   previous result in place).
//! - A stale judgement is not final at once (`settle`): an asynchronous backend may set the
//!   final status just before the result lands, so the job is looked at again for the
//!   settle grace (`--settle-grace`, 2 s by default), then judged by the same rule. A result
//!   that lands within the grace passes with an observation saying how late it came.

use crate::model::events::Events;
use crate::model::outcome::Problem;
use crate::target::client::Client;
use crate::target::poll::{self, Step};
use codex_contract::{Mode, Status, WorkerResult};
use std::time::{Duration, Instant};

/// The decision for one look at the job status and result.json.
#[derive(Debug, PartialEq)]
pub(crate) enum Judgement {
    /// This job's result.
    Fresh,
    /// Mocked mode: the dummy worker's fixed result, unchanged but accepted; the text is the
    /// observation to record.
    Unprovable(String),
    /// Not yet: why.
    Pending(String),
    /// The job is over and result.json is not its own: why.
    Stale(String),
}

/// The observation of `Judgement::Unprovable`.
pub(crate) const UNPROVABLE: &str =
    "freshness not provable: the dummy worker writes a fixed result";

/// `mode`: the mode the backend runs in. `ours`: this job's id when known. `status`: the
/// job's status when known. `before`: result.json as read before the job was sent (`None` =
/// absent). `now`: result.json as read now (`None` = absent).
pub(crate) fn judge(
    mode: Mode,
    ours: Option<&str>,
    status: Option<Status>,
    before: Option<&str>,
    now: Option<&str>,
) -> Judgement {
    let final_status = status.filter(|s| s.is_final());
    let written_by = now
        .and_then(|raw| serde_json::from_str::<WorkerResult>(raw).ok())
        .and_then(|r| r.job_id);
    if let (Some(ours), Some(theirs)) = (ours, written_by.as_deref()) {
        return match (ours == theirs, final_status, status) {
            (true, Some(_), _) | (true, None, None) => Judgement::Fresh,
            (true, None, Some(s)) => Judgement::Pending(format!("result written; job still {s}")),
            (false, Some(s), _) => Judgement::Stale(format!(
                "the job ended with status {s} but .codex/result.json belongs to job {theirs}, not to this \
                 job {ours}: the worker wrote no result for this job"
            )),
            (false, None, _) => Judgement::Pending(format!("result.json is still job {theirs}'s")),
        };
    }
    let Some(s) = final_status else {
        return Judgement::Pending(match status {
            Some(s) => format!("job {s}"),
            None => "job status unknown".into(),
        });
    };
    match now {
        None => Judgement::Stale(format!(
            "the job ended with status {s} and no .codex/result.json exists"
        )),
        Some(now)
            if Some(now) == before
                && mode == Mode::Mocked
                && s == Status::Completed
                && dummy_worker_ran(now) =>
        {
            Judgement::Unprovable(UNPROVABLE.into())
        }
        Some(now) if Some(now) == before => Judgement::Stale(if s == Status::Error {
            "the job ended in error and left only the previous job's .codex/result.json \
             (unchanged since before this job was sent): the worker wrote no result for this job"
                .into()
        } else {
            format!(
                "the job ended with status {s} but .codex/result.json is unchanged since before this job was \
                 sent: it is the previous job's, not this job's"
            )
        }),
        Some(_) => Judgement::Fresh,
    }
}

/// The result's logs say the dummy worker ran (ours: "dummy worker used
/// (USE_DUMMY_WORKER=True)"; the original: "Dummy worker used instead of Codex.").
fn dummy_worker_ran(raw: &str) -> bool {
    serde_json::from_str::<WorkerResult>(raw).is_ok_and(|r| {
        r.logs
            .iter()
            .any(|l| l.to_lowercase().contains("dummy worker"))
    })
}

/// Where the job's status comes from.
#[derive(Debug, Clone)]
pub(crate) enum JobRef {
    /// A job posted with `POST /{pid}/jobs`: `GET /{pid}/jobs/{id}`.
    Job { id: String },
    /// The initial job of a project just created: `GET /projects/{pid}` (its first job, or
    /// the project's own status when the backend lists no jobs).
    Initial,
}

/// This job's result, as read and parsed.
#[derive(Debug, Clone)]
pub(crate) struct OwnResult {
    pub raw: String,
    pub result: WorkerResult,
    pub status: Status,
    pub job_id: Option<String>,
    /// Mocked mode: the result could not be proven this job's (`Judgement::Unprovable`);
    /// the observation to record.
    pub unproven: Option<String>,
    /// How long the job's final status came before its result (within the settle grace).
    pub late: Option<Duration>,
}

/// One wait for a job's own result.
pub(crate) struct AwaitResult<'a> {
    pub client: &'a Client,
    pub events: &'a Events,
    pub pid: &'a str,
    pub job: &'a JobRef,
    /// The status the POST answered with (final on synchronous backends).
    pub posted: Status,
    /// result.json as read before the job was sent (`None` = absent).
    pub before: Option<&'a str>,
    pub timeout: Duration,
    /// How long a final status without this job's result is looked at again before it is
    /// judged stale (`--settle-grace`).
    pub grace: Duration,
    /// The mode the backend runs in (the mocked exception of `judge`).
    pub mode: Mode,
}

/// Waits until the job is final and result.json is its own (see `judge`, then `settle`).
pub(crate) fn await_result(wait: AwaitResult) -> Result<OwnResult, Problem> {
    let AwaitResult {
        client,
        events,
        pid,
        job,
        posted,
        before,
        timeout,
        grace,
        mode,
    } = wait;
    let mut known_id = match job {
        JobRef::Job { id } => Some(id.clone()),
        JobRef::Initial => None,
    };
    let mut stale_since: Option<Instant> = None;
    poll::until("this job's .codex/result.json", timeout, events, || {
        let status = match posted.is_final() {
            true => posted,
            false => job_status(client, pid, job, &mut known_id)?,
        };
        let now = read_result(client, pid)?;
        let judged = judge(
            mode,
            known_id.as_deref(),
            Some(status),
            before,
            now.as_deref(),
        );
        match judged {
            Judgement::Stale(_) => _ = stale_since.get_or_insert_with(Instant::now),
            Judgement::Pending(_) => stale_since = None,
            Judgement::Fresh | Judgement::Unprovable(_) => {}
        }
        Ok(
            match settle(judged, stale_since.map(|t| t.elapsed()), grace) {
                Settled::Wait(why) => Step::Wait(why),
                Settled::Stale(why) => Step::Done(Err(Problem::fail(with_backend_error(
                    why,
                    backend_error(client, pid, known_id.as_deref()),
                ))
                .suspect("the worker failed before writing its result, or wrote it elsewhere")
                .look("the job's error (GET /jobs/{id}), logs.txt, the workspace's .codex/"))),
                Settled::Fresh { unproven, late } => {
                    let raw = now.unwrap_or_default();
                    Step::Done(match serde_json::from_str::<WorkerResult>(&raw) {
                        Ok(result) => Ok(OwnResult {
                            raw,
                            result,
                            status,
                            job_id: known_id.clone(),
                            unproven,
                            late,
                        }),
                        Err(e) => Err(Problem::fail(format!(
                            ".codex/result.json is not the contract's result document: {e}"
                        ))
                        .suspect("the worker writes another format or a truncated file")
                        .look("result.json in this folder")),
                    })
                }
            },
        )
    })
}

mod look;
mod settle;

pub(crate) use look::read_result;
use look::{backend_error, job_status, with_backend_error};
pub(crate) use settle::{settle, Settled};

#[cfg(test)]
mod tests {
    use super::*;
    use Judgement::*;
    use Mode::*;
    use Status::*;

    const OLD: &str = r#"{"status":"success","summary":"old","timestamp":"1"}"#;
    const NEW: &str = r#"{"status":"success","summary":"new","timestamp":"2"}"#;
    const MINE: &str = r#"{"status":"success","job_id":"j2"}"#;
    const PREV: &str = r#"{"status":"success","job_id":"j1"}"#;

    #[test]
    fn job_id_decides_when_present() {
        assert_eq!(
            judge(Live, Some("j2"), Some(Completed), Some(PREV), Some(MINE)),
            Fresh
        );
        assert!(matches!(
            judge(Live, Some("j2"), Some(InProgress), Some(PREV), Some(MINE)),
            Pending(_)
        ));
        assert!(matches!(
            judge(Live, Some("j2"), Some(InProgress), Some(PREV), Some(PREV)),
            Pending(_)
        ));
        let Stale(why) = judge(Live, Some("j2"), Some(Error), Some(PREV), Some(PREV)) else {
            panic!()
        };
        assert!(why.contains("belongs to job j1"), "{why}");
    }

    #[test]
    fn without_job_id_a_final_status_and_a_changed_file_are_needed() {
        // The original: no job_id, the previous result stays while the job runs.
        assert!(matches!(
            judge(Live, None, Some(InProgress), Some(OLD), Some(OLD)),
            Pending(_)
        ));
        assert!(matches!(
            judge(Live, None, Some(Queued), Some(OLD), Some(NEW)),
            Pending(_)
        ));
        assert_eq!(
            judge(Live, None, Some(Completed), Some(OLD), Some(NEW)),
            Fresh
        );
        assert_eq!(
            judge(Live, Some("j9"), Some(Completed), Some(OLD), Some(NEW)),
            Fresh
        );
        assert_eq!(judge(Live, None, Some(Completed), None, Some(NEW)), Fresh);
    }

    #[test]
    fn an_error_job_that_left_the_previous_result_fails_saying_so() {
        let Stale(why) = judge(Live, None, Some(Error), Some(OLD), Some(OLD)) else {
            panic!()
        };
        assert!(why.contains("left only the previous job's"), "{why}");
        let Stale(why) = judge(Live, None, Some(Completed), Some(OLD), Some(OLD)) else {
            panic!()
        };
        assert!(why.contains("unchanged"), "{why}");
        let Stale(why) = judge(Live, None, Some(Error), None, None) else {
            panic!()
        };
        assert!(why.contains("no .codex/result.json"), "{why}");
    }

    /// The original's dummy result, byte for byte (CONTRACT.md "How the original differs").
    const DUMMY: &str = r#"{"status": "success", "summary": "Dummy worker: created Python CLI Fibonacci example.", "created_files": ["README.md", "app.py", "tests/test_cli.py"], "modified_files": [], "errors": [], "logs": ["Dummy worker used instead of Codex."]}"#;
    /// Ours in mocked mode, when a result were ever left unchanged.
    const OUR_DUMMY: &str =
        r#"{"status":"success","logs":["dummy worker used (USE_DUMMY_WORKER=True)"]}"#;

    #[test]
    fn mocked_an_unchanged_dummy_result_on_a_completed_job_passes_unproven() {
        for dummy in [DUMMY, OUR_DUMMY] {
            let Unprovable(why) = judge(Mocked, None, Some(Completed), Some(dummy), Some(dummy))
            else {
                panic!("{dummy}")
            };
            assert_eq!(why, UNPROVABLE);
        }
        // A changed dummy result is simply fresh.
        assert_eq!(
            judge(Mocked, None, Some(Completed), Some(OLD), Some(DUMMY)),
            Fresh
        );
    }

    #[test]
    fn mocked_an_unchanged_result_still_fails_without_dummy_logs_or_a_completed_job() {
        // Logs that do not name the dummy worker: the previous live result.
        assert!(matches!(
            judge(Mocked, None, Some(Completed), Some(OLD), Some(OLD)),
            Stale(_)
        ));
        // The job ended in error: the dummy result stays from an earlier job.
        let Stale(why) = judge(Mocked, None, Some(Error), Some(DUMMY), Some(DUMMY)) else {
            panic!()
        };
        assert!(why.contains("left only the previous job's"), "{why}");
        // Not final yet: wait.
        assert!(matches!(
            judge(Mocked, None, Some(InProgress), Some(DUMMY), Some(DUMMY)),
            Pending(_)
        ));
        // A job_id decides before the exception: another job's result stays stale.
        assert!(matches!(
            judge(Mocked, Some("j2"), Some(Completed), Some(PREV), Some(PREV)),
            Stale(_)
        ));
        // Unparseable result: never counted as the dummy's.
        assert!(matches!(
            judge(
                Mocked,
                None,
                Some(Completed),
                Some("dummy worker"),
                Some("dummy worker")
            ),
            Stale(_)
        ));
    }

    #[test]
    fn live_an_unchanged_result_fails_even_when_it_is_a_dummy_one() {
        let Stale(why) = judge(Live, None, Some(Completed), Some(DUMMY), Some(DUMMY)) else {
            panic!()
        };
        assert!(why.contains("unchanged"), "{why}");
    }

    #[test]
    fn live_a_crashed_worker_that_left_the_previous_success_fails() {
        // The original: the worker exits non-zero, the job ends `error`, the previous
        // (successful, timestamped) result.json stays in place.
        for mode in [Live, Mocked] {
            let Stale(why) = judge(mode, None, Some(Error), Some(NEW), Some(NEW)) else {
                panic!()
            };
            assert!(
                why.contains("the worker wrote no result for this job"),
                "{why}"
            );
        }
    }
}
