//! The requests the walk sends for one operation, each with what the document says must
//! come of it: the examples (with the example ids, and with ids that exist), each header
//! missing, empty and as in its example, and body variants around every rule of its schema.

use super::Doc;
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

/// What must come of a request.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// The document allows it and its ids exist: 2xx.
    Accepted,
    /// The document refuses it: 4xx.
    Refused,
    /// Any status the operation declares (the example ids need not exist).
    Declared,
}

#[derive(Clone)]
pub struct Case {
    pub what: String,
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub expect: Expect,
}

/// Padding that one dialect of whitespace or another trims: Rust's `str::trim` (NBSP, NEL,
/// ideographic space, tab, newline), only ECMA-262's `\s` (U+FEFF), only Python's
/// `str.strip` (U+001C), none of them (U+200B).
const PADS: [&str; 7] = [
    "",
    "\u{a0}",
    "\u{85}",
    "\u{feff}",
    "\u{1c}",
    "\u{200b}",
    "\t\n \u{3000}",
];

/// The cases of the operation at `at` (`#/paths/<template>/<method>`); `live` holds ids
/// that exist, by parameter name.
pub fn of(doc: &mut Doc, at: &str, template: &str, live: &HashMap<&str, String>) -> Vec<Case> {
    let op = doc.at(at).clone();
    let params: Vec<Value> = op["parameters"].as_array().cloned().unwrap_or_default();
    let body = op["requestBody"]["content"]["application/json"]["example"].clone();
    let body = (!body.is_null()).then_some(body);
    let base = Case {
        what: "the examples, ids that exist".into(),
        uri: uri(template, &params, |p| {
            live[p["name"].as_str().unwrap()].clone()
        }),
        headers: (params.iter())
            .filter(|p| p["in"] == "header")
            .filter_map(|p| Some((p["name"].as_str()?.to_string(), example(p)?)))
            .collect(),
        body: body.as_ref().map(|b| b.to_string().into_bytes()),
        expect: Expect::Declared,
    };
    let mut cases = vec![Case {
        what: "the examples".into(),
        uri: uri(template, &params, |p| example(p).expect("an example")),
        ..base.clone()
    }];
    cases.extend(header_cases(&params, &base));
    let body_schema = format!("{at}/requestBody/content/application~1json/schema");
    if let Some(body) = &body {
        let errors = doc.errors(&body_schema, body);
        assert!(
            errors.is_empty(),
            "{at}: its example breaks its schema: {errors:?}"
        );
        cases.push(Case {
            what: "no body".into(),
            body: None,
            ..base.clone()
        });
        for (what, bytes) in body_variants(doc, &body_schema, body) {
            cases.push(Case {
                what,
                body: Some(bytes),
                ..base.clone()
            });
        }
    }
    cases.push(base);
    let body_schema = body.is_some().then_some(body_schema.as_str());
    for (n, case) in cases.iter_mut().enumerate() {
        let valid = valid(doc, at, &params, body_schema, case);
        // The first case has the example ids, which need not exist.
        case.expect = match (valid, n) {
            (false, _) => Expect::Refused,
            (true, 0) => Expect::Declared,
            (true, _) => Expect::Accepted,
        };
    }
    cases
}

fn example(p: &Value) -> Option<String> {
    p["example"].as_str().map(str::to_string)
}

/// Whether the document allows `case`: each header parameter present and valid or
/// missing and optional, the body present and valid when the operation takes one.
fn valid(doc: &mut Doc, at: &str, params: &[Value], body: Option<&str>, case: &Case) -> bool {
    let headers_ok = (params.iter().enumerate())
        .filter(|(_, p)| p["in"] == "header")
        .all(
            |(i, p)| match case.headers.iter().find(|(n, _)| p["name"] == *n) {
                None => p["required"] != true,
                Some((_, v)) => doc
                    .errors(&format!("{at}/parameters/{i}/schema"), &json!(v))
                    .is_empty(),
            },
        );
    let body_ok = body.is_none_or(|schema| {
        let parsed = case
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok());
        parsed.is_some_and(|v: Value| doc.errors(schema, &v).is_empty())
    });
    headers_ok && body_ok
}

/// `base` with each header parameter missing, empty, as in its example, each value of its
/// enum, and variations: another case, a stranger, a list with a stranger and a list with
/// blanks.
fn header_cases(params: &[Value], base: &Case) -> Vec<Case> {
    let mut cases = Vec::new();
    for p in params.iter().filter(|p| p["in"] == "header") {
        let name = p["name"].as_str().unwrap();
        let e = example(p).unwrap_or_else(|| "x".into());
        let values = [
            String::new(),
            e.to_lowercase(),
            e.to_uppercase(),
            "x-stranger".into(),
            format!("{e}, x-stranger"),
            format!(" {e} ,, {} ", e.to_uppercase()),
            e,
        ];
        let members = p["schema"]["enum"].as_array().into_iter().flatten();
        let members = members.map(|m| Some(m.as_str().unwrap().to_string()));
        for value in [None].into_iter().chain(values.map(Some)).chain(members) {
            let mut headers: Vec<(String, String)> = (base.headers.iter())
                .filter(|(n, _)| n != name)
                .cloned()
                .collect();
            headers.extend(value.clone().map(|v| (name.to_string(), v)));
            cases.push(Case {
                what: format!("header {name} = {value:?}"),
                headers,
                ..base.clone()
            });
        }
    }
    cases
}

/// `template` with each path parameter replaced by `value(parameter)`.
fn uri(template: &str, params: &[Value], value: impl Fn(&Value) -> String) -> String {
    (params.iter())
        .filter(|p| p["in"] == "path")
        .fold(template.to_string(), |uri, p| {
            uri.replace(&format!("{{{}}}", p["name"].as_str().unwrap()), &value(p))
        })
}

/// The example body with each field missing, null, a number, every enum value and a
/// stranger, strings at both sides of each length bound; then bodies that are no object.
fn body_variants(doc: &Doc, schema: &str, example: &Value) -> Vec<(String, Vec<u8>)> {
    let obj = example.as_object().expect("an object example").clone();
    let with = |name: &str, v: Option<Value>| {
        let mut o: Map<String, Value> = obj.clone();
        match v {
            Some(v) => o.insert(name.to_string(), v),
            None => o.remove(name),
        };
        Value::Object(o).to_string().into_bytes()
    };
    let mut out = Vec::new();
    for (name, prop) in doc.at(schema)["properties"]
        .as_object()
        .expect("properties")
    {
        let prop = match prop["$ref"].as_str() {
            Some(r) => doc.at(r),
            None => prop,
        };
        out.push((format!("{name} missing"), with(name, None)));
        out.push((format!("{name} null"), with(name, Some(Value::Null))));
        out.push((format!("{name} a number"), with(name, Some(json!(7)))));
        for v in prop["enum"].as_array().into_iter().flatten() {
            out.push((format!("{name} = {v}"), with(name, Some(v.clone()))));
        }
        if prop["enum"].is_array() {
            out.push((
                format!("{name} not in its enum"),
                with(name, Some(json!("delete"))),
            ));
        }
        if prop["type"] == "string" {
            for s in boundary_strings(prop) {
                let what = format!("{name} = {:?}", abbreviated(&s));
                out.push((what, with(name, Some(json!(s)))));
            }
        }
    }
    for raw in ["[]", "\"text\"", "null", "{", ""] {
        out.push((format!("the body {raw:?}"), raw.as_bytes().to_vec()));
    }
    out
}

/// Strings of lengths at both sides of each bound `prop` declares (`minLength`,
/// `maxLength`, `x-trimmed-length`), bare and padded with each of [`PADS`].
fn boundary_strings(prop: &Value) -> Vec<String> {
    let bounds = ["minLength", "maxLength"]
        .map(|k| &prop[k])
        .into_iter()
        .chain(["minimum", "maximum"].map(|k| &prop["x-trimmed-length"][k]))
        .filter_map(Value::as_u64)
        .chain([0, 1]);
    let lengths: BTreeSet<usize> = bounds
        .flat_map(|b| [b.saturating_sub(1), b, b + 1])
        .map(|n| n as usize)
        .collect();
    let mut out = Vec::new();
    for n in lengths {
        let core: String = "öÁa".chars().cycle().take(n).collect();
        for pad in PADS {
            out.push(format!("{pad}{core}{pad}"));
            if !pad.is_empty() {
                out.push(format!("{core}{pad}"));
            }
        }
    }
    out
}

/// A long string as its first and last characters around its length.
fn abbreviated(s: &str) -> String {
    let n = s.chars().count();
    if n <= 12 {
        return s.to_string();
    }
    let head: String = s.chars().take(4).collect();
    let tail: String = s.chars().skip(n - 4).collect();
    format!("{head}…({n} characters)…{tail}")
}
