use super::*;

/// The CORS configuration of an environment that sets none of the ALLOW_* variables.
pub fn default_cors() -> Cors {
    crate::config::Config::from_lookup(|_| None)
        .expect("the defaults")
        .cors
}

fn operations(doc: &Value) -> impl Iterator<Item = (&String, &String, &Value)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .iter()
                .map(move |(method, op)| (path, method, op))
        })
}

/// Every operation documents the statuses the router can give any request (414; 500 on
/// the API routes) and each error status with the contract's body.
#[test]
fn every_operation_documents_its_error_statuses_with_their_schema() {
    let doc = document("/api/v1", &default_cors());
    for (path, method, op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        let want_500 = path.starts_with("/api/v1") && method != "options";
        for code in ["414"].into_iter().chain(want_500.then_some("500")) {
            assert!(responses.contains_key(code), "{method} {path}: no {code}");
        }
        for (code, r) in responses.iter().filter(|(c, _)| c.as_str() >= "400") {
            let schema = &r["content"]["application/json"]["schema"];
            let (got, want) = if code == "422" {
                (
                    &schema["$ref"],
                    "#/components/schemas/ValidationErrorResponse",
                )
            } else {
                (
                    &schema["allOf"][0]["$ref"],
                    "#/components/schemas/ErrorResponse",
                )
            };
            assert_eq!(got, want, "{method} {path} {code}");
        }
    }
    let slugs = &doc["components"]["schemas"]["ErrorResponse"]["properties"]["error"]["enum"];
    for code in [400, 404, 405, 409, 413, 422, 500, 503] {
        let slug = ErrorBody::slug_for(code);
        assert!(
            slugs.as_array().unwrap().iter().any(|s| s == slug),
            "{slug}"
        );
    }
}

/// Each `{name}` of a path template is a required path parameter of every operation on
/// it, and no operation declares one its path lacks.
#[test]
fn every_operation_declares_exactly_its_path_parameters() {
    let doc = document("/api/v1", &default_cors());
    for (path, method, op) in operations(&doc) {
        let mut want: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        let mut got: Vec<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .inspect(|p| assert_eq!(p["required"], true, "{method} {path}: {p}"))
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want, "{method} {path}");
    }
}

/// The pattern (read by the `jsonschema` crate, ECMA-262 semantics) holds exactly when
/// the backend's trim leaves a length in range, for every whitespace character of
/// Rust, ECMA-262 (U+FEFF) and Python (U+001C..U+001F) and a few that are none.
#[test]
fn the_trimmed_length_pattern_holds_exactly_when_the_length_is_accepted() {
    let odd = ['\u{feff}', '\u{1c}', '\u{1f}', '\u{180e}', '\u{200b}', 'x'];
    for range in [PROJECT_INSTRUCTION_CHARS, JOB_INSTRUCTION_CHARS] {
        let schema = json!({"type": "string", "pattern": trimmed_length_pattern(range.clone())});
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .unwrap();
        for pad in TRIMMED_WHITESPACE.iter().chain(&odd) {
            for n in [0, 1, 2, 4, 5, 6, 1999, 2000, 2001] {
                let core: String = (0..n)
                    .map(|i| if i == 0 || i + 1 == n { 'ö' } else { *pad })
                    .collect();
                for s in [format!("{pad}{core}{pad}"), format!("{core}{pad}")] {
                    let accepted =
                        range.contains(&codex_contract::trim_instruction(&s).chars().count());
                    assert_eq!(v.is_valid(&json!(s)), accepted, "{range:?} {s:?}");
                }
            }
        }
    }
}

#[test]
fn the_trimmed_length_pattern_spells_out_the_whitespace() {
    let p = trimmed_length_pattern(5..=2000);
    assert!(p.starts_with("^[\\u0009\\u000a"), "{p}");
    assert!(p.contains("\\u0085") && !p.contains("\\ufeff"), "{p}");
    assert!(p.contains("[\\s\\S]{3,1998}"), "{p}");
    assert!(trimmed_length_pattern(1..=2000).contains("(?:[\\s\\S]{0,1998}"));
}
