//! The TCP listener the server runs on. hyper answers a few requests itself, before the
//! router and its middleware see them: a URI over 64 KiB (414), a request line it cannot
//! parse (400), headers over its buffer (431). It answers them with an empty body, whereas
//! CONTRACT.md wants the JSON error body on every 4xx. [`Listener`] wraps each connection
//! and replaces exactly those automatic answers — a 4xx head with `content-length: 0`, which
//! the router never writes (its errors always carry a body) — by the contract's body.

use crate::error::ApiError;
use axum::http::StatusCode;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

pub struct Listener(pub TcpListener);

impl axum::serve::Listener for Listener {
    type Io = Connection;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (
            Connection {
                stream,
                replacing: None,
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

pub struct Connection {
    stream: TcpStream,
    /// A replacement being written: its bytes, how many are out, and the length of the
    /// write it stands for.
    replacing: Option<(Vec<u8>, usize, usize)>,
}

/// The contract's answer for hyper's automatic response `head`, if it is one.
pub fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let text = std::str::from_utf8(&head[..end]).ok()?.to_ascii_lowercase();
    let code: u16 = text.strip_prefix("http/1.1 ")?.get(..3)?.parse().ok()?;
    let status = StatusCode::from_u16(code).ok()?;
    if !status.is_client_error() || !text.lines().any(|l| l.trim() == "content-length: 0") {
        return None;
    }
    let hint = match code {
        414 => {
            "the request URI is over 64 KiB; this API accepts up to 8192 bytes (file paths \
                are at most 4096)"
        }
        431 => "the request headers are too large for this server; send fewer or shorter headers",
        _ => "the HTTP request could not be parsed; check the request line and headers",
    };
    let body = serde_json::to_vec(&ApiError::http(status, hint).body()).ok()?;
    tracing::info!(status = code, "request refused by the HTTP parser");
    let mut out = format!(
        "HTTP/1.1 {code} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n",
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes();
    out.extend(body);
    Some(out)
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacing.is_none() {
            match replacement(buf) {
                Some(bytes) => this.replacing = Some((bytes, 0, buf.len())),
                None => return Pin::new(&mut this.stream).poll_write(cx, buf),
            }
        }
        // hyper calls again with the same bytes while this answers Pending.
        let Some((bytes, sent, stands_for)) = this.replacing.as_mut() else {
            unreachable!("set above");
        };
        while *sent < bytes.len() {
            let n = ready!(Pin::new(&mut this.stream).poll_write(cx, &bytes[*sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *sent += n;
        }
        let n = *stands_for;
        // Whatever hyper writes after its automatic head is dropped: the connection closes.
        this.replacing = Some((Vec::new(), 0, 0));
        Poll::Ready(Ok(n.max(buf.len())))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_empty_4xx_heads_are_replaced() {
        let hyper = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(replacement(hyper).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{out}");
        let body: serde_json::Value =
            serde_json::from_str(out.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(
            (body["code"].as_u64(), body["error"].as_str()),
            (Some(414), Some("http_error"))
        );
        for ours in [
            &b"HTTP/1.1 404 Not Found\r\ncontent-length: 120\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"{\"partial\": \"body\"}",
        ] {
            assert!(replacement(ours).is_none());
        }
    }
}
