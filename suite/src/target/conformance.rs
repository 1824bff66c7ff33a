//! OpenAPI conformance: when the target serves `/openapi.json`, every JSON
//! answer the suite receives is validated against the schema its document declares for the
//! operation and status. A mismatch is an observation (a failure under `--strict`), one
//! line naming the operation, the JSON pointer and the schema's rule.
//!
//! - The operation is found by path template (`/api/v1/{project_id}/files/{path}`; a last
//!   parameter also matches several segments, like FastAPI's `{file_path:path}`).
//! - The response: the status itself, then its range (`2XX`), then `default`.
//! - `$ref`s resolve against the whole document: it is registered once (a JSON Schema
//!   2020-12 resource in a `jsonschema::Registry`), and each response schema is compiled
//!   once, on first use, as a `$ref` into it; the document is never copied or compiled
//!   whole. At most [`OPENAPI_LIMIT`] bytes of it are used.
//! - OpenAPI 3.0 schemas are brought to 2020-12 first: `nullable: true` allows `null`, a
//!   boolean `exclusiveMinimum`/`exclusiveMaximum` becomes the number form.

use crate::target::client::Reply;
use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The largest `/openapi.json` used; a longer one is reported and answers go unchecked.
pub(crate) const OPENAPI_LIMIT: usize = 16 << 20;

/// Where the document sits in the registry.
const DOCUMENT_URI: &str = "urn:x-codex-live-suite:openapi";

/// A target's OpenAPI document, ready to check answers against.
pub(crate) struct Conformance {
    /// The document as JSON Schema 2020-12 can read it (3.0 normalized).
    root: Arc<Value>,
    /// The document as the one resource `$ref`s resolve in.
    registry: jsonschema::Registry<'static>,
    /// `servers[0].url`'s path (`/api/v1`), when the paths are relative to it.
    base_path: String,
    /// Validators built so far, by schema pointer: a run checks a handful of operations
    /// hundreds of times (every poll).
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

impl Conformance {
    /// GET `/openapi.json`: `None` when the target has none (any answer but 200).
    #[cfg(any(test, feature = "test-support"))]
    pub(crate) fn fetch(client: &crate::target::client::Client) -> Result<Option<Conformance>> {
        let reply = client
            .get_root("/openapi.json")
            .context("fetching /openapi.json for the conformance check")?;
        Conformance::from_reply(&reply)
    }

    /// The document of a `GET /openapi.json` answer: `None` when it is not a 200.
    pub(crate) fn from_reply(reply: &Reply) -> Result<Option<Conformance>> {
        if !reply.ok() {
            return Ok(None);
        }
        if reply.body.len() > OPENAPI_LIMIT {
            bail!(
                "/openapi.json is {} bytes, over the limit of {} MiB for it",
                reply.body.len(),
                OPENAPI_LIMIT >> 20
            );
        }
        let doc: Value = reply
            .json()
            .context("/openapi.json answered 200 but is not JSON")?;
        Conformance::from_document(doc).map(Some)
    }

    /// An OpenAPI 3.x document (3.0 or 3.1).
    pub(crate) fn from_document(doc: Value) -> Result<Conformance> {
        let version = doc
            .get("openapi")
            .and_then(Value::as_str)
            .context("/openapi.json has no `openapi` version field: not an OpenAPI 3 document")?
            .to_owned();
        if !version.starts_with("3.") {
            bail!("/openapi.json is OpenAPI {version}; the conformance check reads 3.0 and 3.1");
        }
        if !doc.get("paths").is_some_and(Value::is_object) {
            bail!("/openapi.json (OpenAPI {version}) has no `paths` object");
        }
        let base_path = doc
            .pointer("/servers/0/url")
            .and_then(Value::as_str)
            .map(|url| match url.find("://") {
                Some(i) => url[i + 3..].find('/').map_or("", |j| &url[i + 3 + j..]),
                None => url,
            })
            .unwrap_or("")
            .trim_end_matches('/')
            .to_owned();
        let mut root = doc;
        if version.starts_with("3.0") {
            normalize_3_0(&mut root);
        }
        let root = Arc::new(root);
        let registry = jsonschema::Registry::new()
            .draft(jsonschema::Draft::Draft202012)
            .add(DOCUMENT_URI, Arc::clone(&root))
            .and_then(|r| r.prepare())
            .map_err(|e| anyhow::anyhow!("/openapi.json cannot be read as schemas: {e}"))?;
        Ok(Conformance {
            root,
            registry,
            base_path,
            validators: Mutex::default(),
        })
    }

    /// The mismatches of one answer, as observation lines (empty: it conforms, or the
    /// document declares no JSON schema for it). `path` is the request's path from the
    /// root, e.g. `/api/v1/projects/abc`; `body` the answer's text.
    pub(crate) fn check(&self, method: &str, path: &str, status: u16, body: &str) -> Vec<String> {
        let method = method.to_ascii_lowercase();
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let Some((template, op)) = self.operation(&method, path) else {
            return vec![format!(
                "{} {path}: /openapi.json describes no such operation",
                method.to_uppercase()
            )];
        };
        let name = op.get("operationId").and_then(Value::as_str).map_or_else(
            || format!("{} {template}", method.to_uppercase()),
            str::to_owned,
        );
        let Some((code, response)) = response_for(op, status) else {
            return vec![format!(
                "{name}: answered {status}, which /openapi.json does not declare for it"
            )];
        };
        let Some(media) = json_media(response) else {
            return Vec::new(); // No JSON body declared: nothing to validate.
        };
        let instance: Value = match serde_json::from_str(body) {
            Ok(v) => v,
            Err(e) => return vec![format!("{name} {status}: the answer is not JSON ({e})")],
        };
        let pointer = format!(
            "#/paths/{}/{method}/responses/{}/content/{}/schema",
            escape(&template),
            escape(&code),
            escape(&media)
        );
        let validator = match self.validator(pointer) {
            Ok(v) => v,
            Err(e) => {
                return vec![format!(
                    "{name} {status}: its schema in /openapi.json cannot be used: {}",
                    one_line(&e.to_string())
                )]
            }
        };
        validator
            .iter_errors(&instance)
            .map(|e| {
                let at = e.instance_path().as_str();
                format!(
                    "{name} {status}: at {} {} (schema rule {} at {})",
                    if at.is_empty() { "/" } else { at },
                    one_line(&e.to_string()),
                    e.kind().keyword(),
                    schema_location(e.schema_path().as_str())
                )
            })
            .collect()
    }

    /// The validator of the schema at `pointer`: a `$ref` to it in the registered
    /// document, compiled on first use (a run checks a handful of operations hundreds of
    /// times).
    fn validator(
        &self,
        pointer: String,
    ) -> Result<Arc<jsonschema::Validator>, jsonschema::ValidationError<'static>> {
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = cache.get(&pointer) {
            return Ok(Arc::clone(v));
        }
        let schema = serde_json::json!({ "$ref": format!("{DOCUMENT_URI}{pointer}") });
        let v = Arc::new(
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .with_registry(&self.registry)
                .build(&schema)?,
        );
        cache.insert(pointer, Arc::clone(&v));
        Ok(v)
    }

    /// The operation for `method` on a concrete `path`: its template and object. Exact
    /// segment counts first, the template with the most literal segments winning; then a
    /// last parameter spanning several segments; then the same without the servers' base
    /// path.
    fn operation(&self, method: &str, path: &str) -> Option<(String, &Value)> {
        let paths = self.root.get("paths")?.as_object()?;
        let mut candidates = vec![path.to_owned()];
        if let Some(rest) = path
            .strip_prefix(&self.base_path)
            .filter(|_| !self.base_path.is_empty())
        {
            candidates.push(rest.to_owned());
        }
        for concrete in &candidates {
            let best = paths
                .iter()
                .filter_map(|(t, item)| {
                    let op = item.get(method)?;
                    matches(t, concrete).map(|score| (score, t, op))
                })
                .max_by_key(|(score, _, _)| *score);
            if let Some((_, t, op)) = best {
                return Some((t.clone(), op));
            }
        }
        None
    }
}

/// How well `template` matches `path`: `None` for no match; higher is better (exact
/// segment count beats a spanning last parameter, then more literal segments).
fn matches(template: &str, path: &str) -> Option<(bool, usize)> {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    let is_param = |s: &str| s.starts_with('{') && s.ends_with('}');
    let exact = t.len() == p.len();
    let spanning = !exact && p.len() > t.len() && t.last().is_some_and(|s| is_param(s));
    if !exact && !spanning {
        return None;
    }
    let mut literals = 0;
    for (i, seg) in t.iter().enumerate() {
        if is_param(seg) {
            if p[i].is_empty() {
                return None;
            }
        } else if *seg == p[i] {
            literals += 1;
        } else {
            return None;
        }
    }
    Some((exact, literals))
}

/// The response declared for `status`: exact, range (`2XX`), `default`.
fn response_for(op: &Value, status: u16) -> Option<(String, &Value)> {
    let responses = op.get("responses")?.as_object()?;
    let range = format!("{}XX", status / 100);
    [
        status.to_string(),
        range.clone(),
        range.to_lowercase(),
        "default".into(),
    ]
    .into_iter()
    .find_map(|k| responses.get(&k).map(|r| (k, r)))
}

/// The JSON media type of a response with a schema (`application/json`, `…+json`).
fn json_media(response: &Value) -> Option<String> {
    let content = response.get("content")?.as_object()?;
    content
        .iter()
        .filter(|(k, v)| {
            let k = k.split(';').next().unwrap_or("").trim();
            (k == "application/json" || k.ends_with("+json")) && v.get("schema").is_some()
        })
        .map(|(k, _)| k.clone())
        .next()
}

/// One reference token of a JSON pointer inside a URI fragment: `~` and `/` escaped as
/// the pointer wants, then everything a fragment may not hold percent-encoded (`{`, `}`).
fn escape(token: &str) -> String {
    token
        .replace('~', "~0")
        .replace('/', "~1")
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'@' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The schema path as the document names it: drop the leading `$ref` hop.
fn schema_location(path: &str) -> String {
    let p = path.strip_prefix("/$ref").unwrap_or(path);
    if p.is_empty() {
        "/".into()
    } else {
        p.to_owned()
    }
}

/// A validator message on one line, at most 200 characters.
fn one_line(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > 200 {
        format!("{}…", flat.chars().take(200).collect::<String>())
    } else {
        flat
    }
}

/// OpenAPI 3.0 to JSON Schema 2020-12, everywhere in the document: `nullable: true` admits
/// `null` (on `type`, or around a `$ref`/composition), boolean exclusive bounds become
/// numbers.
fn normalize_3_0(v: &mut Value) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(normalize_3_0),
        Value::Object(obj) => {
            obj.values_mut().for_each(normalize_3_0);
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(Value::Bool(on)) = obj.get(flag).cloned() {
                    obj.remove(flag);
                    if on {
                        if let Some(n) = obj.remove(bound) {
                            obj.insert(flag.into(), n);
                        }
                    }
                }
            }
            if obj.get("nullable") == Some(&Value::Bool(true)) {
                obj.remove("nullable");
                allow_null(obj);
            }
        }
        _ => {}
    }
}

fn allow_null(obj: &mut Map<String, Value>) {
    match obj.get_mut("type") {
        Some(Value::String(t)) => {
            let t = t.clone();
            obj.insert("type".into(), serde_json::json!([t, "null"]));
            if let Some(Value::Array(values)) = obj.get_mut("enum") {
                values.push(Value::Null);
            }
        }
        Some(_) => {}
        None => {
            // `$ref`/`allOf`… with `nullable`: either null or the schema as it was.
            let inner = Value::Object(std::mem::take(obj));
            obj.insert("anyOf".into(), serde_json::json!([{"type": "null"}, inner]));
        }
    }
}

#[cfg(test)]
mod tests;
