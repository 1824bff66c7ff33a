//! Reading an answer within the client's bounds: at most `max_body` bytes, by the
//! request's deadline. The raw bytes go to `answer.rs` before anything reads them.

use super::Client;
use reqwest::blocking::Response;
use reqwest::Method;
use std::io::Read;
use std::time::{Duration, Instant};

impl Client {
    /// The body, at most `max_body` bytes, by `end` at the latest: reqwest's request timeout
    /// (set to the time left) also bounds the body, and the deadline is checked between
    /// reads as well.
    pub(super) fn read_body(&self, resp: Response, end: Instant) -> Result<Vec<u8>, BodyError> {
        if resp.content_length().is_some_and(|n| n > self.max_body) {
            return Err(BodyError::TooLarge);
        }
        let mut bytes = Vec::new();
        let mut limited = resp.take(self.max_body + 1);
        let mut chunk = [0u8; 64 * 1024];
        loop {
            let n = match limited.read(&mut chunk) {
                Ok(n) => n,
                Err(e) if Instant::now() >= end || is_timeout(&e) => return Err(BodyError::Late),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(BodyError::Io(e)),
            };
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
            if bytes.len() as u64 > self.max_body {
                return Err(BodyError::TooLarge);
            }
            if Instant::now() >= end {
                return Err(BodyError::Late);
            }
        }
        Ok(bytes)
    }

    /// The error of a body that could not be read, naming the request and the fix.
    pub(super) fn body_error(
        &self,
        e: BodyError,
        method: &Method,
        url: &str,
        limit: Duration,
    ) -> anyhow::Error {
        match e {
            BodyError::TooLarge => anyhow::anyhow!(
                "{method} {url}: the answer is larger than the {} limit (raise it \
                 with --max-body if the backend really sends that much)",
                bytes_text(self.max_body)
            ),
            BodyError::DecodesTooLarge(codings) => anyhow::anyhow!(
                "{method} {url}: the answer (Content-Encoding: {codings}) decodes to more than \
                 the {} limit: decoding stopped there (a decompression bomb; raise it with \
                 --max-body if the backend really sends that much)",
                bytes_text(self.max_body)
            ),
            BodyError::Late => timed_out(method, url, limit),
            BodyError::Io(e) => {
                anyhow::Error::from(e).context(format!("{method} {url}: reading the answer"))
            }
        }
    }
}

/// A request that had no complete answer within its deadline.
pub(super) fn timed_out(method: &Method, url: &str, limit: Duration) -> anyhow::Error {
    anyhow::anyhow!(
        "{method} {url}: no complete answer within {} (the request's deadline): \
         the backend hangs or is stopped",
        humantime::format_duration(limit)
    )
}

pub(super) enum BodyError {
    TooLarge,
    /// The body, in these Content-Encoding codings, decodes to more than the limit.
    DecodesTooLarge(String),
    Late,
    Io(std::io::Error),
}

fn is_timeout(e: &std::io::Error) -> bool {
    if e.kind() == std::io::ErrorKind::TimedOut {
        return true;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|s| s as _);
    while let Some(s) = source {
        if s.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
        {
            return true;
        }
        source = s.source();
    }
    false
}

/// `16 MiB`, `512 KiB`, `100 bytes`.
pub(super) fn bytes_text(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}
