//! The steps scenarios share: create a project or submit an edit, wait for this job's
//! result (the freshness rule), and save the plan's evidence files for it.

use super::{Ctx, Problem, Project};
use crate::client::{file_path, Reply};
use crate::evidence::Folder;
use crate::freshness::{self, Fresh, JobRef};
use codex_contract::{
    result_excerpt, FileContents, FileList, JobSummary, ProjectSummary, Status, SECRET_VARS,
};
use std::time::Duration;

/// `POST /projects/` → response.json, project_id.txt; then this job's result →
/// result.json, result_excerpt.txt.
pub fn create_project(
    ctx: &mut Ctx,
    folder: &mut Folder,
    instruction: &str,
    timeout: Duration,
) -> Result<Project, Problem> {
    let submitted_at = folder.since_run_start();
    let reply = ctx.client.post(
        "/projects/",
        &serde_json::json!({ "instruction": instruction }),
    )?;
    folder.write_json("response.json", &reply.body)?;
    let summary: ProjectSummary = expect_json(&reply, "POST /projects/")?;
    folder.write("project_id.txt", &format!("{}\n", summary.id))?;
    let fresh = freshness::await_result(
        &ctx.client,
        ctx.progress,
        &summary.id,
        &JobRef::Initial,
        summary.status,
        None,
        timeout,
    );
    mark_job(folder, submitted_at, &fresh, None);
    let fresh = fresh.inspect_err(|_| {
        save_what_was_seen(
            ctx,
            folder,
            &format!("/projects/{}", summary.id),
            &summary.id,
        )
    })?;
    save_result(folder, &fresh)?;
    Ok(Project {
        id: summary.id,
        response: reply.body,
        result: fresh,
    })
}

/// `POST /{pid}/jobs` (edit) → response.json; then this job's result → result.json,
/// result_excerpt.txt. The result.json seen before sending is the freshness baseline.
pub fn submit_edit(
    ctx: &mut Ctx,
    folder: &mut Folder,
    pid: &str,
    instruction: &str,
) -> Result<Fresh, Problem> {
    let before = freshness::read_result(&ctx.client, pid)?;
    let submitted_at = folder.since_run_start();
    let reply = ctx.client.post(
        &format!("/{pid}/jobs"),
        &serde_json::json!({ "job_type": "edit", "instruction": instruction }),
    )?;
    folder.write_json("response.json", &reply.body)?;
    let job: JobSummary = expect_json(&reply, "POST /{project_id}/jobs")?;
    let job_path = format!("/{pid}/jobs/{}", job.id);
    let fresh = freshness::await_result(
        &ctx.client,
        ctx.progress,
        pid,
        &JobRef::Job { id: job.id.clone() },
        job.status,
        before.as_deref(),
        ctx.settings.poll_timeout,
    );
    mark_job(folder, submitted_at, &fresh, Some(&job.id));
    let fresh = fresh.inspect_err(|_| save_what_was_seen(ctx, folder, &job_path, pid))?;
    save_result(folder, &fresh)?;
    Ok(fresh)
}

/// Records the job for the timeline: settled when its final poll brought a result.
fn mark_job<E>(
    folder: &mut Folder,
    submitted_at: Duration,
    outcome: &Result<Fresh, E>,
    job_id: Option<&str>,
) {
    let fresh = outcome.as_ref().ok();
    folder.jobs.push(crate::report::JobMark {
        job_id: job_id
            .map(str::to_owned)
            .or_else(|| fresh.and_then(|f| f.job_id.clone())),
        submitted_at,
        settled_at: fresh.map(|_| folder.since_run_start()),
    });
}

/// When no fresh result came: the job (or project) as the backend reports it → job.json,
/// and whatever result.json holds now → result_seen.json (best effort: evidence only).
fn save_what_was_seen(ctx: &Ctx, folder: &mut Folder, status_path: &str, pid: &str) {
    if let Ok(reply) = ctx.client.get(status_path) {
        let _ = folder.write_json("job.json", &reply.body);
    }
    if let Ok(Some(raw)) = freshness::read_result(&ctx.client, pid) {
        let _ = folder.write_json("result_seen.json", &raw);
    }
}

/// result.json (as the backend served it) and result_excerpt.txt (the five lines).
pub fn save_result(folder: &mut Folder, fresh: &Fresh) -> anyhow::Result<()> {
    folder.write_json("result.json", &fresh.raw)?;
    folder.write("result_excerpt.txt", &result_excerpt(&fresh.result))
}

/// `GET /{pid}/files` → files.json.
pub fn list_files(ctx: &Ctx, folder: &mut Folder, pid: &str) -> Result<FileList, Problem> {
    let reply = ctx.client.get(&format!("/{pid}/files"))?;
    folder.write_json("files.json", &reply.body)?;
    expect_json(&reply, "GET /{project_id}/files")
}

/// `GET /{pid}/files/{path}` → `name` (app.json or file.json) and status.txt.
pub fn get_file(
    ctx: &Ctx,
    folder: &mut Folder,
    pid: &str,
    path: &str,
    name: &str,
) -> Result<FileContents, Problem> {
    let reply = ctx.client.get(&file_path(pid, path))?;
    folder.write_json(name, &reply.body)?;
    folder.write("status.txt", &format!("{}\n", reply.status))?;
    expect_json(&reply, &format!("GET /{{project_id}}/files/{path}"))
}

/// A 200 answer parsed as the contract's `T`; a non-200 or a body of another shape fails the
/// check, naming the call.
fn expect_json<T: serde::de::DeserializeOwned>(reply: &Reply, call: &str) -> Result<T, Problem> {
    expect_200(reply, call)?
        .json()
        .map_err(|e| Problem::fail(format!("{call}: {e:#}")))
}

/// A non-200 answer is a failed check naming the call, the status and the error body.
pub fn expect_200<'r>(reply: &'r Reply, call: &str) -> Result<&'r Reply, Problem> {
    if reply.ok() {
        return Ok(reply);
    }
    let kind = if reply.status >= 500 {
        Problem::error
    } else {
        Problem::fail
    };
    Err(kind(format!(
        "{call} answered HTTP {}: {}",
        reply.status,
        super::one_line(&reply.body.chars().take(300).collect::<String>())
    ))
    .expected(format!("{call} answers 200 with the contract's body"))
    .look("response.json in this folder, logs.txt"))
}

/// The three presence lines, each `present` or `absent` (values are caught by the redactor).
pub fn check_presence_lines(fresh: &Fresh) -> Result<Vec<String>, Problem> {
    let mut lines = Vec::new();
    for var in SECRET_VARS {
        match fresh.result.log_value(var) {
            Some(v @ ("present" | "absent")) => lines.push(format!("{var}={v}")),
            Some(_) => {
                return Err(Problem::fail(format!(
                    "result.json logs carry {var}= with something other than present|absent"
                ))
                .suspect("the worker logs a value instead of its presence")
                .look("result.json logs"))
            }
            None => {
                return Err(Problem::fail(format!(
                    "result.json logs lack the presence line {var}=present|absent"
                ))
                .suspect("the worker does not log presence lines, or the backend did not run it")
                .look("result.json logs, logs.txt"))
            }
        }
    }
    Ok(lines)
}

/// L05/L06: the job's own result lists `path` in `modified_files`.
pub fn check_modified(fresh: &Fresh, path: &str) -> Result<(), Problem> {
    let modified = &fresh.result.modified_files;
    super::ensure(modified.iter().any(|f| f == path), || {
        format!("modified_files does not include {path}: {modified:?}")
    })
}

/// The job ended `completed` with a `success` result.
pub fn check_success(fresh: &Fresh) -> Result<(), Problem> {
    super::ensure(
        fresh.result.is_success() && fresh.status == Status::Completed,
        || {
            format!(
                "the job ended {} with result status {} (first error: {})",
                fresh.status,
                fresh.result.status.as_str(),
                fresh
                    .result
                    .errors
                    .first()
                    .map(String::as_str)
                    .unwrap_or("none")
            )
        },
    )?;
    super::ensure(!fresh.result.summary.trim().is_empty(), || {
        "result.json has an empty summary".into()
    })
}
