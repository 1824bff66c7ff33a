//! Every answer of the target passes here before anything reads it: each header value and
//! the raw body are scanned for the known secrets in every form and redacted (nothing
//! downstream ever holds a value), the Content-Type is held against the body, and an
//! answer under the API prefix is checked against the target's `/openapi.json`.
//!
//! A body with a Content-Encoding (the suite asks for none) is also decoded (`decode.rs`),
//! each coding within the body limit, and the decoded bytes are scanned too: a secret there
//! is a leak like any other. The callers then see the body decoded and redacted, and an
//! observation names the Content-Encoding. A body that cannot be decoded (another coding,
//! or corrupt) is withheld: the callers see an empty body, and the observation says why.
//! One that decodes to more than the limit fails the request, like a body too large.

mod decode;

use super::body::BodyError;
use super::{Client, Reply};
use crate::model::secrets::REDACTED;
use codex_contract::API_V1;
use decode::Undecodable;
use reqwest::header::{HeaderMap, CONTENT_ENCODING, CONTENT_TYPE, LOCATION};
use reqwest::Method;
use std::borrow::Cow;

/// A known secret value found in an answer, replaced by `[REDACTED]` before anything read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AnswerLeak {
    pub var: &'static str,
    /// `the answer to GET /api/v1/projects/…`, `the Location header of the answer to …`.
    pub place: String,
}

impl std::fmt::Display for AnswerLeak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the value of {} was in {} (replaced by {REDACTED})",
            self.var, self.place
        )
    }
}

/// What the answers showed since the last `Client::take_findings`.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// Observation lines, each once: OpenAPI mismatches (`openapi: …`) and Content-Types
    /// that do not say what the body is.
    pub observations: Vec<String>,
    pub leaks: Vec<AnswerLeak>,
}

/// The request an answer belongs to.
pub(super) struct Asked<'a> {
    pub method: &'a Method,
    /// From the root, as sent (`/api/v1/projects/abc`).
    pub path: &'a str,
    /// The contract's name for it (`/api/v1/projects/{project_id}`).
    pub template: &'a str,
}

impl<'a> Asked<'a> {
    /// A fixed path from the root, which is its own template (`/docs`, `/healthz`).
    pub(super) fn root(method: &'a Method, path: &'a str) -> Self {
        Asked {
            method,
            path,
            template: path,
        }
    }

    fn answer(&self) -> String {
        format!("the answer to {} {}", self.method, self.path)
    }
}

/// The header values the client reads, redacted (the Content-Type as `header_text`).
pub(super) struct Kept {
    pub content_type: Option<String>,
    pub location: Option<String>,
    /// The Content-Encoding's codings in the order applied, `identity` left out.
    pub codings: Vec<String>,
}

/// A header value as text for a message: visible ASCII, at most 200 characters.
fn header_text(value: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(value)
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { ' ' })
        .take(200)
        .collect();
    text.trim().to_owned()
}

/// `application/json` or any `…+json`, parameters aside.
fn says_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

impl Client {
    /// Scans every header value and keeps the Content-Type and the Location, redacted.
    pub(super) fn headers(&self, asked: &Asked, headers: &HeaderMap) -> Kept {
        let mut kept = Kept {
            content_type: None,
            location: None,
            codings: Vec::new(),
        };
        for (name, value) in headers {
            let (clean, found) = self.redactor.redact_bytes(value.as_bytes());
            for var in found {
                self.leaked(var, format!("the {name} header of {}", asked.answer()));
            }
            if name == CONTENT_TYPE {
                kept.content_type = Some(header_text(&clean));
            } else if name == LOCATION {
                // Whole: a redirect within the target follows it.
                kept.location = Some(String::from_utf8_lossy(&clean).into_owned());
            } else if name == CONTENT_ENCODING {
                kept.codings.extend(decode::codings(&header_text(&clean)));
            }
        }
        kept
    }

    /// The reply the callers see: the body redacted (and decoded) before anything reads it,
    /// its Content-Type and OpenAPI findings recorded.
    pub(super) fn inspect(
        &self,
        asked: &Asked,
        status: u16,
        kept: Kept,
        raw: &[u8],
    ) -> Result<Reply, BodyError> {
        let (mut clean, found) = self.redactor.redact_bytes(raw);
        for var in found {
            self.leaked(var, asked.answer());
        }
        if !kept.codings.is_empty() {
            clean = self.decoded(asked, &kept.codings, raw)?;
        }
        let body = String::from_utf8_lossy(&clean).into_owned();
        let is_json = serde_json::from_str::<serde::de::IgnoredAny>(&body).is_ok();
        let labelled_json = kept.content_type.as_deref().is_some_and(says_json);
        if is_json && !labelled_json {
            let label = kept.content_type.as_deref().unwrap_or("no Content-Type");
            self.observed(format!(
                "{} {} answered JSON labelled {label} (contract: application/json)",
                asked.method, asked.template
            ));
        }
        if (is_json || labelled_json) && asked.path.starts_with(API_V1) {
            if let Some(doc) = &self.conformance {
                for line in doc.check(asked.method.as_str(), asked.path, status, &body) {
                    self.observed(format!("openapi: {line}"));
                }
            }
        }
        Ok(Reply {
            status,
            body,
            location: kept.location,
        })
    }

    /// A body in `codings`, each undone (last applied first) within `max_body` and scanned
    /// like the raw one: decoded and redacted, or empty when it cannot be decoded.
    fn decoded(&self, asked: &Asked, codings: &[String], raw: &[u8]) -> Result<Vec<u8>, BodyError> {
        let named = codings.join(", ");
        let place = format!("{} (decoded from {named})", asked.answer());
        let answered = format!(
            "{} {} answered Content-Encoding: {named}",
            asked.method, asked.template
        );
        let mut bytes = Cow::Borrowed(raw);
        let mut clean = Vec::new();
        for coding in codings.iter().rev() {
            let (out, outcome) = decode::decode(coding, &bytes, self.max_body);
            let found;
            (clean, found) = self.redactor.redact_bytes(&out);
            for var in found {
                self.leaked(var, place.clone());
            }
            let why = match outcome {
                Ok(()) => {
                    bytes = Cow::Owned(out);
                    continue;
                }
                Err(Undecodable::TooLarge) => return Err(BodyError::DecodesTooLarge(named)),
                Err(Undecodable::Unknown(other)) => format!("the suite cannot decode {other}"),
                Err(Undecodable::Corrupt(error)) => {
                    format!("the body is no valid {coding} ({error})")
                }
            };
            self.observed(format!(
                "{answered}; {why}: the body was withheld (neither read nor kept, since a \
                 secret in it could not be looked for)"
            ));
            return Ok(Vec::new());
        }
        self.observed(format!(
            "{answered}, though the suite asks for none (Accept-Encoding: identity): the body \
             was decoded, scanned and kept decoded"
        ));
        Ok(clean)
    }

    /// What the answers showed since the last call.
    pub(crate) fn take_findings(&self) -> Findings {
        std::mem::take(&mut *self.findings.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The leaks found since the last call (observations stay).
    pub(crate) fn take_leaks(&self) -> Vec<AnswerLeak> {
        let mut seen = self.findings.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut seen.leaks)
    }

    fn observed(&self, line: String) {
        let mut seen = self.findings.lock().unwrap_or_else(|e| e.into_inner());
        if !seen.observations.contains(&line) {
            seen.observations.push(line);
        }
    }

    fn leaked(&self, var: &'static str, place: String) {
        let leak = AnswerLeak { var, place };
        let mut seen = self.findings.lock().unwrap_or_else(|e| e.into_inner());
        if !seen.leaks.contains(&leak) {
            seen.leaks.push(leak);
        }
    }
}

#[cfg(test)]
mod tests;
