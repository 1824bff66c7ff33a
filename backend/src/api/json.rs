//! `ApiJson<T>`: the JSON body extractor and the validation rules of CONTRACT.md. axum's own
//! `Json` answers rejections in plain text; the contract wants a 422 whose `detail` lists
//! `{loc, msg, type}` per failed rule (all of them at once, as FastAPI does), and 413 over
//! the body limit. The body is parsed whatever its Content-Type, as FastAPI does.

use crate::error::{ApiError, FieldError};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use codex_contract::{
    json_kind, trim_instruction, JobCreate, JobType, ProjectCreate, JOB_INSTRUCTION_CHARS,
    PROJECT_INSTRUCTION_CHARS,
};
use serde_json::{Map, Value};

/// Request bodies larger than this answer 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A request body type, checked field by field.
pub trait FromBody: Sized {
    /// Every failed rule of `obj`, or the value.
    fn from_body(obj: &Map<String, Value>) -> Result<Self, Vec<FieldError>>;
}

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: FromBody> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::http(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "request body is larger than {MAX_BODY_BYTES} bytes; send a shorter instruction"
                    ),
                )
            } else {
                ApiError::http(
                    StatusCode::BAD_REQUEST,
                    format!("cannot read the request body: {}", rej.body_text()),
                )
            }
        })?;
        let obj = object(&bytes).map_err(|e| ApiError::Validation(vec![e]))?;
        T::from_body(&obj)
            .map(ApiJson)
            .map_err(ApiError::Validation)
    }
}

/// The body as a JSON object, or the one error about the body as a whole.
fn object(bytes: &[u8]) -> Result<Map<String, Value>, FieldError> {
    let whole = |kind, msg: String| FieldError::new(None, kind, msg);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(whole(
            "missing",
            "the request body is empty; send a JSON object".into(),
        ));
    }
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(other) => Err(whole(
            "model_type",
            format!(
                "the body must be a JSON object such as {{\"instruction\": \"...\"}}, not {}",
                json_kind(&other)
            ),
        )),
        Err(e) => Err(whole("json_invalid", format!("malformed JSON: {e}"))),
    }
}

fn missing(name: &str) -> FieldError {
    FieldError::new(Some(name), "missing", format!("{name} is required"))
}

/// Field `name` as a string: `missing` when absent, `string_type` when not a string.
fn string<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str, FieldError> {
    match obj.get(name) {
        None | Some(Value::Null) => Err(missing(name)),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(FieldError::new(
            Some(name),
            "string_type",
            format!("{name} must be a string, not {}", json_kind(other)),
        )),
    }
}

/// The trimmed instruction (`codex_contract::TRIMMED_WHITESPACE`) when its length in
/// characters lies in `range`.
pub fn instruction(
    obj: &Map<String, Value>,
    range: std::ops::RangeInclusive<usize>,
) -> Result<String, FieldError> {
    let field = Some("instruction");
    let trimmed = trim_instruction(string(obj, "instruction")?);
    let n = trimmed.chars().count();
    let (lo, hi) = (range.start(), range.end());
    if n == 0 {
        return Err(FieldError::new(
            field,
            "value_error",
            format!("instruction must not be empty (it is blank after trimming); send {lo}..={hi} characters"),
        ));
    }
    if range.contains(&n) {
        return Ok(trimmed.to_string());
    }
    let kind = if n < *lo {
        "string_too_short"
    } else {
        "string_too_long"
    };
    Err(FieldError::new(
        field,
        kind,
        format!("instruction must be {lo}..={hi} characters after trimming (got {n})"),
    ))
}

fn job_type(obj: &Map<String, Value>) -> Result<JobType, FieldError> {
    let enum_error = |got: &Value| {
        FieldError::new(
            Some("job_type"),
            "enum",
            format!("job_type must be 'initial_project' or 'edit' (got {got})"),
        )
    };
    match obj.get("job_type") {
        None | Some(Value::Null) => Err(missing("job_type")),
        Some(v) => serde_json::from_value(v.clone()).map_err(|_| enum_error(v)),
    }
}

/// Both results, or every error of the two.
fn both<A, B>(
    a: Result<A, FieldError>,
    b: Result<B, FieldError>,
) -> Result<(A, B), Vec<FieldError>> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => Err(a.err().into_iter().chain(b.err()).collect()),
    }
}

impl FromBody for ProjectCreate {
    fn from_body(obj: &Map<String, Value>) -> Result<Self, Vec<FieldError>> {
        let instruction = instruction(obj, PROJECT_INSTRUCTION_CHARS).map_err(|e| vec![e])?;
        Ok(ProjectCreate { instruction })
    }
}

impl FromBody for JobCreate {
    fn from_body(obj: &Map<String, Value>) -> Result<Self, Vec<FieldError>> {
        let (job_type, instruction) = both(job_type(obj), instruction(obj, JOB_INSTRUCTION_CHARS))?;
        Ok(JobCreate {
            job_type,
            instruction,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(v: Value) -> Result<JobCreate, Vec<FieldError>> {
        JobCreate::from_body(v.as_object().unwrap())
    }

    #[test]
    fn every_failed_rule_is_listed_with_its_field() {
        let errs = job(json!({"job_type": "delete", "instruction": "   "})).unwrap_err();
        let got: Vec<(&str, &str)> = errs.iter().map(|e| (e.loc[1].as_str(), e.kind)).collect();
        assert_eq!(got, [("job_type", "enum"), ("instruction", "value_error")]);
        assert!(errs[1].msg.contains("instruction must not be empty"));
    }

    #[test]
    fn bodies_that_are_not_objects_fail_as_a_whole() {
        for (raw, kind) in [
            (&b""[..], "missing"),
            (b"not json", "json_invalid"),
            (b"[\"hello world\"]", "model_type"),
            (b"\"make a cli\"", "model_type"),
        ] {
            let e = object(raw).unwrap_err();
            assert_eq!(
                (e.loc.as_slice(), e.kind),
                (&["body".to_string()][..], kind)
            );
        }
    }
}
