//! `ApiJson<T>`: the JSON body extractor. axum's own `Json` answers rejections in plain
//! text (400/415/422); the contract wants its error body, 422 for anything malformed and 413
//! over the body limit. The body is parsed whatever its Content-Type, as FastAPI does.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// Request bodies larger than this answer 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(format!(
                    "request body is larger than {MAX_BODY_BYTES} bytes; send a shorter instruction"
                ))
            } else {
                ApiError::bad_request(format!("cannot read the request body: {}", rej.body_text()))
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::validation(
                &["body"],
                "the request body is empty; send a JSON object",
                "missing",
            ));
        }
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::validation(&["body"], format!("malformed JSON: {e}"), "json_invalid")
        })?;
        serde_json::from_value(value).map(ApiJson).map_err(|e| {
            ApiError::validation(&["body"], format!("unexpected body: {e}"), "value_error")
        })
    }
}

/// A trimmed instruction whose length in characters lies in `range`, or a 422 naming the
/// field.
pub fn instruction(raw: &str, range: std::ops::RangeInclusive<usize>) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    let n = trimmed.chars().count();
    if range.contains(&n) {
        Ok(trimmed.to_string())
    } else {
        Err(ApiError::validation(
            &["body", "instruction"],
            format!(
                "instruction must be {}..={} characters after trimming (got {n})",
                range.start(),
                range.end()
            ),
            if n < *range.start() {
                "string_too_short"
            } else {
                "string_too_long"
            },
        ))
    }
}
