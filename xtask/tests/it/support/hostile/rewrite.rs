//! How the hostile double changes the fake's answers: asynchronous jobs, the job ids it
//! shows, a secret in status answers, a secret in the create's answer in one of its forms,
//! the Content-Type.

use super::http::{error, Answer};
use super::{Async, Proxy, Route, Timeline};
use base64::Engine as _;
use serde_json::{json, Value};
use std::time::Instant;

impl Proxy {
    /// Answers as an asynchronous backend would: POSTs `queued`, statuses `in_progress`
    /// until the job's timeline says final, result.json as it was until its result shows.
    pub(super) fn pretend_asynchronous(
        &self,
        a: Async,
        route: Option<Route>,
        pid: &str,
        sleep: u64,
        answer: &mut Answer,
    ) {
        let Ok(mut body) = serde_json::from_str::<Value>(&answer.body) else {
            return;
        };
        let now = Instant::now();
        let mut state = self.state.lock().unwrap();
        let pending = |t: Option<&Timeline>| t.is_some_and(|t| now < t.final_at);
        match route {
            Some(Route::Create) if answer.status == 200 => {
                let id = body["id"].as_str().unwrap_or_default().to_owned();
                state.projects.insert(id, a.timeline(now, sleep));
                body["status"] = json!("queued");
            }
            Some(Route::PostJob) if answer.status == 200 => {
                let timeline = a.timeline(now, sleep);
                state.projects.insert(pid.to_owned(), timeline);
                let id = body["id"].as_str().unwrap_or_default().to_owned();
                state.jobs.insert(id, timeline);
                body["status"] = json!("queued");
            }
            Some(Route::Project) if pending(state.projects.get(pid)) => {
                body["status"] = json!("in_progress");
                if let Some(last) = body["jobs"].as_array_mut().and_then(|j| j.last_mut()) {
                    last["status"] = json!("in_progress");
                }
            }
            Some(Route::Job) => {
                let id = body["id"].as_str().unwrap_or_default();
                if pending(state.jobs.get(id)) {
                    body["status"] = json!("in_progress");
                }
            }
            Some(Route::Result) => {
                if state.projects.get(pid).is_some_and(|t| now < t.result_at) {
                    *answer =
                        state.previous_result.get(pid).cloned().unwrap_or_else(|| {
                            error(404, "not_found", "Not found", "File not found")
                        });
                }
                return;
            }
            _ => return,
        }
        answer.body = body.to_string();
    }

    /// Job ids, a secret in status answers, the planted secret, the Content-Type.
    pub(super) fn disguise(&self, route: Option<Route>, answer: &mut Answer) {
        let f = &self.faults;
        if let Ok(mut body) = serde_json::from_str::<Value>(&answer.body) {
            if let Some(base) = &f.job_ids {
                let mut state = self.state.lock().unwrap();
                let mut show = |v: &mut Value| {
                    let Some(fakes) = v["id"].as_str().map(str::to_owned) else {
                        return;
                    };
                    let known = state.job_ids.iter().find(|(_, id)| *id == fakes);
                    let shown = match known {
                        Some((shown, _)) => shown.clone(),
                        None => {
                            let n = state.job_ids.len() + 1;
                            let shown = if n == 1 {
                                base.clone()
                            } else {
                                format!("{base}-{n}")
                            };
                            state.job_ids.push((shown.clone(), fakes));
                            shown
                        }
                    };
                    v["id"] = json!(shown);
                };
                match route {
                    Some(Route::PostJob | Route::Job) => show(&mut body),
                    Some(Route::Project) => body["jobs"]
                        .as_array_mut()
                        .into_iter()
                        .flatten()
                        .filter(|j| j["job_type"] == "edit")
                        .for_each(show),
                    _ => {}
                }
            }
            if let Some((r, value)) = &f.env_in {
                if Some(*r) == route && answer.status == 200 {
                    body["detail"] = json!(format!(
                        "worker failed; environment: PATH=/usr/bin OPENAI_API_KEY={value}"
                    ));
                }
            }
            answer.body = body.to_string();
        }
        if let (Some((form, value)), Some(Route::Create)) = (&f.leak_in_create, route) {
            if answer.status == 200 {
                form.plant(value, answer);
            }
        }
        let is_json = serde_json::from_str::<serde::de::IgnoredAny>(&answer.body).is_ok();
        if f.json_as_html && is_json {
            answer.content_type = "text/html; charset=utf-8".into();
        }
    }
}

/// `value` with most characters as `\uXXXX` (lower- and upper-case hex in turn) and every
/// fourth one literal.
pub fn json_escaped(value: &str) -> String {
    value
        .chars()
        .enumerate()
        .map(|(i, c)| match i % 4 {
            3 => c.to_string(),
            1 => format!("\\u{:04X}", c as u32),
            _ => format!("\\u{:04x}", c as u32),
        })
        .collect()
}

/// A form a secret takes in the create's answer, in a `debug` field placed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `json_escaped`, beside the number `1e999`.
    JsonEscaped,
    /// HTML character references (`&#115;`, `&#x6b;`, `&#X2D;`, leading zeros) and literal
    /// characters, in an error page's markup.
    Html,
    /// Percent-encoded twice (`%2573`, both hex cases), with some characters encoded once
    /// and some literal, in a URL.
    DoublePercent,
    /// In an environment dump as base64 wrapped every 64 characters (PEM), the line break
    /// inside the value's characters; JSON-escaped as `\n` in the field.
    WrappedBase64,
    /// Literal, but the whole answer gzip-compressed (`Content-Encoding: gzip`).
    Gzip,
}

impl Form {
    /// The text of the `debug` field: `value` in this form.
    pub fn planted(self, value: &str) -> String {
        match self {
            Form::JsonEscaped => json_escaped(value),
            Form::Html => format!("<p>Invalid key: {}</p>", html_escaped(value)),
            Form::DoublePercent => format!("https://example.invalid/cb?next={}", twice(value)),
            Form::WrappedBase64 => {
                let dump = format!("HOME=/root LANG=C.UTF-8 OPENAI_API_KEY={value}\nPATH=/bin\n");
                let blob = base64::engine::general_purpose::STANDARD.encode(dump);
                let lines: Vec<&str> = blob
                    .as_bytes()
                    .chunks(64)
                    .map(|line| std::str::from_utf8(line).unwrap())
                    .collect();
                lines.join("\n")
            }
            Form::Gzip => format!("OPENAI_API_KEY={value}"),
        }
    }

    fn plant(self, value: &str, answer: &mut Answer) {
        let rest = answer.body.strip_prefix('{').unwrap_or(&answer.body);
        answer.body = match self {
            Form::JsonEscaped => format!(
                "{{\"debug\": \"{}\", \"big\": 1e999, {rest}",
                self.planted(value)
            ),
            _ => format!("{{\"debug\": {}, {rest}", json!(self.planted(value))),
        };
        answer.gzip = self == Form::Gzip;
    }
}

/// `value` as HTML character references in turn decimal with leading zeros, lower-case hex,
/// upper-case hex, and every fourth character literal.
fn html_escaped(value: &str) -> String {
    value
        .chars()
        .enumerate()
        .map(|(i, c)| match i % 4 {
            0 => format!("&#00{};", c as u32),
            1 => format!("&#x{:x};", c as u32),
            2 => format!("&#X{:X};", c as u32),
            _ => c.to_string(),
        })
        .collect()
}

/// `value` (ASCII) percent-encoded twice (`%25` and the byte's hex digits, upper- and
/// lower-case in turn), every third byte encoded once and every fourth literal.
fn twice(value: &str) -> String {
    value
        .bytes()
        .enumerate()
        .map(|(i, b)| match (i % 4, i % 3) {
            (3, _) => char::from(b).to_string(),
            (_, 2) => format!("%{b:02X}"),
            (_, 1) => format!("%25{b:02x}"),
            _ => format!("%25{b:02X}"),
        })
        .collect()
}
