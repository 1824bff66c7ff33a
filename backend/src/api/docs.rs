//! `GET /openapi.json` (the OpenAPI 3 document of `openapi.rs`, also under the API prefix)
//! and `GET /docs`, a self-contained HTML page rendered from that same document, so the two
//! never disagree and nothing is downloaded at build or run time.

use super::openapi::document;
use super::AppState;
use axum::extract::State;
use axum::response::Html;
use axum::Json;
use serde_json::Value;

pub async fn openapi(State(st): State<AppState>) -> Json<Value> {
    Json(document(&st.cfg.api_prefix, &st.cfg.cors))
}

pub async fn page(State(st): State<AppState>) -> Html<String> {
    Html(render(&document(&st.cfg.api_prefix, &st.cfg.cors)))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTML page: one section per operation of the document.
pub fn render(doc: &Value) -> String {
    let mut rows = String::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, ops) in paths {
            for (method, op) in ops.as_object().into_iter().flatten() {
                let codes: Vec<&str> = op["responses"]
                    .as_object()
                    .map(|r| r.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
                    .unwrap_or_default();
                rows.push_str(&format!(
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}{}</td><td>{}</td><td>{}</td></tr>\n",
                    method.to_uppercase(),
                    escape(path),
                    escape(op["summary"].as_str().unwrap_or("")),
                    op["description"]
                        .as_str()
                        .map(|d| format!("<br><small>{}</small>", escape(d)))
                        .unwrap_or_default(),
                    escape(&body),
                    codes.join(", ")
                ));
            }
        }
    }
    let mut schemas = String::new();
    if let Some(s) = doc["components"]["schemas"].as_object() {
        for (name, schema) in s {
            schemas.push_str(&format!(
                "<h3 id=\"{0}\">{0}</h3><pre>{1}</pre>\n",
                escape(name),
                escape(&serde_json::to_string_pretty(schema).unwrap_or_default())
            ));
        }
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — API docs</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}}
pre{{background:#f6f6f6;padding:.6rem;overflow:auto}}</style></head>
<body><h1>{title}</h1><p>{desc}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3). Errors always answer
<code>{{"error": slug, "message": str, "code": int, "detail"?: any, "hint"?: str, "correlation_id"?: str}}</code>:
<code>detail</code> is what a client compares, <code>hint</code> the specifics for a person.</p>
<h2>Endpoints</h2>
<table><tr><th>method</th><th>path</th><th>what</th><th>body</th><th>responses</th></tr>
{rows}</table>
<h2>Schemas</h2>
{schemas}</body></html>
"#,
        title = escape(doc["info"]["title"].as_str().unwrap_or("API")),
        desc = escape(doc["info"]["description"].as_str().unwrap_or("")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::openapi::tests::default_cors;

    /// Every `$ref` in the document points at a schema it defines.
    #[test]
    fn references_resolve_and_the_page_lists_every_path() {
        let doc = document("/api/v1", &default_cors());
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "dangling $ref {name}");
        }
        let page = render(&doc);
        for path in doc["paths"].as_object().unwrap().keys() {
            assert!(page.contains(&escape(path)), "{path} missing from /docs");
        }
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no external assets"
        );
    }
}
