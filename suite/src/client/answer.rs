//! Every answer of the target passes here before anything reads it: each header value and
//! the raw body are scanned for the known secrets in every form and redacted (nothing
//! downstream ever holds a value), the Content-Type is held against the body, and an
//! answer under the API prefix is checked against the target's `/openapi.json`.

use super::{Client, Reply};
use crate::secrets::REDACTED;
use codex_contract::API_V1;
use reqwest::header::{HeaderMap, CONTENT_TYPE, LOCATION};
use reqwest::Method;

/// A known secret value found in an answer, replaced by `[REDACTED]` before anything read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerLeak {
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
pub struct Findings {
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
            }
        }
        kept
    }

    /// The reply the callers see: the body redacted before anything reads it, its
    /// Content-Type and OpenAPI findings recorded.
    pub(super) fn inspect(&self, asked: &Asked, status: u16, kept: Kept, raw: &[u8]) -> Reply {
        let (clean, found) = self.redactor.redact_bytes(raw);
        for var in found {
            self.leaked(var, asked.answer());
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
        Reply {
            status,
            body,
            location: kept.location,
        }
    }

    /// What the answers showed since the last call.
    pub fn take_findings(&self) -> Findings {
        std::mem::take(&mut *self.findings.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The leaks found since the last call (observations stay).
    pub fn take_leaks(&self) -> Vec<AnswerLeak> {
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
mod tests {
    use super::super::tests::{read_head, server};
    use super::*;
    use crate::client::ApiPath;
    use crate::secrets::Secrets;
    use std::io::Write;
    use std::net::TcpStream;
    use std::time::Duration;

    const KEY: &str = "sk-answer-PLANTED-7c6b5a49";

    fn scanning_client(url: &str) -> Client {
        let secrets = Secrets::from_lookup(|n| (n == "OPENAI_API_KEY").then(|| KEY.into()));
        Client::new(url, Duration::from_secs(30), secrets.redactor()).unwrap()
    }

    /// Answers `head` (status line and headers) and `body` to every request.
    fn answering(head: String, body: String) -> String {
        server(move |mut s: TcpStream| {
            read_head(&s);
            // One answer per connection: say so, or the client may reuse a closed one.
            let text = format!(
                "{head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(text.as_bytes());
        })
    }

    #[test]
    fn a_secret_in_any_form_is_redacted_before_anything_reads_the_answer() {
        use base64::Engine as _;
        let escaped: String = KEY
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect();
        let blob = base64::engine::general_purpose::STANDARD.encode(format!("env: {KEY}\n"));
        let body = format!(r#"{{"a": "{escaped}", "b": "{blob}", "n": 1e999}}"#);
        let head =
            format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Debug: {KEY}\r\n");
        let url = answering(head, body);
        let c = scanning_client(&url);
        let reply = c.get(&ApiPath::project("p1")).unwrap();
        assert!(!reply.body.contains(&escaped) && !reply.body.contains(&blob));
        assert!(
            reply.body.starts_with(r#"{"a": "[REDACTED]", "b": ""#),
            "{}",
            reply.body
        );
        let found = c.take_findings();
        let places: Vec<String> = found.leaks.iter().map(|l| l.place.clone()).collect();
        assert_eq!(
            places,
            [
                "the x-debug header of the answer to GET /api/v1/projects/p1",
                "the answer to GET /api/v1/projects/p1"
            ]
        );
        assert!(found.leaks.iter().all(|l| l.var == "OPENAI_API_KEY"));
        assert!(found.observations.is_empty(), "{:?}", found.observations);
        assert!(c.take_findings().leaks.is_empty());
    }

    #[test]
    fn a_json_answer_labelled_otherwise_is_an_observation_once() {
        let url = answering(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n".into(),
            r#"{"files": []}"#.into(),
        );
        let c = scanning_client(&url);
        for pid in ["p1", "p2"] {
            c.get(&ApiPath::files(pid)).unwrap();
        }
        c.get_root("/healthz").unwrap();
        assert_eq!(
            c.take_findings().observations,
            [
                "GET /api/v1/{project_id}/files answered JSON labelled text/html; charset=utf-8 \
                 (contract: application/json)",
                "GET /healthz answered JSON labelled text/html; charset=utf-8 (contract: \
                 application/json)"
            ]
        );
        let html = answering(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n".into(),
            "<html>docs</html>".into(),
        );
        let c = scanning_client(&html);
        c.get_root("/docs").unwrap();
        assert!(c.take_findings().observations.is_empty());
    }

    #[test]
    fn json_content_types() {
        for t in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            assert!(says_json(t), "{t}");
        }
        for t in ["text/html", "text/json", "application/jsonp", ""] {
            assert!(!says_json(t), "{t}");
        }
    }

    #[test]
    fn header_text_is_visible_ascii_and_bounded() {
        assert_eq!(header_text(b"text/html;\x1b[31m x"), "text/html; [31m x");
        assert_eq!(header_text(&[b'a'; 500]).len(), 200);
    }
}
