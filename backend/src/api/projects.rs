//! `POST /projects/` (also `/projects`) and `GET /projects/{project_id}`.

use super::json::ApiJson;
use super::AppState;
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::Json;
use codex_contract::{ProjectCreate, ProjectDetail, ProjectSummary, PROJECT_NOT_FOUND};

/// Creates the project and queues its `initial_project` job; answers at once (`queued`).
pub async fn create(
    State(st): State<AppState>,
    ApiJson(body): ApiJson<ProjectCreate>,
) -> ApiResult<Json<ProjectSummary>> {
    let (project, job) = st.db.create_project(body.instruction).await?;
    st.scheduler.submit(job).await?;
    Ok(Json(project))
}

pub async fn get(
    State(st): State<AppState>,
    Path(project_id): Path<String>,
) -> ApiResult<Json<ProjectDetail>> {
    let project = find(&st, &project_id).await?;
    let jobs = st.db.project_jobs(project_id.clone()).await?;
    Ok(Json(ProjectDetail {
        workspace_path: st.ws.dir(&project.id).display().to_string(),
        project,
        jobs,
    }))
}

/// The project, or a 404 that names it.
pub async fn find(st: &AppState, project_id: &str) -> ApiResult<ProjectSummary> {
    st.db
        .project(project_id.to_string())
        .await?
        .ok_or_else(|| project_not_found(project_id))
}

pub fn project_not_found(project_id: &str) -> ApiError {
    ApiError::not_found(
        PROJECT_NOT_FOUND,
        format!("no project with id {project_id:?}; POST /projects/ creates one"),
    )
}
