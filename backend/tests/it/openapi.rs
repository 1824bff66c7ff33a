//! `/openapi.json` walked against the router, as a schema-driven client would use it: every
//! operation of the document gets requests built from its own examples and boundary values
//! (`openapi/cases.rs`). The document is the oracle: a request it allows must be accepted
//! (2xx, with ids that exist), one it refuses must be refused (4xx), and every answer must
//! have a status the operation declares and a body its declared schema allows, formats
//! included.

mod cases;

use crate::app::App;
use crate::resp::Resp;
use axum::body::Body;
use axum::http::{Method, Request};
use cases::{Case, Expect};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The document, readable as JSON Schema 2020-12, and its validators by schema pointer.
pub struct Doc {
    root: Value,
    validators: HashMap<String, jsonschema::Validator>,
}

impl Doc {
    fn new(mut root: Value) -> Doc {
        nullable_to_type(&mut root);
        Doc {
            root,
            validators: HashMap::new(),
        }
    }

    /// The errors of `instance` against the schema at `pointer` (`#/paths/…`).
    pub fn errors(&mut self, pointer: &str, instance: &Value) -> Vec<String> {
        let root = &self.root;
        let v = self
            .validators
            .entry(pointer.to_string())
            .or_insert_with(|| {
                let mut schema = root.clone();
                // A URI fragment: the template's braces percent-encoded.
                schema["$ref"] = json!(pointer.replace('{', "%7B").replace('}', "%7D"));
                jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .build(&schema)
                    .unwrap_or_else(|e| panic!("{pointer}: not a usable schema: {e}"))
            });
        v.iter_errors(instance)
            .map(|e| format!("{e} at {:?}", e.instance_path().as_str()))
            .collect()
    }

    /// The value at `pointer` (`#/…`), its `$ref`s followed.
    pub fn at(&self, pointer: &str) -> &Value {
        let v = self
            .root
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{pointer}: not in the document"));
        match v["$ref"].as_str() {
            Some(r) => self.at(r),
            None => v,
        }
    }
}

/// OpenAPI 3.0's `nullable: true` as JSON Schema's `type: [t, "null"]`.
fn nullable_to_type(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.remove("nullable") == Some(Value::Bool(true)) {
                if let Some(t) = m.get("type").cloned() {
                    m.insert("type".into(), json!([t, "null"]));
                }
            }
            m.values_mut().for_each(nullable_to_type);
        }
        Value::Array(a) => a.iter_mut().for_each(nullable_to_type),
        _ => {}
    }
}

/// One JSON pointer token.
pub fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

#[tokio::test]
async fn every_operation_answers_as_its_schema_declares_and_accepts_exactly_what_it_allows() {
    let sent = walk(&App::mocked().await, |_| true).await;
    assert!(sent > 300, "only {sent} requests");
}

/// The preflights' headers follow ALLOW_*: any value, and none at all.
#[tokio::test]
async fn every_preflight_accepts_exactly_what_its_cors_configuration_allows() {
    let options = |method: &str| method == "options";
    let any = [
        ("ALLOW_ORIGINS", "*"),
        ("ALLOW_METHODS", "*"),
        ("ALLOW_HEADERS", "*"),
    ];
    let none = [
        ("ALLOW_ORIGINS", ""),
        ("ALLOW_METHODS", "GET"),
        ("ALLOW_HEADERS", "X-Trace_Id"),
    ];
    for env in [any, none] {
        let sent = walk(&App::with_env(&env).await, options).await;
        assert!(sent > 100, "only {sent} requests");
    }
}

/// Walks the operations whose method `only` accepts; the number of requests sent.
async fn walk(s: &App, only: impl Fn(&str) -> bool) -> usize {
    let pid = s.finished_project().await;
    let jid = s.initial_job(&pid).await;
    let live = HashMap::from([
        ("project_id", pid.clone()),
        ("job_id", jid),
        ("path", "app.py".to_string()),
    ]);
    let raw = s.get("/openapi.json").await.json();
    let mut doc = Doc::new(raw.clone());
    let mut sent = 0;
    for (template, item) in raw["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if !only(method) {
                continue;
            }
            let at = format!("#/paths/{}/{method}", token(template));
            for case in cases::of(&mut doc, &at, template, &live) {
                let resp = send(s, method, &case).await;
                check(&mut doc, &at, op, &case, &resp);
                sent += 1;
            }
        }
    }
    sent
}

async fn send(s: &App, method: &str, case: &Case) -> Resp {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
    let mut req = Request::builder().method(method).uri(&case.uri);
    for (name, value) in &case.headers {
        req = req.header(name, value);
    }
    let body = match &case.body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b.clone())
        }
        None => Body::empty(),
    };
    s.send(req.body(body).expect("a request")).await
}

/// The answer has a declared status, the expected class, and a body its schema allows.
fn check(doc: &mut Doc, at: &str, op: &Value, case: &Case, r: &Resp) {
    let what = format!("{at} {}: {}", case.what, r.text());
    let code = r.status.to_string();
    let declared = op["responses"]
        .get(&code)
        .unwrap_or_else(|| panic!("{code} is not declared: {what}"));
    match case.expect {
        Expect::Accepted => assert!((200..300).contains(&r.status), "refused: {what}"),
        Expect::Refused => assert!((400..500).contains(&r.status), "accepted: {what}"),
        Expect::Declared => {}
    }
    let content = declared["content"].as_object();
    let Some(media) = content.and_then(|c| c.keys().next()) else {
        assert!(r.body.is_empty(), "a body where none is declared: {what}");
        return;
    };
    let got = r.header("content-type").unwrap_or("");
    assert!(got.starts_with(media.as_str()), "{got} for {media}: {what}");
    if media == "application/json" {
        let pointer = format!("{at}/responses/{code}/content/application~1json/schema");
        let errors = doc.errors(&pointer, &r.json());
        assert!(errors.is_empty(), "{errors:?}: {what}");
    }
}
