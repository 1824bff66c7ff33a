//! Typed API errors, each answered with the contract's error body
//! `{"error": slug, "message": str, "code": int, "detail"?: any}`.
//! A 5xx never carries internals: the cause goes to the log, the client gets a fixed text.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use codex_contract::ErrorBody;
use serde_json::Value;

#[derive(Debug)]
pub enum ApiError {
    BadRequest {
        message: String,
        detail: Option<Value>,
    },
    NotFound(String),
    Validation {
        message: String,
        detail: Value,
    },
    PayloadTooLarge(String),
    /// Any other 4xx (405, 415 …) with a message for the client.
    Http(StatusCode, String),
    Internal(anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            detail: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::NotFound(message.into())
    }

    /// A FastAPI-like validation error: `detail` is a list of `{loc, msg, type}`.
    pub fn validation(loc: &[&str], msg: impl Into<String>, kind: &str) -> Self {
        let msg = msg.into();
        ApiError::Validation {
            message: format!("invalid request: {}: {msg}", loc.join(".")),
            detail: serde_json::json!([{ "loc": loc, "msg": msg, "type": kind }]),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Http(s, _) => *s,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let code = self.status().as_u16();
        match self {
            ApiError::BadRequest { message, detail } => {
                let b = ErrorBody::new(code, message.clone());
                match detail {
                    Some(d) => b.with_detail(d.clone()),
                    None => b,
                }
            }
            ApiError::NotFound(m) | ApiError::PayloadTooLarge(m) | ApiError::Http(_, m) => {
                ErrorBody::new(code, m.clone())
            }
            ApiError::Validation { message, detail } => {
                ErrorBody::new(code, message.clone()).with_detail(detail.clone())
            }
            ApiError::Internal(_) => ErrorBody::new(
                code,
                "internal error; the backend log has the cause (look for the request's path)",
            ),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        (self.status(), Json(self.body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = ApiError::Internal(anyhow::anyhow!("disk /secret/path exploded"));
        let b = e.body();
        assert_eq!((b.code, b.error.as_str()), (500, "internal_error"));
        assert!(b.detail.is_none() && !b.message.contains("/secret/path"));
    }

    #[test]
    fn validation_errors_carry_the_field() {
        let b =
            ApiError::validation(&["body", "instruction"], "too short", "string_too_short").body();
        assert_eq!((b.code, b.error.as_str()), (422, "validation_error"));
        assert_eq!(b.detail.unwrap()[0]["loc"][1], "instruction");
    }
}
