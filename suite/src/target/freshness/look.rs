//! One look at the backend while waiting for a job: its status and result.json now. An
//! answer that is not what the wait needs ends it (`Fault::Answered`), naming the call.

use super::JobRef;
use crate::target::client::{ApiPath, Client};
use crate::target::poll::Fault;
use codex_contract::{FileContents, JobDetail, ProjectDetail, Status, RESULT_FILE};

/// The call `read_result` makes, as failures name it.
fn result_call() -> String {
    format!("GET /{{project_id}}/files/{RESULT_FILE}")
}

/// result.json of a project now (`None` when absent: a 404), for the `before` copy and the
/// polls. Any other status, or a body that is not the contract's `{path, contents}`, ends
/// a wait with that answer.
pub(crate) fn read_result(client: &Client, pid: &str) -> Result<Option<String>, Fault> {
    let reply = client.get(&ApiPath::file(pid, RESULT_FILE))?;
    if reply.status == 404 {
        return Ok(None);
    }
    Ok(Some(
        reply.contract::<FileContents>(&result_call())?.contents,
    ))
}

/// Longest part of a backend's own error text carried in a one-line reason (the whole
/// answer is in job.json).
const BACKEND_ERROR_CHARS: usize = 300;

/// The backend's own words for how the job ended (the job's `error`), when it gives any. The
/// initial job of a synchronous backend is found through its project.
pub(super) fn backend_error(
    client: &Client,
    pid: &str,
    job_id: Option<&str>,
) -> anyhow::Result<Option<String>> {
    let id = match job_id {
        Some(id) => id.to_owned(),
        None => {
            let reply = client.get(&ApiPath::project(pid))?;
            let project: ProjectDetail = reply.json()?;
            match project.jobs.first() {
                Some(job) => job.id.clone(),
                None => return Ok(None),
            }
        }
    };
    let job: JobDetail = client.get(&ApiPath::job(pid, &id))?.json()?;
    Ok(job.error.filter(|e| !e.trim().is_empty()))
}

/// `why`, then what the backend says of the job (bounded), or why that could not be read.
pub(super) fn with_backend_error(why: String, said: anyhow::Result<Option<String>>) -> String {
    match said {
        Ok(None) => why,
        Ok(Some(error)) => {
            let mut shown: String = error.chars().take(BACKEND_ERROR_CHARS).collect();
            if error.chars().count() > BACKEND_ERROR_CHARS {
                shown.push('…');
            }
            format!("{why}; the backend says: {shown}")
        }
        Err(e) => format!("{why} (the job's error could not be read: {e:#})"),
    }
}

/// The job's status now (`known_id`: the initial job's id, once the project lists it).
pub(super) fn job_status(
    client: &Client,
    pid: &str,
    job: &JobRef,
    known_id: &mut Option<String>,
) -> Result<Status, Fault> {
    Ok(match job {
        JobRef::Job { id } => {
            let reply = client.get(&ApiPath::job(pid, id))?;
            let detail: JobDetail = reply.contract("GET /{project_id}/jobs/{job_id}")?;
            detail.job.status
        }
        JobRef::Initial => {
            let reply = client.get(&ApiPath::project(pid))?;
            let d: ProjectDetail = reply.contract("GET /projects/{project_id}")?;
            match d.jobs.first() {
                Some(j) => {
                    *known_id = Some(j.id.clone());
                    j.status
                }
                None => d.project.status,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_reason_carries_the_backends_own_error_bounded() {
        let why = || "the job ended with status error and no .codex/result.json exists".to_owned();
        assert_eq!(
            with_backend_error(why(), Ok(Some("the worker exited with code 1".into()))),
            "the job ended with status error and no .codex/result.json exists; the backend says: the worker \
             exited with code 1"
        );
        assert_eq!(with_backend_error(why(), Ok(None)), why());
        let long = with_backend_error(why(), Ok(Some("é".repeat(1000))));
        assert!(long.ends_with(&format!("{}…", "é".repeat(BACKEND_ERROR_CHARS))));
        let failed = with_backend_error(why(), Err(anyhow::anyhow!("GET …: 500")));
        assert!(failed.ends_with("(the job's error could not be read: GET …: 500)"));
    }
}
