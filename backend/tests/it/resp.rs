//! A response as the tests read it, from the in-process router or the real server.

use axum::http::HeaderMap;
use serde_json::Value;

pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// A 200 with the contract's `FileList`; its files.
    pub fn file_list(&self) -> Vec<codex_contract::FileEntry> {
        assert_eq!(self.status, 200, "listing the files: {}", self.text());
        serde_json::from_value::<codex_contract::FileList>(self.json())
            .expect("a FileList body")
            .files
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the contract's error body for `code`: its slug, the category's fixed
    /// `message`, a `detail` for 4xx (none for 5xx), a `hint` beside a string `detail`, and
    /// the request id as `correlation_id`. Returns the body.
    pub fn assert_error(&self, code: u16, slug: &str) -> Value {
        assert_eq!(self.status, code, "{}", self.text());
        assert!(
            self.header("content-type")
                .unwrap_or("")
                .starts_with("application/json"),
            "error without a JSON content type: {:?}",
            self.headers
        );
        let b = self.json();
        assert_eq!(b["error"], slug, "{b}");
        assert_eq!(b["code"], code, "{b}");
        let message = match code {
            400 => "Bad request",
            404 => "Not found",
            422 => "Validation failed",
            500..=599 => "Internal server error",
            _ => b["message"]
                .as_str()
                .filter(|m| !m.is_empty())
                .expect("a message"),
        };
        assert_eq!(b["message"], message, "{b}");
        match code {
            422 => assert!(b["detail"].as_array().is_some_and(|d| !d.is_empty()), "{b}"),
            500..=599 => assert!(b.get("detail").is_none(), "{b}"),
            _ => {
                assert!(b["detail"].as_str().is_some_and(|d| !d.is_empty()), "{b}");
                assert!(b["hint"].as_str().is_some_and(|h| !h.is_empty()), "{b}");
            }
        }
        assert_eq!(
            b["correlation_id"].as_str(),
            self.header("x-request-id"),
            "{b}"
        );
        b
    }
}
