//! CORS from `ALLOW_ORIGINS`/`ALLOW_METHODS`/`ALLOW_HEADERS`/`ALLOW_CREDENTIALS`
//! (`config::Cors`) with the semantics of Starlette's CORSMiddleware, which CONTRACT.md
//! names: `tower-http`'s `CorsLayer` adds the headers, and [`check_preflight`] adds what
//! `CorsLayer` does not do — it answers every `OPTIONS` 200, whereas a preflight whose
//! origin, method or headers are not allowed must answer 400, and an `OPTIONS` that is no
//! preflight goes to the routes (which do not serve it: 405).

use crate::config::{Allow, Cors};
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowCredentials, AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

/// Headers a browser may always send (Starlette's `SAFELISTED_HEADERS`).
pub const SAFELISTED: [&str; 4] = [
    "accept",
    "accept-language",
    "content-language",
    "content-type",
];
/// How long a browser may cache a preflight answer (Starlette's default).
const MAX_AGE: Duration = Duration::from_secs(600);

pub fn layer(cors: &Cors) -> CorsLayer {
    let values = |l: &[String]| -> Vec<HeaderValue> {
        l.iter()
            .filter_map(|v| HeaderValue::from_str(v).ok())
            .collect()
    };
    let origins = match &cors.origins {
        Allow::Any => AllowOrigin::any(),
        Allow::List(l) => AllowOrigin::list(values(l)),
    };
    let methods = match &cors.methods {
        Allow::Any => AllowMethods::mirror_request(),
        Allow::List(l) => AllowMethods::list(
            l.iter()
                .filter_map(|m| Method::from_bytes(m.as_bytes()).ok()),
        ),
    };
    let headers = match &cors.headers {
        Allow::Any => AllowHeaders::mirror_request(),
        Allow::List(l) => AllowHeaders::list(
            SAFELISTED
                .iter()
                .map(|h| h.to_string())
                .chain(
                    l.iter()
                        .filter(|h| !SAFELISTED.contains(&h.as_str()))
                        .cloned(),
                )
                .filter_map(|h| HeaderName::from_bytes(h.as_bytes()).ok()),
        ),
    };
    let layer = CorsLayer::new()
        .allow_origin(origins)
        .allow_methods(methods)
        .allow_headers(headers)
        .max_age(MAX_AGE);
    if !cors.credentials {
        return layer;
    }
    // Only for an allowed origin: a disallowed one gets no CORS header at all.
    let origins = cors.origins.clone();
    layer.allow_credentials(AllowCredentials::predicate(move |origin, _| {
        origin.to_str().is_ok_and(|o| origins.allows(o))
    }))
}

/// What of a preflight is not allowed (Starlette's "Disallowed CORS origin, method, headers").
/// An empty origin or method is never allowed, `*` or not: the API document requires both.
pub fn refusals(cors: &Cors, origin: &str, method: &str, headers: &str) -> Vec<&'static str> {
    let mut failures = Vec::new();
    if origin.is_empty() || !cors.origins.allows(origin) {
        failures.push("origin");
    }
    if method.is_empty() || !cors.methods.allows(method) {
        failures.push("method");
    }
    let header_allowed = |h: &str| SAFELISTED.contains(&h) || cors.headers.allows(h);
    if !headers
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .all(|h| header_allowed(&h))
    {
        failures.push("headers");
    }
    failures
}

/// Runs before `CorsLayer`: a disallowed preflight answers 400, an `OPTIONS` that is no
/// preflight (no `Origin` or no `Access-Control-Request-Method`) answers 405.
pub async fn check_preflight(State(cors): State<Arc<Cors>>, req: Request, next: Next) -> Response {
    if req.method() != Method::OPTIONS {
        return next.run(req).await;
    }
    let Some((origin, method, headers)) = preflight_headers(req.headers()) else {
        return ApiError::http(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "OPTIONS is not allowed on {} except as a CORS preflight (with Origin and \
                 Access-Control-Request-Method)",
                req.uri().path()
            ),
        )
        .into_response();
    };
    let failures = refusals(&cors, &origin, &method, &headers);
    if failures.is_empty() {
        return next.run(req).await;
    }
    // Starlette's text, e.g. `Disallowed CORS origin, method`.
    ApiError::bad_request(
        format!("Disallowed CORS {}", failures.join(", ")),
        format!(
            "origin {origin:?}, method {method:?}, headers {headers:?}: the backend's \
             ALLOW_ORIGINS, ALLOW_METHODS and ALLOW_HEADERS decide what is allowed"
        ),
    )
    .into_response()
}

/// `Origin`, `Access-Control-Request-Method` and `Access-Control-Request-Headers` (empty
/// when absent) of a preflight; `None` when it is no preflight.
fn preflight_headers(h: &HeaderMap) -> Option<(String, String, String)> {
    let text = |name| {
        h.get(name)
            .map(|v: &HeaderValue| v.to_str().unwrap_or("\u{fffd}").to_string())
    };
    Some((
        text(header::ORIGIN)?,
        text(header::ACCESS_CONTROL_REQUEST_METHOD)?,
        text(header::ACCESS_CONTROL_REQUEST_HEADERS).unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preflight_refusals_name_what_is_not_allowed() {
        let cors = Cors {
            origins: Allow::List(vec!["http://localhost:3000".into()]),
            methods: Allow::List(vec!["GET".into(), "POST".into()]),
            headers: Allow::List(vec!["authorization".into()]),
            credentials: true,
        };
        let ok = refusals(
            &cors,
            "http://localhost:3000",
            "POST",
            "Content-Type, Authorization",
        );
        assert!(ok.is_empty(), "{ok:?}");
        assert_eq!(
            refusals(&cors, "http://evil.example", "PATCH", "X-Secret"),
            ["origin", "method", "headers"]
        );
        let any = Cors {
            origins: Allow::Any,
            methods: Allow::Any,
            headers: Allow::Any,
            credentials: false,
        };
        assert!(refusals(&any, "http://a.example", "PATCH", "X-Any").is_empty());
        assert_eq!(refusals(&any, "", "", ""), ["origin", "method"]);
    }
}
