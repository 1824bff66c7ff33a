//! Request middleware: [`observe`] gives every request an id, finishes every error response
//! as the contract's JSON body (with that id as `correlation_id`; axum's plain-text
//! rejections included) and logs one line per request, with the cause of a 5xx;
//! [`limit_uri`] refuses over-long request URIs.

use crate::error::{ApiError, ErrorReport, InternalCause};
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;

/// Longest request URI (path and query) served; longer ones answer 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Logs `method path status ms request_id` — never headers, bodies or query strings (they
/// may carry data the log should not hold) — and a 5xx's cause.
pub async fn observe(req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = Instant::now();
    let resp = next.run(req).await;
    let (mut resp, cause) = finish_error(resp, &id).await;
    let status = resp.status().as_u16();
    let ms = started.elapsed().as_millis() as u64;
    match cause {
        Some(cause) => {
            tracing::error!(method = %method, path = %path, status, ms, request_id = %id, cause = %cause, "request")
        }
        None => {
            tracing::info!(method = %method, path = %path, status, ms, request_id = %id, "request")
        }
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    resp
}

/// An error response as the contract's body with `correlation_id`, and the cause of a 5xx.
async fn finish_error(resp: Response, id: &str) -> (Response, Option<String>) {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return (resp, None);
    }
    let (mut parts, body) = resp.into_parts();
    let cause = parts
        .extensions
        .remove::<InternalCause>()
        .map(|c| c.0.to_string());
    let (mut error, cause) = match parts.extensions.remove::<ErrorReport>() {
        Some(report) => ((*report.0).clone(), cause),
        None => {
            // Not ours: axum's rejection texts are short and carry no internals.
            let bytes = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).trim().to_string();
            let text = if text.is_empty() {
                status.canonical_reason().unwrap_or("error").to_string()
            } else {
                text
            };
            let foreign = ApiError::from_foreign(status, text.clone());
            let cause = matches!(foreign, ApiError::Internal(_)).then_some(text);
            (foreign.body(), cause)
        }
    };
    error.correlation_id = Some(id.to_string());
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let bytes = serde_json::to_vec(&error).unwrap_or_default();
    (Response::from_parts(parts, Body::from(bytes)), cause)
}

/// 414 for a URI over [`MAX_URI_BYTES`].
pub async fn limit_uri(req: Request, next: Next) -> Response {
    let len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if len > MAX_URI_BYTES {
        return ApiError::http(
            StatusCode::URI_TOO_LONG,
            format!(
                "the request URI is {len} bytes; this API accepts up to {MAX_URI_BYTES} \
                 (file paths are at most 4096 bytes)"
            ),
        )
        .into_response();
    }
    next.run(req).await
}
