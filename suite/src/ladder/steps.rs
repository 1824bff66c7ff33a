//! The steps scenarios share: create a project or submit an edit, wait for this job's
//! result (the freshness rule), and save the plan's evidence files for it.

use super::{Ctx, Problem, Project};
use crate::evidence::ScenarioDir;
use crate::target::client::{id_shape, ApiPath, Deadline, IdShape};
use crate::target::freshness::{self, AwaitResult, JobRef, OwnResult};
use codex_contract::{
    result_excerpt, FileContents, FileList, JobSummary, ProjectSummary, Status, SECRET_VARS,
};
use std::time::Duration;

/// `POST /projects/` → response.json, project_id.txt; then this job's result →
/// result.json, result_excerpt.txt.
pub(crate) fn create_project(
    ctx: &mut Ctx,
    folder: &mut ScenarioDir,
    instruction: &str,
    timeout: Duration,
) -> Result<Project, Problem> {
    let mark = ctx.job_mark();
    // A synchronous backend (the original) answers when the job is over: the POST gets the
    // job's own timeout.
    let reply = ctx.client.post_with(
        &ApiPath::projects(),
        &serde_json::json!({ "instruction": instruction }),
        Deadline::Job(timeout),
    )?;
    folder.write_json("response.json", &reply.body)?;
    let summary: ProjectSummary = reply.contract("POST /projects/")?;
    ctx.job_sent(mark);
    folder.write("project_id.txt", &format!("{}\n", summary.id))?;
    check_id(ctx, "project", &summary.id)?;
    let waited = freshness::await_result(AwaitResult {
        client: &ctx.client,
        events: ctx.events,
        pid: &summary.id,
        job: &JobRef::Initial,
        posted: summary.status,
        before: None,
        timeout,
        grace: ctx.settings.settle_grace,
        mode: ctx.stack.mode(),
    });
    let own = match waited {
        Ok(own) => own,
        Err(problem) => {
            ctx.job_settled(mark, None);
            let status = ApiPath::project(&summary.id);
            return Err(save_what_was_seen(
                ctx,
                folder,
                &status,
                &summary.id,
                problem,
            ));
        }
    };
    ctx.job_settled(mark, own.job_id.as_deref());
    save_result(folder, &own)?;
    observe_result(ctx, &own);
    learn_target(ctx, summary.status, &own);
    Ok(Project {
        id: summary.id,
        response: reply.body,
        result: own,
    })
}

/// `POST /{pid}/jobs` (edit) → response.json; then this job's result → result.json,
/// result_excerpt.txt. The result.json seen before sending is the freshness baseline.
pub(crate) fn submit_edit(
    ctx: &mut Ctx,
    folder: &mut ScenarioDir,
    pid: &str,
    instruction: &str,
) -> Result<OwnResult, Problem> {
    let before = freshness::read_result(&ctx.client, pid)?;
    let mark = ctx.job_mark();
    let timeout = ctx.settings.poll_timeout;
    let reply = ctx.client.post_with(
        &ApiPath::jobs(pid),
        &serde_json::json!({ "job_type": "edit", "instruction": instruction }),
        Deadline::Job(timeout),
    )?;
    folder.write_json("response.json", &reply.body)?;
    let job: JobSummary = reply.contract("POST /{project_id}/jobs")?;
    ctx.job_sent_as(mark, &job.id);
    check_id(ctx, "job", &job.id)?;
    let waited = freshness::await_result(AwaitResult {
        client: &ctx.client,
        events: ctx.events,
        pid,
        job: &JobRef::Job { id: job.id.clone() },
        posted: job.status,
        before: before.as_deref(),
        timeout,
        grace: ctx.settings.settle_grace,
        mode: ctx.stack.mode(),
    });
    ctx.job_settled(mark, Some(&job.id));
    let own = match waited {
        Ok(own) => own,
        Err(problem) => {
            let status = ApiPath::job(pid, &job.id);
            return Err(save_what_was_seen(ctx, folder, &status, pid, problem));
        }
    };
    save_result(folder, &own)?;
    observe_result(ctx, &own);
    Ok(own)
}

/// An id the target sent goes into later URLs as one percent-encoded segment: one that is
/// no plain token is an observation, one no URL can carry (empty, `.`, `..`) a failure.
fn check_id(ctx: &mut Ctx, what: &str, id: &str) -> Result<(), Problem> {
    let shown: String = format!("{id:?}").chars().take(80).collect();
    match id_shape(id) {
        IdShape::Plain => Ok(()),
        IdShape::Encoded => {
            ctx.observe(format!(
                "the target's {what} id {shown} is not a plain token (letters, digits, - _ . ~): \
                 it is sent percent-encoded as one path segment"
            ));
            Ok(())
        }
        IdShape::Unusable => Err(Problem::fail(format!(
            "the target's {what} id {shown} cannot be a path segment: a URL resolves it away"
        ))
        .expected(format!(
            "a {what} id that names the {what} in a URL (the contract: a UUID)"
        ))
        .look("response.json in this folder")),
    }
}

/// What the freshness rule could not prove about this job's result (mocked mode), and a
/// result that landed after the job's final status.
fn observe_result(ctx: &mut Ctx, own: &OwnResult) {
    if let Some(why) = &own.unproven {
        ctx.observe(why.clone());
    }
    if let Some(late) = own.late {
        ctx.observe(format!(
            "status before result: {:.1} s (the job was final before its result.json was \
             written)",
            late.as_secs_f64()
        ));
    }
}

/// The first create completes the target profile (jobs synchronous or not, result.json
/// with or without `job_id`); a result without `job_id` is observed there, once.
fn learn_target(ctx: &mut Ctx, posted: Status, own: &OwnResult) {
    let Some(target) = ctx.target.as_mut() else {
        return;
    };
    if target.jobs.is_some() {
        return;
    }
    target.learn_from_create(posted, &own.result);
    let line = target.describe();
    ctx.events.line(line);
    if own.result.job_id.is_none() {
        ctx.observe(
            "result.json carries no job_id: freshness is judged by the job's final status and \
             a changed result (contract: our worker writes the job_id)",
        );
    }
}

/// When no fresh result came: the job (or project) as the backend reports it → job.json,
/// and whatever result.json holds now → result_seen.json. Evidence only: what could not be
/// read or saved is named in the problem's `where to look`.
fn save_what_was_seen(
    ctx: &Ctx,
    folder: &mut ScenarioDir,
    status: &ApiPath,
    pid: &str,
    problem: Problem,
) -> Problem {
    let mut missing = Vec::new();
    match ctx.client.get(status) {
        Ok(reply) => {
            if let Err(e) = folder.write_json("job.json", &reply.body) {
                missing.push(format!("job.json not saved: {e:#}"));
            }
        }
        Err(e) => missing.push(format!("job.json not saved: {e:#}")),
    }
    match freshness::read_result(&ctx.client, pid) {
        Ok(Some(raw)) => {
            if let Err(e) = folder.write_json("result_seen.json", &raw) {
                missing.push(format!("result_seen.json not saved: {e:#}"));
            }
        }
        Ok(None) => {}
        Err(fault) => missing.push(format!(
            "result_seen.json not saved: {}",
            Problem::from(fault).reason
        )),
    }
    if missing.is_empty() {
        return problem;
    }
    let look = problem.look.clone();
    let missing = missing.join("; ");
    problem.look(match look {
        Some(look) => format!("{look} ({missing})"),
        None => missing,
    })
}

/// result.json (as the backend served it) and result_excerpt.txt (the five lines).
pub(crate) fn save_result(folder: &mut ScenarioDir, own: &OwnResult) -> anyhow::Result<()> {
    folder.write_json("result.json", &own.raw)?;
    folder.write("result_excerpt.txt", &result_excerpt(&own.result))
}

/// `GET /{pid}/files` → files.json.
pub(crate) fn list_files(
    ctx: &Ctx,
    folder: &mut ScenarioDir,
    pid: &str,
) -> Result<FileList, Problem> {
    let reply = ctx.client.get(&ApiPath::files(pid))?;
    folder.write_json("files.json", &reply.body)?;
    reply.contract("GET /{project_id}/files")
}

/// `GET /{pid}/files/{path}` → `name` (app.json or file.json) and status.txt.
pub(crate) fn get_file(
    ctx: &Ctx,
    folder: &mut ScenarioDir,
    pid: &str,
    path: &str,
    name: &str,
) -> Result<FileContents, Problem> {
    let reply = ctx.client.get(&ApiPath::file(pid, path))?;
    folder.write_json(name, &reply.body)?;
    folder.write("status.txt", &format!("{}\n", reply.status))?;
    reply.contract(&format!("GET /{{project_id}}/files/{path}"))
}

/// The three presence lines, each `present` or `absent` (values are caught by the redactor).
pub(crate) fn check_presence_lines(own: &OwnResult) -> Result<Vec<String>, Problem> {
    let mut lines = Vec::new();
    for var in SECRET_VARS {
        match own.result.log_value(var) {
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
pub(crate) fn check_modified(own: &OwnResult, path: &str) -> Result<(), Problem> {
    let modified = &own.result.modified_files;
    super::ensure(modified.iter().any(|f| f == path), || {
        format!("modified_files does not include {path}: {modified:?}")
    })
}

/// The job's own result says `success` with a summary (the plan's acceptance reads
/// result.json). A job status that disagrees is an observation.
pub(crate) fn check_success(ctx: &mut Ctx, own: &OwnResult) -> Result<(), Problem> {
    super::ensure(own.result.is_success(), || {
        format!(
            "result.json status is {} (job {}; first error: {})",
            own.result.status.as_str(),
            own.status,
            own.result
                .errors
                .first()
                .map(String::as_str)
                .unwrap_or("none")
        )
    })?;
    super::ensure(!own.result.summary.trim().is_empty(), || {
        "result.json has an empty summary".into()
    })?;
    observe_status(ctx, own, Status::Completed);
    Ok(())
}

/// The contract marks a job `completed` for a success result and `error` otherwise; the
/// original marks it `completed` whenever its worker exits 0 (CONTRACT.md "How the
/// original differs"). A disagreement is an observation, never the verdict.
pub(crate) fn observe_status(ctx: &mut Ctx, own: &OwnResult, contract: Status) {
    if own.status != contract {
        ctx.observe(format!(
            "the backend marked the job {} although its worker reported {} (contract: {contract})",
            own.status,
            match own.result.status.as_str() {
                "error" => "an error".to_owned(),
                other => other.to_owned(),
            },
        ));
    }
}
