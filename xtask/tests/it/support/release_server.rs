//! A stand-in for GitHub's release downloads on 127.0.0.1: the files it is given, by path;
//! 404 for any other; and, for `cut_short`, its whole length announced but half of it sent
//! before the connection closes (a download that breaks off).

use super::fake_backend::read_request;
use std::collections::BTreeMap;
use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub struct Release {
    /// `http://127.0.0.1:<port>`, the action's `download-base-url`.
    pub base: String,
    /// Requests answered so far.
    pub hits: Arc<AtomicUsize>,
}

/// Serves `files` (path → bytes) until the test binary ends; `cut_short` is a path whose
/// answer breaks off halfway.
pub fn serve(files: BTreeMap<String, Vec<u8>>, cut_short: Option<String>) -> Release {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let files = Arc::new(files);
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let (files, cut_short) = (files.clone(), cut_short.clone());
            std::thread::spawn(move || answer(stream, &files, cut_short.as_deref()));
        }
    });
    Release { base, hits }
}

fn answer(mut s: TcpStream, files: &BTreeMap<String, Vec<u8>>, cut_short: Option<&str>) {
    let Ok(request) = read_request(&s) else {
        return;
    };
    let Some(body) = files.get(&request.path) else {
        let _ = s.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nNot Found",
        );
        return;
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let sent = if cut_short == Some(request.path.as_str()) {
        &body[..body.len() / 2]
    } else {
        &body[..]
    };
    let _ = s
        .write_all(head.as_bytes())
        .and_then(|()| s.write_all(sent));
    let _ = s.flush();
    let _ = s.shutdown(Shutdown::Both);
}
