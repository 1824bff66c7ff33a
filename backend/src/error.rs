//! Typed API errors, each answered with the contract's error body
//! `{"error": slug, "message": str, "code": int, "detail"?: any, "hint"?: str,
//! "correlation_id"?: str}`.
//!
//! CONTRACT.md's mapping: `message` is the fixed summary of the category (`Bad request`,
//! `Not found`, `Validation failed`, `Internal server error`). `detail` is what a client
//! compares: for 400 and 404 the original's fixed string (`Project not found`, `Invalid
//! path`, …; the status's reason phrase where the original has none), for 422 the list of
//! `{loc, msg, type}`. The specifics, with the fix they need, go into `hint`.
//! A 5xx never carries internals: its cause travels in the response's extensions to
//! `api::middleware::observe`, which logs it (axum's `examples/error-handling`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use codex_contract::ErrorBody;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::Arc;

#[derive(Debug)]
pub enum ApiError {
    /// A 4xx other than 422.
    Client(StatusCode, Reason),
    /// 422; one item per failed rule.
    Validation(Vec<FieldError>),
    Internal(anyhow::Error),
}

/// Why a request was refused: the fixed `detail` a client compares and the `hint` a person
/// reads.
#[derive(Debug)]
pub struct Reason {
    pub detail: Cow<'static, str>,
    pub hint: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

/// One 422 `detail` item, as FastAPI/pydantic write them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// `["body", "<field>"]`, or `["body"]` for the body as a whole.
    pub loc: Vec<String>,
    pub msg: String,
    /// A stable machine slug: `missing`, `string_type`, `string_too_short`, … .
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl FieldError {
    /// An error about field `field` of the body (`None`: the body as a whole).
    pub fn new(field: Option<&str>, kind: &'static str, msg: impl Into<String>) -> Self {
        let mut loc = vec!["body".to_string()];
        loc.extend(field.map(str::to_string));
        FieldError {
            loc,
            msg: msg.into(),
            kind,
        }
    }
}

/// The cause of a 5xx, for the log only (see `api::middleware::observe`).
#[derive(Debug, Clone)]
pub struct InternalCause(pub Arc<String>);

/// The body an error response carries before `observe` adds the correlation id.
#[derive(Debug, Clone)]
pub struct ErrorReport(pub Arc<ErrorBody>);

impl ApiError {
    /// 400 with the fixed `detail` and the specifics in `hint`.
    pub fn bad_request(detail: impl Into<Cow<'static, str>>, hint: impl Into<String>) -> Self {
        ApiError::client(StatusCode::BAD_REQUEST, detail, hint)
    }

    /// 404 with the fixed `detail` (`Project not found`, …) and the specifics in `hint`.
    pub fn not_found(detail: &'static str, hint: impl Into<String>) -> Self {
        ApiError::client(StatusCode::NOT_FOUND, detail, hint)
    }

    /// A 4xx whose `detail` is the status's reason phrase (`Method Not Allowed`, as
    /// FastAPI writes it), with the specifics in `hint`.
    pub fn http(status: StatusCode, hint: impl Into<String>) -> Self {
        ApiError::client(status, status.canonical_reason().unwrap_or("Error"), hint)
    }

    fn client(
        status: StatusCode,
        detail: impl Into<Cow<'static, str>>,
        hint: impl Into<String>,
    ) -> Self {
        ApiError::Client(
            status,
            Reason {
                detail: detail.into(),
                hint: hint.into(),
            },
        )
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Client(s, _) => *s,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let status = self.status();
        let b = ErrorBody::new(status.as_u16(), summary(status));
        match self {
            ApiError::Client(_, r) => b
                .with_detail(r.detail.as_ref().into())
                .with_hint(r.hint.clone()),
            ApiError::Validation(items) => {
                b.with_detail(serde_json::to_value(items).unwrap_or_default())
            }
            ApiError::Internal(_) => b,
        }
    }

    /// The error for a response that is not ours (axum's plain-text rejections), keeping
    /// its text as the hint; a 5xx keeps it for the log only.
    pub fn from_foreign(status: StatusCode, text: String) -> Self {
        match status.as_u16() {
            422 => ApiError::Validation(vec![FieldError::new(None, "value_error", text)]),
            500..=599 => ApiError::Internal(anyhow::anyhow!("{status}: {text}")),
            _ => ApiError::http(status, text),
        }
    }
}

/// The fixed `message` of a status's category (CONTRACT.md's table); other statuses keep
/// their reason phrase.
pub fn summary(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Bad request",
        404 => "Not found",
        409 => "Conflict",
        422 => "Validation failed",
        500..=599 => "Internal server error",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Arc::new(self.body());
        let mut resp = (self.status(), Json(&*body)).into_response();
        resp.extensions_mut().insert(ErrorReport(body));
        if let ApiError::Internal(e) = &self {
            resp.extensions_mut()
                .insert(InternalCause(Arc::new(format!("{e:#}"))));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = ApiError::Internal(anyhow::anyhow!("disk /secret/path exploded"));
        let b = e.body();
        assert_eq!(
            (b.code, b.error.as_str(), b.message.as_str()),
            (500, "internal_error", "Internal server error")
        );
        assert!(b.detail.is_none());
        let resp = e.into_response();
        assert!(resp
            .extensions()
            .get::<InternalCause>()
            .unwrap()
            .0
            .contains("/secret/path"));
    }

    #[test]
    fn each_category_has_its_fixed_message_and_detail_and_the_specifics_in_hint() {
        for (e, code, slug, message, detail) in [
            (
                ApiError::bad_request("Invalid path", "why"),
                400,
                "bad_request",
                "Bad request",
                "Invalid path",
            ),
            (
                ApiError::not_found("Project not found", "why"),
                404,
                "not_found",
                "Not found",
                "Project not found",
            ),
            (
                ApiError::http(StatusCode::METHOD_NOT_ALLOWED, "why"),
                405,
                "http_error",
                "Method Not Allowed",
                "Method Not Allowed",
            ),
            (
                ApiError::from_foreign(StatusCode::BAD_REQUEST, "why".into()),
                400,
                "bad_request",
                "Bad request",
                "Bad Request",
            ),
        ] {
            let b = e.body();
            assert_eq!(
                (b.code, b.error.as_str(), b.message.as_str()),
                (code, slug, message)
            );
            assert_eq!(b.detail.unwrap(), detail);
            assert_eq!(b.hint.as_deref(), Some("why"));
        }
        let b = ApiError::Validation(vec![FieldError::new(
            Some("instruction"),
            "string_too_short",
            "too short",
        )])
        .body();
        assert_eq!((b.code, b.message.as_str()), (422, "Validation failed"));
        assert_eq!(
            b.detail.unwrap(),
            serde_json::json!([{"loc": ["body", "instruction"], "msg": "too short", "type": "string_too_short"}])
        );
    }
}
