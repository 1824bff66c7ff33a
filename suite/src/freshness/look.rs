//! One look at the backend while waiting for a job: its status and result.json now. An
//! answer that is not what the wait needs ends it (`Fault::Answered`), naming the call.

use super::JobRef;
use crate::client::{ApiPath, Client};
use crate::poll::Fault;
use codex_contract::{FileContents, JobDetail, ProjectDetail, Status, RESULT_FILE};

/// The call `read_result` makes, as failures name it.
fn result_call() -> String {
    format!("GET /{{project_id}}/files/{RESULT_FILE}")
}

/// result.json of a project now (`None` when absent: a 404), for the `before` copy and the
/// polls. Any other status, or a body that is not the contract's `{path, contents}`, ends
/// a wait with that answer.
pub fn read_result(client: &Client, pid: &str) -> Result<Option<String>, Fault> {
    let reply = client.get(&ApiPath::file(pid, RESULT_FILE))?;
    if reply.status == 404 {
        return Ok(None);
    }
    Ok(Some(
        reply.contract::<FileContents>(&result_call())?.contents,
    ))
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
