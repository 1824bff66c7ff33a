//! `POST /{project_id}/jobs` and `GET /{project_id}/jobs/{job_id}`.

use super::json::ApiJson;
use super::projects::{find, project_not_found};
use super::AppState;
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::Json;
use codex_contract::{JobCreate, JobDetail, JobSummary, JOB_NOT_FOUND};

/// Queues a job for the project; answers at once (`queued`).
pub async fn create(
    State(st): State<AppState>,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<JobCreate>,
) -> ApiResult<Json<JobSummary>> {
    let job = st
        .db
        .create_job(project_id.clone(), body.job_type, body.instruction)
        .await?
        .ok_or_else(|| project_not_found(&project_id))?;
    st.scheduler.submit(job.clone()).await?;
    Ok(Json(job))
}

pub async fn get(
    State(st): State<AppState>,
    Path((project_id, job_id)): Path<(String, String)>,
) -> ApiResult<Json<JobDetail>> {
    find(&st, &project_id).await?;
    let row = st
        .db
        .job(project_id.clone(), job_id.clone())
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                JOB_NOT_FOUND,
                format!("no job with id {job_id:?} in project {project_id:?}"),
            )
        })?;
    let (result_path, logs_path) = if row.job.status.is_final() {
        let latest = st.db.latest_final_job_id(project_id.clone()).await?;
        let ws = st.ws.clone();
        tokio::task::spawn_blocking(move || {
            ws.job_artifacts(&project_id, &job_id, latest.as_deref())
        })
        .await
        .map_err(anyhow::Error::from)?
    } else {
        (None, None)
    };
    Ok(Json(JobDetail {
        job: row.job,
        result_path,
        logs_path,
        error: row.error,
    }))
}
