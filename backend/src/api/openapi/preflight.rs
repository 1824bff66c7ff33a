//! The `OPTIONS` operation of every path: the CORS preflight. Its headers carry what
//! `api::cors::refusals` allows under the configured ALLOW_ORIGINS, ALLOW_METHODS and
//! ALLOW_HEADERS, so a preflight the document allows answers 200 and one it refuses 400 (405
//! without its two headers).

use super::{cors_headers, error_responses, merge};
use crate::api::cors::SAFELISTED;
use crate::config::{Allow, Cors};
use serde_json::{json, Value};

/// A header parameter's schema and, when the schema allows any value, an example.
type Constraint = (Value, Option<String>);

/// The preflight of a path with parameters `params`.
pub fn operation(params: &[Value], cors: &Cors) -> Value {
    let string = json!({"schema": {"type": "string"}});
    let mut parameters = params.to_vec();
    parameters.extend([
        header(
            "Origin",
            true,
            one_of(&cors.origins, "http://localhost:3000"),
        ),
        header(
            "Access-Control-Request-Method",
            true,
            one_of(&cors.methods, "POST"),
        ),
        header(
            "Access-Control-Request-Headers",
            false,
            header_list(&cors.headers),
        ),
    ]);
    let refused = disallowed_cors_details();
    let refused: Vec<&str> = refused.iter().map(String::as_str).collect();
    json!({
        "summary": "CORS preflight",
        "description": "With `Origin` and `Access-Control-Request-Method` (and optionally `Access-Control-Request-Headers`, a comma-separated list of header names): 200 with the allowed methods and headers when ALLOW_ORIGINS, ALLOW_METHODS and ALLOW_HEADERS allow all three (the parameters' schemas say which values they allow); 400 otherwise, `detail` naming what is refused as Starlette does. Without the two headers: 405.",
        "parameters": parameters,
        "responses": merge(json!({"200": {
            "description": "preflight allowed (empty body)",
            "headers": merge(cors_headers(), json!({
                "access-control-allow-methods": string.clone(),
                "access-control-allow-headers": string.clone(),
                "access-control-max-age": string}))
        }}), error_responses(&[(400, &refused), (405, &[]), (414, &[])]))
    })
}

fn header(name: &str, required: bool, (schema, example): Constraint) -> Value {
    let mut p = json!({"name": name, "in": "header", "required": required, "schema": schema});
    if let Some(example) = example {
        p["example"] = json!(example);
    }
    p
}

/// A value `allow` allows: any non-empty one (`*`), else one of its list, exactly as
/// configured (origins without a trailing `/`, methods in upper case).
fn one_of(allow: &Allow, preferred: &str) -> Constraint {
    match allow {
        Allow::Any => (
            json!({"type": "string", "minLength": 1}),
            Some(preferred.to_string()),
        ),
        Allow::List(l) if l.is_empty() => (json!({"type": "string", "not": {}}), None),
        Allow::List(l) => {
            let example = l.iter().find(|v| *v == preferred).unwrap_or(&l[0]);
            (json!({"type": "string", "enum": l}), Some(example.clone()))
        }
    }
}

/// `Access-Control-Request-Headers`: comma-separated names, each safelisted or in `allow`
/// whatever its ASCII case, with spaces and tabs around it and empty items ignored.
fn header_list(allow: &Allow) -> Constraint {
    let example = Some("content-type".to_string());
    let Allow::List(allowed) = allow else {
        return (json!({"type": "string"}), example);
    };
    let mut names: Vec<&str> = SAFELISTED
        .iter()
        .copied()
        .chain(allowed.iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    // Configured names are ASCII letters, digits, `-` and `_`: nothing to escape.
    let names: Vec<String> = names
        .iter()
        .map(|n| {
            n.chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect();
    let item = format!("(?:(?:{})[ \\t]*)?", names.join("|"));
    let pattern = format!("^[ \\t]*{item}(?:,[ \\t]*{item})*$");
    (json!({"type": "string", "pattern": pattern}), example)
}

/// Starlette's `Disallowed CORS …` texts: every non-empty selection of origin, method and
/// headers, in that order.
fn disallowed_cors_details() -> Vec<String> {
    let parts = ["origin", "method", "headers"];
    (1..8u8)
        .map(|mask| {
            let chosen: Vec<&str> = (0..3)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| parts[i])
                .collect();
            format!("Disallowed CORS {}", chosen.join(", "))
        })
        .collect()
}
