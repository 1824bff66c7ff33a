//! `GET /{project_id}/files` (recursive listing) and `GET /{project_id}/files/{path}`, with
//! the path safety of `crate::paths`.

use super::projects::find;
use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::paths::{self, PathError, MAX_FILE_BYTES};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use codex_contract::{FileContents, FileList};
use serde_json::json;

pub async fn list(
    State(st): State<AppState>,
    Path(project_id): Path<String>,
) -> ApiResult<Json<FileList>> {
    find(&st, &project_id).await?;
    let dir = st.ws.dir(&project_id);
    let files = tokio::task::spawn_blocking(move || paths::list(&dir))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|e| anyhow::anyhow!("listing the workspace: {e}"))?;
    Ok(Json(FileList { files }))
}

pub async fn get(
    State(st): State<AppState>,
    params: Result<Path<(String, String)>, PathRejection>,
) -> ApiResult<Json<FileContents>> {
    // axum percent-decodes the path exactly once; a decoding failure (e.g. `%ff`, not
    // UTF-8) is a bad path.
    let Path((project_id, raw)) = params.map_err(|rej| {
        ApiError::bad_request(format!("unsafe or undecodable path: {}", rej.body_text()))
    })?;
    let segments = paths::safe_segments(&raw).map_err(|e| path_error(&raw, e))?;
    let clean = segments.join("/");
    find(&st, &project_id).await?;
    let dir = st.ws.dir(&project_id);
    let raw2 = raw.clone();
    let contents = tokio::task::spawn_blocking(move || paths::read_text(&dir, &raw2))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|e| path_error(&raw, e))?;
    Ok(Json(FileContents {
        path: clean,
        contents,
    }))
}

fn path_error(raw: &str, e: PathError) -> ApiError {
    let unsafe_path = |reason: &str| ApiError::BadRequest {
        message: format!("unsafe path {raw:?}: {reason}"),
        detail: Some(json!({"reason": "unsafe_path"})),
    };
    match e {
        PathError::Unsafe(reason) => unsafe_path(reason),
        PathError::Missing => ApiError::not_found(format!(
            "no file {raw:?} in this workspace; GET /{{project_id}}/files lists them"
        )),
        PathError::NotAFile => ApiError::BadRequest {
            message: format!("{raw:?} is a directory; GET /{{project_id}}/files lists its files"),
            detail: Some(json!({"reason": "not_a_file"})),
        },
        PathError::TooLarge(size) => ApiError::BadRequest {
            message: format!(
                "{raw:?} is {size} bytes; this API serves files up to {MAX_FILE_BYTES} bytes \
                 (read it from the workspace directly)"
            ),
            detail: Some(json!({"reason": "too_large", "size": size, "limit": MAX_FILE_BYTES})),
        },
        PathError::NotUtf8 => ApiError::BadRequest {
            message: format!("{raw:?} is not UTF-8 text; this API serves text files only"),
            detail: Some(json!({"reason": "not_utf8"})),
        },
        PathError::Io(e) => ApiError::Internal(anyhow::anyhow!("reading {raw:?}: {e}")),
    }
}
