//! The wire of the hostile double: requests and answers as it reads, forwards and writes
//! them, and the other server its redirects point at.

use crate::support::fake_backend;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub(super) struct Request {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) body: String,
}

#[derive(Debug, Clone)]
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) content_type: String,
    pub(super) location: Option<String>,
    pub(super) body: String,
    /// The body goes out gzip-compressed, with `Content-Encoding: gzip`.
    pub(super) gzip: bool,
}

impl Answer {
    pub(super) fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            content_type: "application/json".into(),
            location: None,
            body: body.to_string(),
            gzip: false,
        }
    }

    pub(super) fn redirect(to: String) -> Answer {
        Answer {
            status: 307,
            content_type: "text/plain".into(),
            location: Some(to),
            body: String::new(),
            gzip: false,
        }
    }
}

pub(super) fn error(status: u16, slug: &str, message: &str, detail: &str) -> Answer {
    Answer::json(
        status,
        json!({"error": slug, "message": message, "code": status, "detail": detail}),
    )
}

pub(super) fn read_request(s: &TcpStream) -> std::io::Result<Request> {
    let r = fake_backend::read_request(s)?;
    Ok(Request {
        method: r.method,
        path: r.path,
        body: String::from_utf8_lossy(&r.body).into_owned(),
    })
}

/// Sends `request` to the fake at `addr` and reads its whole answer (`Connection: close`).
pub(super) fn forward(addr: &str, request: &Request) -> std::io::Result<Answer> {
    let mut s = TcpStream::connect(addr)?;
    write!(
        s,
        "{} {} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{}",
        request.method,
        request.path,
        request.body.len(),
        request.body
    )?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(502);
    let mut answer = Answer {
        status,
        content_type: "application/json".into(),
        location: None,
        body: body.to_owned(),
        gzip: false,
    };
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-type") {
                answer.content_type = v.trim().to_owned();
            } else if k.eq_ignore_ascii_case("location") {
                answer.location = Some(v.trim().to_owned());
            }
        }
    }
    Ok(answer)
}

/// `bytes` gzip-compressed at the default level: no byte of the text is left as it was.
pub(super) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Another server (another port): records every request as `METHOD path body` and answers
/// what a backend would, so that a followed redirect would pass on its content.
pub struct Elsewhere {
    pub url: String,
    pub seen: Arc<Mutex<Vec<String>>>,
}

pub fn elsewhere() -> Elsewhere {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let Ok(request) = read_request(&s) else {
                continue;
            };
            record.lock().unwrap().push(format!(
                "{} {} {}",
                request.method, request.path, request.body
            ));
            let body = if request.method == "POST" {
                json!({"id": "elsewhere-1", "instruction": "elsewhere", "status": "completed",
                       "summary": null, "created_at": "t", "updated_at": "t"})
            } else {
                json!({"path": "app.py", "contents": "print('served elsewhere')\n"})
            }
            .to_string();
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Elsewhere { url, seen }
}
