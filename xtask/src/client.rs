//! The HTTP client of the suite: blocking, one reused connection, no automatic redirects.
//!
//! Paths always carry the contract's trailing slash (`/projects/`); a 307/308 from a
//! backend that wants another form is followed once by hand, keeping method and body.
//! POSTs may block for a whole job on synchronous backends (the original), so their timeout
//! follows the poll timeout; GETs are short so that a dead backend is noticed quickly.

use anyhow::{Context, Result};
use codex_contract::API_V1;
use reqwest::blocking::{Client as Http, RequestBuilder};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Timeout of one GET (polls, listings): a healthy backend answers these at once.
pub const GET_TIMEOUT: Duration = Duration::from_secs(4);

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn ok(&self) -> bool {
        self.status == 200
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.body).with_context(|| {
            format!(
                "the body of this HTTP {} answer is not the JSON the contract describes",
                self.status
            )
        })
    }
}

pub struct Client {
    http: Http,
    root: String,
    post_timeout: Duration,
}

impl Client {
    /// `root` is the backend's URL without the API prefix; `poll_timeout` bounds a POST.
    pub fn new(root: &str, poll_timeout: Duration) -> Result<Self> {
        let http = Http::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(1)
            .connect_timeout(Duration::from_secs(3))
            .build()
            .context("creating the HTTP client")?;
        Ok(Client {
            http,
            root: root.trim_end_matches('/').to_owned(),
            // On a synchronous backend the POST lasts the whole job: up to L08's timeout
            // (twice the poll timeout), plus a margin for the answer itself.
            post_timeout: poll_timeout * 2 + Duration::from_secs(30),
        })
    }

    pub fn root(&self) -> &str {
        &self.root
    }

    /// After a rollback the backend may listen elsewhere.
    pub fn set_root(&mut self, root: &str) {
        self.root = root.trim_end_matches('/').to_owned();
    }

    /// GET a path under the API prefix, e.g. `/projects/abc`.
    pub fn get(&self, api_path: &str) -> Result<Reply> {
        self.send(
            Method::GET,
            &format!("{API_V1}{api_path}"),
            None,
            GET_TIMEOUT,
        )
    }

    /// GET a path outside the API (`/docs`, `/healthz`).
    pub fn get_root(&self, path: &str) -> Result<Reply> {
        self.send(Method::GET, path, None, GET_TIMEOUT)
    }

    /// POST JSON under the API prefix.
    pub fn post(&self, api_path: &str, body: &serde_json::Value) -> Result<Reply> {
        self.send(
            Method::POST,
            &format!("{API_V1}{api_path}"),
            Some(body),
            self.post_timeout,
        )
    }

    fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        timeout: Duration,
    ) -> Result<Reply> {
        let mut url = format!("{}{path}", self.root);
        // One redirect at most, followed with the same method and body (a 307 from a
        // backend that wants a different slash must not turn a POST into a GET).
        for _ in 0..2 {
            let mut req: RequestBuilder = self.http.request(method.clone(), &url).timeout(timeout);
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = req
                .send()
                .with_context(|| format!("{method} {url}: no answer from the backend"))?;
            let status = resp.status().as_u16();
            if matches!(status, 307 | 308) {
                let location = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .with_context(|| format!("{method} {url}: {status} without a Location"))?;
                url = resp
                    .url()
                    .join(location)
                    .with_context(|| format!("{method} {url}: bad Location {location:?}"))?
                    .to_string();
                continue;
            }
            let body = resp
                .text()
                .with_context(|| format!("{method} {url}: reading the answer"))?;
            return Ok(Reply { status, body });
        }
        anyhow::bail!("{method} {path}: redirected more than once; the backend loops")
    }
}

/// Percent-encodes each segment of a workspace path for `/files/{path}`.
pub fn file_path(project_id: &str, path: &str) -> String {
    let enc: Vec<String> = path
        .split('/')
        .map(|seg| {
            seg.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect()
        })
        .collect();
    format!("/{project_id}/files/{}", enc.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_keep_slashes_and_encode_the_rest() {
        assert_eq!(
            file_path("p", ".codex/result.json"),
            "/p/files/.codex/result.json"
        );
        assert_eq!(file_path("p", "a b/c#"), "/p/files/a%20b/c%23");
    }
}
