//! Requests hyper answers before the router sees them, through the real server: they still
//! get the contract's JSON error body (`codex_backend::listener`).

use crate::server::{raw_request, Opts, Server};

#[test]
fn requests_the_http_parser_refuses_get_the_json_error_body() {
    let s = Server::start(Opts::mocked());
    let missing = "00000000-0000-0000-0000-000000000000";
    // A file path of 70,000 characters: over hyper's 64 KiB URI limit.
    let long = format!(
        "GET /api/v1/{missing}/files/{} HTTP/1.1",
        "a".repeat(70_000)
    );
    let b = raw_request(&s.addr, &long).assert_error(414, "http_error");
    assert!(b["hint"].as_str().unwrap().contains("8192"), "{b}");
    raw_request(&s.addr, "GET /healthz HTTP/9.9").assert_error(400, "bad_request");
    // Under hyper's limit, the router answers: 414 over 8 KiB, 400 for a path over 4096.
    raw_request(
        &s.addr,
        &format!("GET /api/v1/{missing}/files/{} HTTP/1.1", "a".repeat(9_000)),
    )
    .assert_error(414, "http_error");
    let b = s
        .get(&format!("/api/v1/{missing}/files/{}", "a/".repeat(2_500)))
        .assert_error(400, "bad_request");
    assert!(b["hint"].as_str().unwrap().contains("4096"), "{b}");
    // The server still answers after all of it.
    assert_eq!(s.get("/healthz").status, 200);
}
