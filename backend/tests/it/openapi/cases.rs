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
    let live_case = Case {
        what: "the examples, ids that exist".into(),
        uri: uri(template, &params, |p| {
            live[p["name"].as_str().unwrap()].clone()
        }),
        headers: (params.iter())
            .filter(|p| p["in"] == "header")
            .map(|p| (p["name"].as_str().unwrap().to_string(), example(p)))
            .collect(),
        body: body.as_ref().map(|b| b.to_string().into_bytes()),
        expect: Expect::Accepted,
    };
    let mut cases = vec![Case {
        what: "the examples".into(),
        uri: uri(template, &params, example),
        expect: Expect::Declared,
        ..live_case.clone()
    }];
    cases.extend(header_cases(doc, at, &params, &live_case));
    if let Some(body) = body {
        let schema = format!("{at}/requestBody/content/application~1json/schema");
        let errors = doc.errors(&schema, &body);
        assert!(
            errors.is_empty(),
            "{at}: its example breaks its schema: {errors:?}"
        );
        cases.push(Case {
            what: "no body".into(),
            body: None,
            expect: Expect::Refused,
            ..live_case.clone()
        });
        for (what, bytes) in body_variants(doc, &schema, &body) {
            let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
            let valid = parsed.is_some_and(|v| doc.errors(&schema, &v).is_empty());
            cases.push(Case {
                what,
                body: Some(bytes),
                expect: expect(valid),
                ..live_case.clone()
            });
        }
    }
    cases.push(live_case);
    cases
}

fn example(p: &Value) -> String {
    p["example"].as_str().expect("an example").to_string()
}

/// `base` with each header parameter missing, empty and as in its example.
fn header_cases(doc: &mut Doc, at: &str, params: &[Value], base: &Case) -> Vec<Case> {
    let mut cases = Vec::new();
    for (i, p) in params
        .iter()
        .enumerate()
        .filter(|(_, p)| p["in"] == "header")
    {
        let name = p["name"].as_str().unwrap();
        for value in [None, Some(String::new()), Some(example(p))] {
            let valid = match &value {
                None => p["required"] != true,
                Some(v) => doc
                    .errors(&format!("{at}/parameters/{i}/schema"), &json!(v))
                    .is_empty(),
            };
            let mut headers: Vec<(String, String)> = (base.headers.iter())
                .filter(|(n, _)| n != name)
                .cloned()
                .collect();
            headers.extend(value.clone().map(|v| (name.to_string(), v)));
            cases.push(Case {
                what: format!("header {name} = {value:?}"),
                headers,
                expect: expect(valid),
                ..base.clone()
            });
        }
    }
    cases
}

fn expect(valid: bool) -> Expect {
    if valid {
        Expect::Accepted
    } else {
        Expect::Refused
    }
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
