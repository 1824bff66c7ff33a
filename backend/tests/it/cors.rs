//! CORS from `ALLOW_ORIGINS`/`ALLOW_METHODS`/`ALLOW_HEADERS`/`ALLOW_CREDENTIALS` with
//! Starlette's semantics (CONTRACT.md): the four cases, plus the wildcard and "empty = none".

use crate::app::App;
use crate::resp::Resp;
use axum::body::Body;
use axum::http::{Method, Request};

const ALLOWED: &str = "http://localhost:3000";
const BLOCKED: &str = "http://evil.example";

async fn simple(s: &App, origin: &str) -> Resp {
    let req = Request::get("/healthz").header("origin", origin);
    s.send(req.body(Body::empty()).unwrap()).await
}

async fn preflight(s: &App, origin: &str, method: &str, headers: &str) -> Resp {
    let req = Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/v1/projects/")
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers);
    s.send(req.body(Body::empty()).unwrap()).await
}

fn cors_headers(r: &Resp) -> Vec<&str> {
    r.headers
        .keys()
        .map(|k| k.as_str())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

#[tokio::test]
async fn an_allowed_origin_is_echoed_on_a_simple_request() {
    let s = App::mocked().await;
    let r = simple(&s, ALLOWED).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));
    // Credentials are off by default.
    assert_eq!(r.header("access-control-allow-credentials"), None);
}

#[tokio::test]
async fn a_disallowed_origin_gets_no_cors_headers() {
    let s = App::with_env(&[("ALLOW_CREDENTIALS", "True")]).await;
    let r = simple(&s, BLOCKED).await;
    assert_eq!(r.status, 200, "the request itself is served");
    assert!(cors_headers(&r).is_empty(), "{:?}", r.headers);
}

#[tokio::test]
async fn an_allowed_preflight_with_credentials_answers_200_with_what_is_allowed() {
    let s = App::with_env(&[("ALLOW_CREDENTIALS", "True")]).await;
    let r = preflight(&s, ALLOWED, "POST", "Content-Type, Authorization").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    let methods = r.header("access-control-allow-methods").unwrap();
    for m in ["GET", "POST", "PUT", "DELETE", "OPTIONS"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = r.header("access-control-allow-headers").unwrap();
    for h in ["authorization", "content-type"] {
        assert!(headers.contains(h), "{headers}");
    }
    // A simple request from that origin carries the credentials flag too.
    let r = simple(&s, ALLOWED).await;
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
}

#[tokio::test]
async fn a_disallowed_preflight_answers_400_naming_what_is_refused() {
    let s = App::with_env(&[("ALLOW_CREDENTIALS", "True")]).await;
    for (origin, method, headers, refused) in [
        (BLOCKED, "POST", "content-type", "origin"),
        (ALLOWED, "PATCH", "content-type", "method"),
        (ALLOWED, "POST", "x-secret", "headers"),
    ] {
        let r = preflight(&s, origin, method, headers).await;
        let b = r.assert_error(400, "bad_request");
        assert!(
            b["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("Disallowed CORS {refused}")),
            "{b}"
        );
        assert_eq!(
            r.header("access-control-allow-origin"),
            None,
            "{:?}",
            r.headers
        );
    }
}

#[tokio::test]
async fn a_wildcard_allows_every_origin_and_an_empty_list_none() {
    let s = App::with_env(&[("ALLOW_ORIGINS", "*")]).await;
    assert_eq!(
        simple(&s, BLOCKED)
            .await
            .header("access-control-allow-origin"),
        Some("*")
    );
    let s = App::with_env(&[("ALLOW_ORIGINS", "")]).await;
    assert!(cors_headers(&simple(&s, ALLOWED).await).is_empty());
    preflight(&s, ALLOWED, "GET", "")
        .await
        .assert_error(400, "bad_request");
}
