use super::*;
use crate::model::secrets::Secrets;
use crate::target::client::tests::{read_head, server};
use crate::target::client::ApiPath;
use std::io::Write;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

const KEY: &str = "sk-answer-PLANTED-7c6b5a49";

fn scanning_client(url: &str) -> Client {
    let secrets = Secrets::from_lookup(|n| (n == "OPENAI_API_KEY").then(|| KEY.into()));
    Client::new(url, secrets.redactor()).unwrap()
}

/// Answers `head` (status line and headers) and `body` to every request.
fn answering(head: String, body: String) -> String {
    answering_bytes(head, body.into_bytes(), Arc::default())
}

/// `answering` with a body of any bytes; each request's head goes into `heads`.
fn answering_bytes(head: String, body: Vec<u8>, heads: Arc<Mutex<Vec<String>>>) -> String {
    server(move |mut s: TcpStream| {
        heads.lock().unwrap().push(read_head(&s));
        // One answer per connection: say so, or the client may reuse a closed one.
        let text = format!(
            "{head}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(&[text.as_bytes(), &body].concat());
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn encoded(coding: &str) -> String {
    format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: {coding}\r\n")
}

#[test]
fn a_compressed_answer_is_decoded_scanned_and_kept_decoded() {
    let text = format!(r#"{{"detail": "env: OPENAI_API_KEY={KEY}"}}"#);
    let heads = Arc::default();
    let url = answering_bytes(encoded("gzip"), gzip(text.as_bytes()), Arc::clone(&heads));
    let c = scanning_client(&url);
    let reply = c.get(&ApiPath::project("p1")).unwrap();
    assert_eq!(
        reply.body,
        r#"{"detail": "env: OPENAI_API_KEY=[REDACTED]"}"#
    );
    let found = c.take_findings();
    let leak = AnswerLeak {
        var: "OPENAI_API_KEY",
        place: "the answer to GET /api/v1/projects/p1 (decoded from gzip)".into(),
    };
    assert_eq!(found.leaks, [leak]);
    assert_eq!(
        found.observations,
        [
            "GET /api/v1/projects/{project_id} answered Content-Encoding: gzip, though the suite \
          asks for none (Accept-Encoding: identity): the body was decoded, scanned and kept \
          decoded"
        ]
    );
    let heads = heads.lock().unwrap();
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("accept-encoding: identity\r\n"),
        "{heads:?}"
    );
}

#[test]
fn a_body_that_cannot_be_decoded_is_withheld_and_a_bomb_fails_the_request() {
    let planted = format!("OPENAI_API_KEY={KEY}");
    for (coding, body, why) in [
        (
            "br",
            planted.clone().into_bytes(),
            "the suite cannot decode br",
        ),
        (
            "gzip",
            b"not gzip at all".to_vec(),
            "the body is no valid gzip",
        ),
    ] {
        let c = scanning_client(&answering_bytes(encoded(coding), body, Arc::default()));
        let reply = c.get(&ApiPath::project("p1")).unwrap();
        assert_eq!((reply.status, reply.body.as_str()), (200, ""));
        let found = c.take_findings();
        assert!(
            found.observations[0].contains(why),
            "{:?}",
            found.observations
        );
        assert!(found.observations[0].contains("the body was withheld"));
        // The raw bytes are scanned all the same.
        assert_eq!(found.leaks.len(), usize::from(coding == "br"));
    }
    let bomb = gzip(&vec![0; 2 << 20]);
    let url = answering_bytes(encoded("gzip"), bomb, Arc::default());
    let c = scanning_client(&url).with_max_body(1 << 20);
    let e = c.get(&ApiPath::project("p1")).unwrap_err();
    assert!(
        format!("{e:#}").contains("(Content-Encoding: gzip) decodes to more than the 1 MiB limit"),
        "{e:#}"
    );
}

#[test]
fn a_secret_in_any_form_is_redacted_before_anything_reads_the_answer() {
    use base64::Engine as _;
    let escaped: String = KEY
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let blob = base64::engine::general_purpose::STANDARD.encode(format!("env: {KEY}\n"));
    let body = format!(r#"{{"a": "{escaped}", "b": "{blob}", "n": 1e999}}"#);
    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Debug: {KEY}\r\n");
    let url = answering(head, body);
    let c = scanning_client(&url);
    let reply = c.get(&ApiPath::project("p1")).unwrap();
    assert!(!reply.body.contains(&escaped) && !reply.body.contains(&blob));
    assert!(
        reply.body.starts_with(r#"{"a": "[REDACTED]", "b": ""#),
        "{}",
        reply.body
    );
    let found = c.take_findings();
    let places: Vec<String> = found.leaks.iter().map(|l| l.place.clone()).collect();
    assert_eq!(
        places,
        [
            "the x-debug header of the answer to GET /api/v1/projects/p1",
            "the answer to GET /api/v1/projects/p1"
        ]
    );
    assert!(found.leaks.iter().all(|l| l.var == "OPENAI_API_KEY"));
    assert!(found.observations.is_empty(), "{:?}", found.observations);
    assert!(c.take_findings().leaks.is_empty());
}

#[test]
fn a_json_answer_labelled_otherwise_is_an_observation_once() {
    let url = answering(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n".into(),
        r#"{"files": []}"#.into(),
    );
    let c = scanning_client(&url);
    for pid in ["p1", "p2"] {
        c.get(&ApiPath::files(pid)).unwrap();
    }
    c.get_root("/healthz").unwrap();
    assert_eq!(
        c.take_findings().observations,
        [
            "GET /api/v1/{project_id}/files answered JSON labelled text/html; charset=utf-8 \
             (contract: application/json)",
            "GET /healthz answered JSON labelled text/html; charset=utf-8 (contract: \
             application/json)"
        ]
    );
    let html = answering(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n".into(),
        "<html>docs</html>".into(),
    );
    let c = scanning_client(&html);
    c.get_root("/docs").unwrap();
    assert!(c.take_findings().observations.is_empty());
}

#[test]
fn json_content_types() {
    for t in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/problem+json",
    ] {
        assert!(says_json(t), "{t}");
    }
    for t in ["text/html", "text/json", "application/jsonp", ""] {
        assert!(!says_json(t), "{t}");
    }
}

#[test]
fn header_text_is_visible_ascii_and_bounded() {
    assert_eq!(header_text(b"text/html;\x1b[31m x"), "text/html; [31m x");
    assert_eq!(header_text(&[b'a'; 500]).len(), 200);
}
