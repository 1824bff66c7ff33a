//! Paths under the API prefix, built from segments: an id the target sent goes into a URL
//! percent-encoded as one segment, never formatted into a path. The client takes nothing
//! else under the prefix.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986's unreserved characters is encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A path under the API prefix, e.g. `/projects/abc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiPath {
    /// Encoded, from the prefix on.
    path: String,
    /// The contract's name for it, e.g. `/projects/{project_id}`.
    template: &'static str,
}

impl ApiPath {
    /// `/projects/`: the create.
    pub(crate) fn projects() -> ApiPath {
        ApiPath {
            path: "/projects/".into(),
            template: "/projects/",
        }
    }

    /// `/projects/{project_id}`.
    pub(crate) fn project(pid: &str) -> ApiPath {
        ApiPath {
            path: format!("/projects/{}", segment(pid)),
            template: "/projects/{project_id}",
        }
    }

    /// `/{project_id}/files`.
    pub(crate) fn files(pid: &str) -> ApiPath {
        ApiPath {
            path: format!("/{}/files", segment(pid)),
            template: "/{project_id}/files",
        }
    }

    /// `/{project_id}/files/{path}`: each segment of the workspace path encoded, its
    /// slashes kept.
    pub(crate) fn file(pid: &str, path: &str) -> ApiPath {
        let segments: Vec<String> = path.split('/').map(segment).collect();
        ApiPath {
            path: format!("/{}/files/{}", segment(pid), segments.join("/")),
            template: "/{project_id}/files/{path}",
        }
    }

    /// `/{project_id}/jobs`.
    pub(crate) fn jobs(pid: &str) -> ApiPath {
        ApiPath {
            path: format!("/{}/jobs", segment(pid)),
            template: "/{project_id}/jobs",
        }
    }

    /// `/{project_id}/jobs/{job_id}`.
    pub(crate) fn job(pid: &str, job_id: &str) -> ApiPath {
        ApiPath {
            path: format!("/{}/jobs/{}", segment(pid), segment(job_id)),
            template: "/{project_id}/jobs/{job_id}",
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.path
    }

    pub(crate) fn template(&self) -> &'static str {
        self.template
    }
}

fn segment(id: &str) -> String {
    utf8_percent_encode(id, SEGMENT).to_string()
}

/// What an id from the target is, as a path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdShape {
    /// Letters, digits, `-`, `_`, `.`, `~`: the same encoded or not.
    Plain,
    /// Anything else: sent percent-encoded (an observation).
    Encoded,
    /// Empty, `.` or `..`: a URL resolves these, so no request can name it.
    Unusable,
}

pub(crate) fn id_shape(id: &str) -> IdShape {
    if matches!(id, "" | "." | "..") {
        IdShape::Unusable
    } else if id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
    {
        IdShape::Plain
    } else {
        IdShape::Encoded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_segment_whatever_they_hold() {
        assert_eq!(
            ApiPath::job("p1", "job#1234").as_str(),
            "/p1/jobs/job%231234"
        );
        assert_eq!(
            ApiPath::job("p1", "../../docs?x").as_str(),
            "/p1/jobs/..%2F..%2Fdocs%3Fx"
        );
        assert_eq!(ApiPath::project("a b/c").as_str(), "/projects/a%20b%2Fc");
        assert_eq!(ApiPath::file("p", "a b/c#").as_str(), "/p/files/a%20b/c%23");
        assert_eq!(
            ApiPath::file("p", ".codex/result.json").as_str(),
            "/p/files/.codex/result.json"
        );
        assert_eq!(ApiPath::files("ü").as_str(), "/%C3%BC/files");
        assert_eq!(ApiPath::jobs("p").template(), "/{project_id}/jobs");
    }

    #[test]
    fn id_shapes() {
        for id in ["00000000-0000-4000-8000-000000000001", "p1-j2", "a.b~c_d"] {
            assert_eq!(id_shape(id), IdShape::Plain, "{id}");
        }
        for id in ["job#1234", "../../docs?x", "a b", "ü", "a/b"] {
            assert_eq!(id_shape(id), IdShape::Encoded, "{id}");
        }
        for id in ["", ".", ".."] {
            assert_eq!(id_shape(id), IdShape::Unusable, "{id:?}");
        }
    }
}
