//! `GET /{project_id}/files` (recursive listing) and `GET /{project_id}/files/{path}`, with
//! the path safety of `crate::paths`.

use super::projects::find;
use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::paths::{self, PathError, MAX_FILE_BYTES};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use codex_contract::{FileContents, FileList, FILE_NOT_FOUND, INVALID_PATH};

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
        ApiError::bad_request(
            INVALID_PATH,
            format!("it does not decode to UTF-8 text ({})", rej.body_text()),
        )
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

/// 400 for a path that may not be served (CONTRACT.md: "Invalid path"), 404 for a safe
/// one that does not exist; the hint names the path and what to do instead.
fn path_error(raw: &str, e: PathError) -> ApiError {
    let bad = |why: String| ApiError::bad_request(INVALID_PATH, format!("{raw:?}: {why}"));
    match e {
        PathError::Unsafe(reason) => bad(reason.to_string()),
        PathError::Missing => ApiError::not_found(
            FILE_NOT_FOUND,
            format!("no file {raw:?} in this workspace; GET /{{project_id}}/files lists them"),
        ),
        PathError::NotAFile => {
            bad("it is a directory; GET /{project_id}/files lists its files".into())
        }
        PathError::TooLarge(size) => bad(format!(
            "the file is {size} bytes; this API serves files up to {MAX_FILE_BYTES} bytes \
             (read it from the workspace directly)"
        )),
        PathError::NotUtf8 => {
            bad("the file is not UTF-8 text; this API serves text files only".into())
        }
        PathError::Io(e) => ApiError::Internal(anyhow::anyhow!("reading {raw:?}: {e}")),
    }
}
