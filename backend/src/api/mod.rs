//! The HTTP API: routes under `API_V1_STR` (default `/api/v1`) plus `/healthz`, `/docs` and
//! `/openapi.json` at the root. Every error answers with the contract's JSON error body,
//! including axum's own rejections (unknown route, wrong method, bad path encoding), and
//! CORS follows `ALLOW_*` (`cors.rs`).

pub mod cors;
pub mod docs;
pub mod files;
pub mod health;
pub mod jobs;
pub mod json;
pub mod middleware;
pub mod openapi;
pub mod projects;

use crate::config::Config;
use crate::db::Db;
use crate::error::ApiError;
use crate::jobs::Scheduler;
use crate::workspace::Workspaces;
use axum::extract::{DefaultBodyLimit, Request};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub cfg: Arc<Config>,
    pub db: Db,
    pub ws: Workspaces,
    pub scheduler: Scheduler,
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        // The original redirects `/projects` with a 307; both forms create here.
        .route("/projects/", post(projects::create))
        .route("/projects", post(projects::create))
        .route("/projects/{project_id}", get(projects::get))
        .route("/{project_id}/files", get(files::list))
        .route("/{project_id}/files/{*path}", get(files::get))
        .route("/{project_id}/jobs", post(jobs::create))
        .route("/{project_id}/jobs/{job_id}", get(jobs::get))
        .route("/openapi.json", get(docs::openapi));
    let root = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/docs", get(docs::page))
        .route("/openapi.json", get(docs::openapi));
    let app = if state.cfg.api_prefix.is_empty() {
        root.merge(api)
    } else {
        root.nest(&state.cfg.api_prefix, api)
    };
    let cors = Arc::new(state.cfg.cors.clone());
    // Outermost last: `observe` sees every response, CORS headers included.
    app.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(json::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(middleware::limit_uri))
        .layer(cors::layer(&cors))
        .layer(axum::middleware::from_fn_with_state(
            cors,
            cors::check_preflight,
        ))
        .layer(axum::middleware::from_fn(middleware::observe))
        .with_state(state)
}

async fn not_found(req: Request) -> ApiError {
    ApiError::http(
        axum::http::StatusCode::NOT_FOUND,
        format!(
            "no route for {} {}; the API is described at /docs",
            req.method(),
            req.uri().path()
        ),
    )
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::http(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{} is not allowed on {}; the API is described at /docs",
            req.method(),
            req.uri().path()
        ),
    )
}
